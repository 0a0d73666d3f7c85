// Loads a program the way the kernel's execve does: the ELF itself, and for a dynamic program its
// interpreter (ld.so) below the mmap base; a `#!` script starts its interpreter with the script's path.
import { ElfFile, parseElf } from '../elf/elf';
import { ET_DYN, PT_LOAD } from '../elf/elf-constants';
import { GuestMemory, PAGE_SIZE, pageDown, pageUp } from '../memory/guest-memory';
import { LoaderError } from './loader-error';
import { MappingRecorder } from './mapping-recorder';
import { LoadedProgram, loadStatic, STATIC_PIE_LOAD_BASE } from './static-loader';

/** The top of the mmap area with randomization off; the interpreter goes just below it. */
export const MMAP_TOP = 0x7fff_f7ff_f000n;
/** The kernel's BINPRM_MAX_RECURSION: how many `#!` interpreters may chain. */
const MAX_SCRIPT_DEPTH = 4;

export interface ExecImage {
  /** Where execution starts: the interpreter's entry for a dynamic program. */
  start: bigint;
  main: LoadedProgram;
  /** The interpreter's load address (AT_BASE), 0 without one. */
  interpreterBase: bigint;
  brkStart: bigint;
}

export interface ExecRequest {
  /** The program's path as given (argv[0] for an ELF). */
  path: string;
  argv: string[];
}

/** Reads a file by its guest path (the guest root applies); throws LoaderError when it cannot. */
export type FileReader = (guestPath: string) => Uint8Array;

/**
 * Follows `#!` lines: returns the ELF to run and the argv it gets, as the kernel rewrites them
 * (interpreter, its one optional argument, the script's path, then the original arguments after argv[0]).
 */
export function resolveScript(read: FileReader, request: ExecRequest): { elf: ElfFile; argv: string[]; path: string } {
  let { path, argv } = request;
  for (let depth = 0; ; depth++) {
    const bytes = read(path);
    if (bytes[0] === 0x23 && bytes[1] === 0x21) {
      if (depth >= MAX_SCRIPT_DEPTH) throw new LoaderError(path, 'too many levels of #! interpreters');
      const end = bytes.indexOf(0x0a);
      const line = Buffer.from(bytes.subarray(2, end < 0 ? Math.min(bytes.length, 256) : end)).toString('latin1').trim();
      if (!line) throw new LoaderError(path, '#! line names no interpreter');
      const space = line.search(/[ \t]/);
      const interp = space < 0 ? line : line.slice(0, space);
      const arg = space < 0 ? '' : line.slice(space).trim();
      argv = [interp, ...(arg ? [arg] : []), path, ...argv.slice(1)];
      path = interp;
      continue;
    }
    return { elf: parseElf(bytes, path), argv, path };
  }
}

/** Maps the program and, when it names one, its interpreter. */
export function loadExecImage(mem: GuestMemory, elf: ElfFile, read: FileReader, recorder?: MappingRecorder): ExecImage {
  if (elf.interpreter === undefined) {
    const main = loadStatic(mem, elf, { recorder });
    return { start: main.entry, main, interpreterBase: 0n, brkStart: main.brkStart };
  }
  const main = loadStatic(mem, elf, { recorder, allowInterpreter: true, loadBase: STATIC_PIE_LOAD_BASE });
  let interpBytes: Uint8Array;
  try {
    interpBytes = read(elf.interpreter);
  } catch (e) {
    throw new LoaderError(elf.name, `cannot load its interpreter ${elf.interpreter} (${e instanceof LoaderError ? e.problem : (e as Error).message})`);
  }
  const interp = parseElf(interpBytes, elf.interpreter);
  if (interp.interpreter !== undefined) throw new LoaderError(elf.interpreter, 'an interpreter cannot name another interpreter');
  if (interp.type !== ET_DYN) throw new LoaderError(elf.interpreter, 'the interpreter is not a shared object');
  const loads = interp.programHeaders.filter((ph) => ph.type === PT_LOAD && ph.memsz > 0n);
  const low = pageDown(loads.reduce((m, ph) => (ph.vaddr < m ? ph.vaddr : m), loads[0].vaddr));
  const high = pageUp(loads.reduce((m, ph) => (ph.vaddr + ph.memsz > m ? ph.vaddr + ph.memsz : m), 0n));
  const base = MMAP_TOP - (high - low) - BigInt(PAGE_SIZE) + BigInt(PAGE_SIZE);
  const loadedInterp = loadStatic(mem, interp, { recorder, loadBase: base - low });
  return { start: loadedInterp.entry, main, interpreterBase: loadedInterp.loadBias + low, brkStart: main.brkStart };
}
