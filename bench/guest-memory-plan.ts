// Address-space bookkeeping shared by the benchmark's direct runners: maps the ELF segments and
// the stack, and serves brk and anonymous mmap (bump allocation, munmap is a no-op).
import { buildInitialStack, AT_ENTRY, AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM } from './guest-stack';
import type { ElfImage } from './elf-image';

export const PAGE = 0x1000n;
const STACK_TOP = 0x7fff_f000_0000n;
const STACK_SIZE = 8n << 20n;
const MMAP_BASE = 0x10_0000_0000n;
const ENOMEM = 12n;

export const alignDown = (v: bigint): bigint => v & ~(PAGE - 1n);
export const alignUp = (v: bigint): bigint => (v + PAGE - 1n) & ~(PAGE - 1n);

/** What a runner supplies: map zeroed, readable/writable/executable memory, and write bytes. */
export interface MemoryBackend {
  map(address: bigint, size: bigint): void;
  write(address: bigint, bytes: Buffer): void;
}

export class GuestAddressSpace {
  private brkStart = 0n;
  private brkCurrent = 0n;
  private brkMappedEnd = 0n;
  private mmapNext = MMAP_BASE;

  constructor(private readonly memory: MemoryBackend) {}

  /** Loads the image and builds the stack; returns the initial stack pointer. */
  load(image: ElfImage, argv: string[], env: string[]): bigint {
    // Segments can share a page at their edges: map the union of their page ranges once.
    const ranges = image.segments
      .map((s) => [alignDown(s.vaddr), alignUp(s.vaddr + s.memsz)] as [bigint, bigint])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const merged: [bigint, bigint][] = [];
    for (const [start, end] of ranges) {
      const last = merged[merged.length - 1];
      if (last && start <= last[1]) last[1] = end > last[1] ? end : last[1];
      else merged.push([start, end]);
    }
    for (const [start, end] of merged) this.memory.map(start, end - start);
    for (const s of image.segments) if (s.data.length) this.memory.write(s.vaddr, s.data);
    this.brkStart = this.brkCurrent = this.brkMappedEnd = merged[merged.length - 1][1];

    this.memory.map(STACK_TOP - STACK_SIZE, STACK_SIZE);
    const auxv: [bigint, bigint][] = [
      [AT_PHDR, image.phdrAddress], [AT_PHENT, 56n], [AT_PHNUM, BigInt(image.phnum)],
      [AT_PAGESZ, PAGE], [AT_ENTRY, image.entry],
    ];
    const stack = buildInitialStack(STACK_TOP - 64n, argv, env, auxv);
    this.memory.write(stack.sp, stack.bytes);
    return stack.sp;
  }

  brk(requested: bigint): bigint {
    if (requested <= this.brkStart) return this.brkCurrent;
    const end = alignUp(requested);
    if (end > this.brkMappedEnd) {
      this.memory.map(this.brkMappedEnd, end - this.brkMappedEnd);
      this.brkMappedEnd = end;
    }
    this.brkCurrent = requested;
    return requested;
  }

  /** Anonymous mmap only; returns the address or -errno. */
  mmap(length: bigint): bigint {
    if (length <= 0n) return -22n;
    const size = alignUp(length);
    if (this.mmapNext + size > STACK_TOP - STACK_SIZE) return -ENOMEM;
    const address = this.mmapNext;
    this.memory.map(address, size);
    this.mmapNext += size + PAGE; // a guard gap between mappings
    return address;
  }
}
