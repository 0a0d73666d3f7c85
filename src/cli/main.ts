// The ferry command line: runs a guest program and exits with its status (128+N when signal N
// ends it). User mistakes get one line on stderr starting with "ferry: " and a non-zero status.
import { closeSync, openSync, statSync, writeSync } from 'fs';
import { ElfError } from '../elf/elf';
import { resolveScript } from '../loader/program-loader';
import { execFileReader, ProgramNotFound } from '../linux/exec-files';
import { GuestFs } from '../../syscalls/fs/guest-fs';
import { LoaderError } from '../loader/loader-error';
import { GuestProgram } from '../linux/guest-process';
import { signalName, Stats } from '../runtime/engine';
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
  const program = new GuestProgram(elf, {
    argv, envp, execfn: options.program, readFile, root: options.root, fs,
    strace: options.strace, traceTo,
    dumpIr: options.dumpIr ? (text) => void writeSync(2, text + '\n') : undefined,
    codeCacheBytes: process.env.FERRY_CODE_CACHE_BYTES ? Number(process.env.FERRY_CODE_CACHE_BYTES) : undefined,
  });
  const result = program.run();
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
