// Loads a static x86-64 program (ET_EXEC, or a static-pie ET_DYN) into guest memory the way the
// kernel's load_elf_binary does when there is no interpreter and no address randomization.
import { ElfFile, ProgramHeader } from '../elf/elf';
import { ET_DYN, PF_R, PF_W, PF_X, PT_LOAD } from '../elf/elf-constants';
import { GuestMemory, PAGE_SIZE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, pageDown, pageUp } from '../memory/guest-memory';
import { LoaderError } from './loader-error';
import { MappingRecorder } from './mapping-recorder';

/** Where a static-pie is placed: ELF_ET_DYN_BASE (2/3 of TASK_SIZE) on x86-64 with randomization off. */
export const STATIC_PIE_LOAD_BASE = 0x5555_5555_4000n;
/** TASK_SIZE_MAX on x86-64 with 4-level page tables: the end of the user address space. */
export const USER_ADDRESS_END = 0x7fff_ffff_f000n;

export interface LoadedSegment {
  /** Index of the PT_LOAD program header in the file. */
  index: number;
  /** Guest address (load bias applied) and sizes of the segment itself, not page-rounded. */
  address: bigint;
  filesz: bigint;
  memsz: bigint;
  prot: number;
}

export interface LoadedProgram {
  entry: bigint;
  /** Added to every link-time address: 0 for ET_EXEC. */
  loadBias: bigint;
  /** AT_PHDR: where the program headers are visible in guest memory (0 + bias if no segment holds them, like the kernel). */
  phdrAddress: bigint;
  phnum: number;
  phent: number;
  /** Page-aligned end of the highest segment: where brk starts. */
  brkStart: bigint;
  segments: LoadedSegment[];
}

export interface LoadOptions {
  recorder?: MappingRecorder;
  /** Base for a static-pie; defaults to STATIC_PIE_LOAD_BASE. */
  loadBase?: bigint;
  /** Load a program that names an interpreter (the caller loads the interpreter too). */
  allowInterpreter?: boolean;
}

export function protFromSegmentFlags(flags: number): number {
  return (flags & PF_R ? PROT_READ : PROT_NONE) | (flags & PF_W ? PROT_WRITE : PROT_NONE) | (flags & PF_X ? PROT_EXEC : PROT_NONE);
}

export function loadStatic(mem: GuestMemory, elf: ElfFile, options: LoadOptions = {}): LoadedProgram {
  const fail = (problem: string): never => {
    throw new LoaderError(elf.name, problem);
  };
  if (elf.interpreter !== undefined && !options.allowInterpreter) fail('dynamic programs need an interpreter (not supported yet)');
  // The kernel maps nothing for an empty PT_LOAD.
  const loads = elf.programHeaders.filter((ph) => ph.type === PT_LOAD && ph.memsz > 0n);
  if (loads.length === 0) fail('no PT_LOAD segment to load');
  for (const ph of loads) {
    // The kernel maps file pages, so a segment's address and offset must share their page offset.
    if ((ph.vaddr - ph.offset) % BigInt(PAGE_SIZE) !== 0n) {
      fail(`program header ${ph.index} (PT_LOAD): vaddr 0x${hex(ph.vaddr)} and offset 0x${hex(ph.offset)} differ modulo the page size`);
    }
  }

  const loadBias = elf.type === ET_DYN ? pieLoadBias(loads, options.loadBase ?? STATIC_PIE_LOAD_BASE) : 0n;
  const segments = loads.map((ph): LoadedSegment => ({
    index: ph.index, address: ph.vaddr + loadBias, filesz: ph.filesz, memsz: ph.memsz, prot: protFromSegmentFlags(ph.flags),
  }));
  for (const s of segments) {
    if (s.address + s.memsz > USER_ADDRESS_END) {
      fail(`segment ${s.index} at 0x${hex(s.address)}-0x${hex(s.address + s.memsz)} lies outside the user address space`);
    }
  }

  for (const run of pageRuns(segments)) {
    try {
      mem.map(run.start, Number(run.end - run.start), run.prot);
    } catch (err) {
      fail(`cannot map 0x${hex(run.start)}-0x${hex(run.end)} (${err instanceof Error ? err.message : String(err)})`);
    }
    options.recorder?.reserve(run.start, Number(run.end - run.start), run.prot, run.fileBacked ? elf.name : '');
  }
  for (const [i, s] of segments.entries()) copySegment(mem, elf.bytes, loads[i], s);

  const holdingPhdrs = loads.find((ph) => ph.offset <= elf.phoff && elf.phoff < ph.offset + ph.filesz);
  const highestEnd = segments.reduce((end, s) => (s.address + s.memsz > end ? s.address + s.memsz : end), 0n);
  return {
    entry: elf.entry + loadBias,
    loadBias,
    phdrAddress: (holdingPhdrs ? elf.phoff - holdingPhdrs.offset + holdingPhdrs.vaddr : 0n) + loadBias,
    phnum: elf.phnum,
    phent: elf.phentsize,
    brkStart: pageUp(highestEnd),
    segments,
  };
}

/** As load_elf_binary: the base aligned down to the largest power-of-two PT_LOAD alignment, less the first segment's page. */
function pieLoadBias(loads: ProgramHeader[], base: bigint): bigint {
  const isPowerOfTwo = (n: bigint) => n > 0n && (n & (n - 1n)) === 0n;
  const alignment = loads.reduce((max, ph) => (isPowerOfTwo(ph.align) && ph.align > max ? ph.align : max), BigInt(PAGE_SIZE));
  return pageDown((base & ~(alignment - 1n)) - loads[0].vaddr);
}

interface PageRun {
  start: bigint;
  end: bigint;
  prot: number;
  /** Whether any segment's file bytes land in these pages (the rest is anonymous bss). */
  fileBacked: boolean;
}

/**
 * The page ranges to map, split where permissions or file backing change. A page shared by two
 * segments gets both segments' permissions, so neither loses access to its part of the page.
 */
function pageRuns(segments: LoadedSegment[]): PageRun[] {
  const pages = (s: LoadedSegment) => ({ start: pageDown(s.address), end: pageUp(s.address + s.memsz), fileEnd: pageUp(s.address + s.filesz) });
  const bounds = [...new Set(segments.flatMap((s) => Object.values(pages(s))))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const runs: PageRun[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [start, end] = [bounds[i], bounds[i + 1]];
    const covering = segments.filter((s) => pages(s).start <= start && end <= pages(s).end);
    if (covering.length === 0) continue;
    const prot = covering.reduce((p, s) => p | s.prot, PROT_NONE);
    const fileBacked = covering.some((s) => end <= pages(s).fileEnd);
    const last = runs[runs.length - 1];
    if (last && last.end === start && last.prot === prot && last.fileBacked === fileBacked) last.end = end;
    else runs.push({ start, end, prot, fileBacked });
  }
  return runs;
}

/**
 * Writes the segment's file pages from the start of its first page, as the kernel's file mapping
 * shows them (so the ELF and program headers are visible when the first segment starts at offset 0),
 * then clears the rest of the last file page when the segment has bss (the kernel's padzero).
 */
function copySegment(mem: GuestMemory, file: Uint8Array, ph: ProgramHeader, segment: LoadedSegment): void {
  const head = segment.address - pageDown(segment.address);
  const fileStart = Number(ph.offset - head);
  mem.write(pageDown(segment.address), file.subarray(fileStart, Number(ph.offset + ph.filesz)));
  const fileEnd = segment.address + segment.filesz;
  if (segment.memsz > segment.filesz && pageUp(fileEnd) > fileEnd) mem.write(fileEnd, new Uint8Array(Number(pageUp(fileEnd) - fileEnd)));
}

function hex(n: bigint): string {
  return n.toString(16);
}
