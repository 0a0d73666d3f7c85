// The ferry command line: runs a guest program and exits with its status (128+N when signal N
// ends it). User mistakes get one line on stderr starting with "ferry: " and a non-zero status.
// Also the internal entry a guest's vfork child uses to run the program it executed (children.ts).
import { closeSync, openSync, statSync, writeSync } from 'fs';
import { ElfError, ElfFile } from '../elf/elf';
import { resolveScript } from '../loader/program-loader';
import { execFileReader, ProgramNotFound } from '../linux/exec-files';
import { GuestFs } from '../../syscalls/fs/guest-fs';
import { LoaderError } from '../loader/loader-error';
import { GuestProgram, GuestProgramOptions } from '../linux/guest-process';
import { Children, EXEC_CHILD_COMMAND, ExecChildSpec, FORK_CHILD_COMMAND, tableFrom } from '../linux/children';
import { readForkImage, readHandoff } from '../linux/fork-image';
import { RunResult, signalName, Stats } from '../runtime/engine';
import { hostDieBySignal } from '../../syscalls/fs/libc';
import { SIG_DFL, SIG_IGN, SignalState } from '../../syscalls/signals';
import { unicornPatchStates } from '../unicorn/patches';
import { parseArgs, RunOptions, USAGE, UsageError } from './args';

const EXIT_USAGE = 2, EXIT_CANNOT_EXECUTE = 126, EXIT_NOT_FOUND = 127;

function fail(message: string, status: number): number {
  writeSync(2, `ferry: ${message}\n`);
  return status;
}


function printStats(stats: Stats): void {
  const ms = (ns: bigint) => (Number(ns) / 1e6).toFixed(1);
  const exits = Object.entries(stats.exits).map(([k, v]) => `${k}=${v}`).join(' ');
  writeSync(2, `ferry: stats: blocks translated ${stats.blocks}, guest instructions translated ${stats.guestInsns}\n` +
    `ferry: stats: translate ${ms(stats.translateNs)} ms, run ${ms(stats.runNs - stats.translateNs)} ms\n` +
    `ferry: stats: exits to the runtime: ${exits || 'none'}; code invalidations ${stats.smcInvalidations}\n` +
    `ferry: stats: guest stores translated ${stats.guestStores}, host stores emitted ${stats.hostStores}\n` +
    `ferry: stats: unicorn patches: ${Object.entries(unicornPatchStates() ?? {}).map(([n, s]) => `${n} ${s}`).join(', ') || 'not loaded'}\n`);
}

type CommonOptions = Omit<GuestProgramOptions, 'argv' | 'envp' | 'execfn' | 'inherit'>;

/** Runs the program, and each program it replaces itself with through execve, to the end. */
function runGuest(elf: ElfFile | undefined, start: Pick<GuestProgramOptions, 'argv' | 'envp' | 'execfn' | 'inherit' | 'forkedFrom'>,
  common: CommonOptions): { result: RunResult; program: GuestProgram } {
  let program = new GuestProgram(elf, { ...common, ...start });
  let result = program.run();
  while (result.kind === 'exec') {
    const { image, inherit } = result;
    program = new GuestProgram(image.elf, { ...common, argv: image.argv, envp: image.envp, execfn: image.path, inherit });
    result = program.run();
  }
  return { result, program };
}

/**
 * A guest's vfork child executed a program: this process runs it with the fds, directory, umask and
 * signal state the child had, and ends as the guest ends (by its signal, as the parent's wait4 expects).
 */
function runExecChild(spec: ExecChildSpec): number {
  const fs = childFs(spec);
  const fds = tableFrom(spec.fds, fs);
  const signals = new SignalState();
  signals.setBlocked(spec.blocked);
  for (const s of spec.ignored) signals.setAction(s, { handler: SIG_IGN, flags: 0n, restorer: 0n, mask: 0n });
  const readFile = execFileReader(fs);
  const { elf, argv } = resolveScript(readFile, { path: spec.program, argv: spec.argv });
  const { result } = runGuest(elf, { argv, envp: spec.envp, execfn: spec.path, inherit: { fds, signals, children: new Children() } }, {
    readFile, root: spec.root, fs, ...traceOptions(spec),
  });
  return endAsGuest(result);
}

/** A child process's view of the file system: its parent's root, directory and umask. */
function childFs(spec: { root: string; cwd: string; umask: number }): GuestFs {
  const fs = new GuestFs(spec.root);
  fs.cwd = spec.cwd;
  fs.umask = spec.umask;
  return fs;
}

/** A child process traces as its parent: to the --strace-file fd it was handed, else to stderr. */
function traceOptions(spec: { strace: boolean; traceFd?: number }): Pick<GuestProgramOptions, 'strace' | 'traceTo' | 'traceFd'> {
  return { strace: spec.strace, traceFd: spec.traceFd, traceTo: (text) => void writeSync(spec.traceFd ?? 2, text) };
}

/** A child process ends as its guest did: with its status, or killed by its signal (for wait4). */
function endAsGuest(result: RunResult): number {
  if (result.kind === 'exit') return result.status;
  hostDieBySignal(result.signal);
  return 128 + result.signal;
}

/** The child of a guest's fork: continues the parent's snapshot from the fork syscall. */
function runForkChild(file: string): number {
  const image = readForkImage(file);
  const fs = childFs(image);
  const fds = tableFrom(image.fds, fs);
  const signals = new SignalState();
  signals.setBlocked(image.blocked);
  for (const { signal, ...action } of image.actions) if (action.handler !== SIG_DFL) signals.setAction(signal, action);
  const { result } = runGuest(undefined, {
    argv: image.argv, envp: image.envp, execfn: image.exe, inherit: { fds, signals, children: new Children() }, forkedFrom: image,
  }, { readFile: execFileReader(fs), root: image.root, fs, ...traceOptions(image) });
  return endAsGuest(result);
}

export function run(options: RunOptions): number {
  if (!statSync(options.root, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--root ${options.root}: not a directory`);
  const fs = new GuestFs(options.root);
  const readFile = execFileReader(fs);
  const { elf, argv } = resolveScript(readFile, { path: options.program, argv: [options.program, ...options.args] });
  let traceFd: number | undefined;
  if (options.straceFile) {
    try {
      traceFd = openSync(options.straceFile, 'w');
    } catch (e) {
      throw new UsageError(`--strace-file ${options.straceFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
    }
  }
  const traceTo = (text: string) => void writeSync(traceFd ?? 2, text);
  const envp = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  const { result, program } = runGuest(elf, { argv, envp, execfn: options.program }, {
    readFile, root: options.root, fs, strace: options.strace, traceTo, traceFd,
    dumpIr: options.dumpIr ? (text: string) => void writeSync(2, text + '\n') : undefined,
    codeCacheBytes: process.env.FERRY_CODE_CACHE_BYTES ? Number(process.env.FERRY_CODE_CACHE_BYTES) : undefined,
  });
  if (traceFd !== undefined) closeSync(traceFd);
  if (options.stats) printStats(program.engine.stats);
  if (result.kind === 'exit') return result.status;
  if (result.message.startsWith('unsupported') || result.message.startsWith('undecodable')) {
    writeSync(2, `ferry: ${signalName(result.signal)}: ${result.message}\n`);
  }
  return 128 + result.signal;
}

export function main(argv: string[]): number {
  try {
    if (argv[0] === EXEC_CHILD_COMMAND) return runExecChild(readHandoff<ExecChildSpec>(argv[1]).value);
    if (argv[0] === FORK_CHILD_COMMAND) return runForkChild(argv[1]);
    const parsed = parseArgs(argv);
    if (parsed.command === 'help') { writeSync(1, USAGE + '\n'); return 0; }
    if (parsed.command === 'version') { writeSync(1, 'ferry 0.1.0\n'); return 0; }
    return parsed.command === 'run' ? run(parsed.options) : 0;
  } catch (e) {
    if (e instanceof UsageError) return fail(`${e.message} (${USAGE})`, EXIT_USAGE);
    if (e instanceof ProgramNotFound) return fail(e.message, EXIT_NOT_FOUND);
    if (e instanceof ElfError || e instanceof LoaderError) return fail(e.message, EXIT_CANNOT_EXECUTE);
    const err = e as Error;
    return fail(`internal error: ${err.message}${process.env.FERRY_DEBUG ? '\n' + err.stack : ''}`, 70);
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
