// The guest address space as Linux keeps it: the list of mappings (VMAs) and the mmap, munmap,
// mprotect, mremap, brk, msync and madvise rules the syscalls need, applied to a GuestMemory.
import { Errno } from '../../syscalls/errno';
import { GuestMemory, PAGE_MASK, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, pageUp } from './guest-memory';
import { SharedPages } from './shared-pages';

/** mmap flag bits (x86-64 values, from asm-generic/mman*.h and asm/mman.h). */
export const MAP_FLAGS = {
  MAP_SHARED: 0x01,
  MAP_PRIVATE: 0x02,
  MAP_SHARED_VALIDATE: 0x03,
  MAP_FIXED: 0x10,
  MAP_ANONYMOUS: 0x20,
  MAP_32BIT: 0x40,
  MAP_GROWSDOWN: 0x100,
  MAP_DENYWRITE: 0x800,
  MAP_EXECUTABLE: 0x1000,
  MAP_LOCKED: 0x2000,
  MAP_NORESERVE: 0x4000,
  MAP_POPULATE: 0x8000,
  MAP_NONBLOCK: 0x10000,
  MAP_STACK: 0x20000,
  MAP_HUGETLB: 0x40000,
  MAP_SYNC: 0x80000,
  MAP_FIXED_NOREPLACE: 0x100000,
  MAP_UNINITIALIZED: 0x4000000,
} as const;
export const {
  MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_FIXED, MAP_ANONYMOUS, MAP_32BIT, MAP_GROWSDOWN,
  MAP_LOCKED, MAP_NORESERVE, MAP_FIXED_NOREPLACE,
} = MAP_FLAGS;
/** The bits of mmap flags that hold the mapping type (shared, private, shared-validate). */
export const MAP_TYPE = 0x0f;

export const MREMAP_FLAGS = { MREMAP_MAYMOVE: 1, MREMAP_FIXED: 2, MREMAP_DONTUNMAP: 4 } as const;
export const { MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP } = MREMAP_FLAGS;

export const MSYNC_FLAGS = { MS_ASYNC: 1, MS_INVALIDATE: 2, MS_SYNC: 4 } as const;
export const { MS_ASYNC, MS_INVALIDATE, MS_SYNC } = MSYNC_FLAGS;

/** madvise advice values Linux 6.x accepts (asm-generic/mman-common.h). */
export const MADVICE = {
  MADV_NORMAL: 0, MADV_RANDOM: 1, MADV_SEQUENTIAL: 2, MADV_WILLNEED: 3, MADV_DONTNEED: 4, MADV_FREE: 8,
  MADV_REMOVE: 9, MADV_DONTFORK: 10, MADV_DOFORK: 11, MADV_MERGEABLE: 12, MADV_UNMERGEABLE: 13,
  MADV_HUGEPAGE: 14, MADV_NOHUGEPAGE: 15, MADV_DONTDUMP: 16, MADV_DODUMP: 17, MADV_WIPEONFORK: 18,
  MADV_KEEPONFORK: 19, MADV_COLD: 20, MADV_PAGEOUT: 21, MADV_POPULATE_READ: 22, MADV_POPULATE_WRITE: 23,
  MADV_DONTNEED_LOCKED: 24, MADV_COLLAPSE: 25,
} as const;
export const { MADV_DONTNEED, MADV_DONTNEED_LOCKED } = MADVICE;

export const PROT_SEM = 0x8;
export const PROT_GROWSDOWN = 0x01000000;
export const PROT_GROWSUP = 0x02000000;

/** One past the highest user address on x86-64 with 4-level paging. */
export const TASK_SIZE = 0x7fff_ffff_f000n;
/** Where top-down placement starts when ASLR is off (the kernel's mmap_base for an 8 MiB stack). */
export const DEFAULT_MMAP_BASE = 0x7fff_f7ff_f000n;
/** Debian's vm.mmap_min_addr: no mapping below it; hints below it are raised to it. */
export const MMAP_MIN_ADDR = 0x10000n;
/** Where the kernel falls back to bottom-up search when top-down placement finds no room. */
const TASK_UNMAPPED_BASE = pageUp(TASK_SIZE / 3n);
/** MAP_32BIT places mappings in the second gigabyte, as arch/x86 does. */
const MAP_32BIT_RANGE = { start: 0x4000_0000n, end: 0x8000_0000n };
/** Unsigned 64-bit arithmetic bound: lengths past it wrap in the kernel. */
const U64_LIMIT = 1n << 64n;

/** mmap flags that become part of a mapping (the kernel's vm_flags); the rest only steer the call. */
const KEPT_FLAGS = MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE;

export interface Vma {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
  readonly prot: number;
  /** MAP_SHARED or MAP_PRIVATE, plus MAP_ANONYMOUS and the other flags that persist. */
  readonly flags: number;
  /** '' for plain anonymous memory, '[heap]', '[stack]', or the mapped file's path. */
  readonly name: string;
  /** File offset of `start` for file mappings; 0 for anonymous ones. */
  readonly offset: bigint;
  /** The mapped file, for mappings made by mmap of a file (loader records have none). */
  readonly backing?: FileBacking;
  /**
   * Anonymous memory that mremap moved: the address its first page was mapped at (Linux's
   * vm_pgoff), so that it merges only with pages that continue it. Absent: `start`.
   */
  readonly anonOrigin?: bigint;
}

/**
 * The file behind a file mapping, held open by the mapping (the guest may close its fd). A shared
 * mapping of a file open for writing writes the pages the guest changed back on msync, munmap, at
 * exit and before any read or write of that file (SharedPages finds them), so file I/O and shared
 * mappings see each other as they do through the kernel's page cache.
 */
export interface FileBacking {
  /** Whether the mapping's changes belong to the file (MAP_SHARED of a file opened O_RDWR). */
  readonly writesBack: boolean;
  /** Equal for every backing of the same file (device and inode). */
  readonly identity: string;
  /** Up to length bytes at position: short at end of file. */
  read(position: bigint, length: number): Uint8Array;
  /** Writes bytes at position, dropping what lies past the end of the file (mmap never extends it). */
  write(position: bigint, bytes: Uint8Array): void;
  /** Called once when no mapping uses the file any more. */
  release(): void;
}

export type UnmapListener = (start: bigint, end: bigint) => void;
export type ProtectListener = (start: bigint, end: bigint, prot: number) => void;

const HEAP_NAME = '[heap]';
const EINVAL = -BigInt(Errno.EINVAL);
const ENOMEM = -BigInt(Errno.ENOMEM);

export class AddressSpace {
  /** Sorted by start, never overlapping, adjacent compatible mappings merged. */
  private list: Vma[] = [];
  private readonly unmapListeners: UnmapListener[] = [];
  private readonly protectListeners: ProtectListener[] = [];
  private heapStart = 0n;
  /** The program break as the guest last set it (not page-aligned, as Linux keeps it). */
  private currentBrk = 0n;

  /** What each shared file page held when last exchanged with its file. */
  private readonly sharedPages: SharedPages;

  constructor(private readonly memory: GuestMemory, private readonly mmapBase = DEFAULT_MMAP_BASE) {
    this.sharedPages = new SharedPages(memory);
  }

  /** The mapping that contains addr. */
  find(addr: bigint): Vma | undefined {
    const i = this.indexAfter(addr);
    const vma = this.list[i];
    return vma && vma.start <= addr ? vma : undefined;
  }

  /** Whether every byte of [addr, addr+len) is mapped with at least the permissions in prot. */
  isMapped(addr: bigint, len: bigint | number, prot = 0): boolean {
    const want = BigInt(len);
    return this.accessibleLength(addr, want, prot) === want;
  }

  /**
   * How many bytes from addr (at most len) are mapped with at least the permissions in prot
   * without a gap: what a kernel copy to or from user memory gets through before it faults.
   */
  accessibleLength(addr: bigint, len: bigint | number, prot = 0): bigint {
    const end = addr + BigInt(len);
    let cursor = addr;
    for (let i = this.indexAfter(addr); cursor < end; i++) {
      const vma = this.list[i];
      if (!vma || vma.start > cursor || (vma.prot & prot) !== prot) break;
      cursor = vma.end;
    }
    return (cursor < end ? cursor : end) - addr;
  }

  vmas(): readonly Vma[] {
    return this.list.slice();
  }

  /** The program break's start and current value (what a forked child inherits). */
  breakState(): { heapStart: bigint; brk: bigint } {
    return { heapStart: this.heapStart, brk: this.currentBrk };
  }

  /**
   * A forked child's address space: the parent's mappings, whose pages the caller has already mapped
   * and filled in guest memory. Shared pages start out as the file holds them (the parent synced).
   */
  adopt(vmas: readonly Vma[], heapStart: bigint, brk: bigint): void {
    this.list = vmas.slice();
    this.heapStart = heapStart;
    this.currentBrk = brk;
    for (const vma of this.list) if (vma.flags & MAP_SHARED && vma.backing) this.sharedPages.remember(vma.start, vma.end);
  }

  /** Called for every range that stops being mapped (munmap, MAP_FIXED replacement, mremap, brk). */
  onUnmap(listener: UnmapListener): () => void {
    return subscribe(this.unmapListeners, listener);
  }

  /** Called for every range whose permissions mprotect changes. */
  onProtect(listener: ProtectListener): () => void {
    return subscribe(this.protectListeners, listener);
  }

  /** Records a mapping the loader already made in guest memory. */
  record(start: bigint, size: bigint, prot: number, name: string, flags = MAP_PRIVATE, offset = 0n): void {
    if ((start & PAGE_MASK) !== 0n || size <= 0n || (size & PAGE_MASK) !== 0n) {
      throw new Error(`AddressSpace.record: unaligned range 0x${start.toString(16)}+0x${size.toString(16)}`);
    }
    if (this.overlaps(start, start + size)) {
      throw new Error(`AddressSpace.record: 0x${start.toString(16)}+0x${size.toString(16)} overlaps a mapping`);
    }
    this.insert({ start, end: start + size, prot, flags, name, offset });
  }

  /**
   * Linux mmap: anonymous pages start zeroed; a file mapping (with backing) gets the file's bytes
   * from offset, zero past the end of the file; pages wholly past the end raise SIGBUS when touched
   * (the file's length when it is mapped counts). Returns the address, or -errno.
   */
  mmap(addr: bigint, len: bigint, prot: number, flags: number, name = '', offset = 0n, backing?: FileBacking): bigint {
    if (len === 0n) return EINVAL;
    const size = pageUp(len);
    if (size > TASK_SIZE) return ENOMEM;
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return EINVAL;
    // The kernel validates extension flags only for files: anonymous memory has no validate type.
    if (type === MAP_SHARED_VALIDATE && flags & MAP_ANONYMOUS) return EINVAL;
    if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;

    let start: bigint | undefined;
    if (flags & MAP_FIXED) {
      if (addr > TASK_SIZE - size) return ENOMEM;
      if (addr & PAGE_MASK) return EINVAL;
      if (addr < MMAP_MIN_ADDR) return -BigInt(Errno.EPERM);
      if (flags & MAP_FIXED_NOREPLACE && this.overlaps(addr, addr + size)) return -BigInt(Errno.EEXIST);
      start = addr;
    } else {
      start = this.placement(size, addr, (flags & MAP_32BIT) !== 0);
      if (start === undefined) return ENOMEM;
    }
    const end = start + size;
    this.unmapRange(start, end);
    this.memory.map(start, Number(size), prot);
    const kept = (flags & KEPT_FLAGS & ~MAP_TYPE) | (type === MAP_PRIVATE ? MAP_PRIVATE : MAP_SHARED);
    const vma = { start, end, prot, flags: kept, name, offset, backing };
    this.fillFromFile(vma, start, offset, size);
    this.insert(vma);
    return start;
  }

  /** Linux munmap: 0 or -errno. Holes in the range are fine. */
  munmap(addr: bigint, len: bigint): number {
    if (addr & PAGE_MASK || addr > TASK_SIZE || len > TASK_SIZE - addr) return -Errno.EINVAL;
    const size = pageUp(len);
    if (size === 0n) return -Errno.EINVAL;
    this.unmapRange(addr, addr + size);
    return 0;
  }

  /**
   * Linux mprotect: 0 or -errno. Like the kernel, a hole in the range gives ENOMEM after the
   * mappings before the hole have already been changed.
   */
  mprotect(addr: bigint, len: bigint, prot: number): number {
    if (addr & PAGE_MASK) return -Errno.EINVAL;
    if ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP)) return -Errno.EINVAL;
    prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return -Errno.EINVAL;
    if (len === 0n) return 0;
    const end = addr + pageUp(len);
    if (end >= U64_LIMIT) return -Errno.ENOMEM;
    const first = this.find(addr);
    if (!first) return -Errno.ENOMEM;

    this.splitAt(addr);
    this.splitAt(end);
    let cursor = addr;
    let result = 0;
    for (let i = this.indexAfter(addr); cursor < end; i++) {
      const vma = this.list[i];
      if (!vma || vma.start !== cursor) {
        result = -Errno.ENOMEM;
        break;
      }
      // A shared file mapping may become writable only when the file was opened for writing.
      if (prot & PROT_WRITE && vma.flags & MAP_SHARED && vma.backing && !vma.backing.writesBack) {
        result = -Errno.EACCES;
        break;
      }
      if (vma.prot !== prot) {
        this.list[i] = { ...vma, prot };
        this.memory.protect(vma.start, Number(vma.end - vma.start), prot);
        for (const listener of this.protectListeners) listener(vma.start, vma.end, prot);
      }
      cursor = vma.end;
    }
    this.mergeAround(addr, end);
    return result;
  }

  /** Linux mremap: the mapping's new address, or -errno. Moving keeps the contents. */
  mremap(oldAddr: bigint, oldLen: bigint, newLen: bigint, flags: number, newAddr = 0n): bigint {
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return EINVAL;
    if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return EINVAL;
    // MREMAP_DONTUNMAP leaves the old range mapped but empty: not supported yet.
    if (flags & MREMAP_DONTUNMAP) return EINVAL;
    if (oldAddr & PAGE_MASK) return EINVAL;
    let oldSize = pageUp(oldLen);
    const newSize = pageUp(newLen);
    // An old length of 0 duplicates a shared mapping; Ferry has no shared mappings to duplicate.
    if (newSize === 0n || oldSize === 0n || newSize > TASK_SIZE) return EINVAL;
    if (!this.find(oldAddr)) return -BigInt(Errno.EFAULT);

    if (flags & MREMAP_FIXED) {
      if (newAddr & PAGE_MASK || newAddr > TASK_SIZE - newSize) return EINVAL;
      if (newAddr < oldAddr + oldSize && oldAddr < newAddr + newSize) return EINVAL;
      // The kernel clears the destination and trims the source before checking the source.
      this.unmapRange(newAddr, newAddr + newSize);
      if (oldSize > newSize) {
        this.unmapRange(oldAddr + newSize, oldAddr + oldSize);
        oldSize = newSize;
      }
      const vma = this.find(oldAddr);
      if (!vma || oldAddr + oldSize > vma.end) return -BigInt(Errno.EFAULT);
      return this.move(vma, oldAddr, oldSize, newAddr, newSize);
    }

    if (oldSize >= newSize) {
      this.unmapRange(oldAddr + newSize, oldAddr + oldSize);
      return oldAddr;
    }
    const vma = this.find(oldAddr)!;
    if (oldAddr + oldSize > vma.end) return -BigInt(Errno.EFAULT);
    const growEnd = oldAddr + newSize;
    if (oldAddr + oldSize === vma.end && growEnd <= TASK_SIZE && !this.overlaps(vma.end, growEnd)) {
      this.memory.map(vma.end, Number(growEnd - vma.end), vma.prot);
      this.fillFromFile(vma, vma.end, offsetAt(vma, vma.end), growEnd - vma.end);
      this.insert({ ...vma, start: vma.end, end: growEnd, offset: offsetAt(vma, vma.end) });
      return oldAddr;
    }
    if (!(flags & MREMAP_MAYMOVE)) return ENOMEM;
    const dest = this.placement(newSize, 0n, false);
    if (dest === undefined) return ENOMEM;
    return this.move(vma, oldAddr, oldSize, dest, newSize);
  }

  /**
   * Linux msync: writes shared file pages in the range back to their files. Like the kernel, a hole
   * in the range gives ENOMEM after the mappings around it have been written.
   */
  msync(addr: bigint, len: bigint, flags: number): number {
    if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return -Errno.EINVAL;
    if (addr & PAGE_MASK) return -Errno.EINVAL;
    if (flags & MS_ASYNC && flags & MS_SYNC) return -Errno.EINVAL;
    const end = addr + pageUp(len);
    if (end >= U64_LIMIT || end < addr) return -Errno.ENOMEM;
    let cursor = addr;
    let result = 0;
    for (let i = this.indexAfter(addr); cursor < end; i++) {
      const vma = this.list[i];
      if (!vma) return -Errno.ENOMEM;
      if (vma.start > cursor) {
        // MS_SYNC alone stops at the hole; otherwise the kernel syncs on and reports it at the end.
        if (flags === MS_SYNC) return -Errno.ENOMEM;
        result = -Errno.ENOMEM;
      }
      if (vma.start >= end) break;
      const from = vma.start > addr ? vma.start : addr;
      const to = vma.end < end ? vma.end : end;
      this.writeBack(vma, from, to);
      cursor = vma.end;
    }
    return result;
  }

  /**
   * Linux madvise: MADV_DONTNEED gives private pages back (anonymous ones read as zero again, file
   * ones as the file's bytes); shared pages keep their contents. Other advice changes nothing here.
   */
  madvise(addr: bigint, len: bigint, advice: number): number {
    if (addr & PAGE_MASK) return -Errno.EINVAL;
    if (!(Object.values(MADVICE) as number[]).includes(advice)) return -Errno.EINVAL;
    const end = addr + pageUp(len);
    if (end < addr || end >= U64_LIMIT) return -Errno.EINVAL;
    if (end === addr) return 0;
    let cursor = addr;
    let result = 0;
    for (let i = this.indexAfter(addr); cursor < end; i++) {
      const vma = this.list[i];
      if (!vma || vma.start >= end) {
        result = -Errno.ENOMEM;
        break;
      }
      if (vma.start > cursor) result = -Errno.ENOMEM;
      const from = vma.start > addr ? vma.start : addr;
      const to = vma.end < end ? vma.end : end;
      if ((advice === MADV_DONTNEED || advice === MADV_DONTNEED_LOCKED) && vma.flags & MAP_PRIVATE) {
        this.discardPages(vma, from, to);
      }
      cursor = vma.end;
    }
    return result;
  }

  /** Writes every shared file mapping back to its file: the kernel's page cache does this at exit. */
  writeBackAll(): void {
    for (const vma of this.list) this.writeBack(vma, vma.start, vma.end);
  }

  /** The program is gone (execve or exit): shared pages reach their files and every file is let go. */
  releaseAll(): void {
    this.writeBackAll();
    for (const backing of new Set(this.list.map((vma) => vma.backing))) backing?.release();
    this.list = [];
  }

  /** Whether any MAP_SHARED file mapping exists (file I/O then keeps them coherent). */
  hasSharedFileMappings(): boolean {
    return this.list.some((vma) => vma.flags & MAP_SHARED && vma.backing);
  }

  /**
   * Before file I/O on the file with this identity: its shared mappings' stores reach the file, as
   * they would through the kernel's page cache, so read() sees them and write() lands on top.
   * Other shared mappings of the same file then show those stores too.
   */
  writeBackFile(identity: string): void {
    let mappings = 0;
    for (const vma of this.list) {
      if (vma.backing?.identity !== identity) continue;
      this.writeBack(vma, vma.start, vma.end);
      if (vma.flags & MAP_SHARED) mappings++;
    }
    if (mappings > 1) this.reloadFile(identity);
  }

  /**
   * After the file with this identity changed through write(), ftruncate() and the like: its shared
   * mappings show the new bytes (zero past the end of the file) and translated code from them is dropped.
   */
  reloadFile(identity: string): void {
    for (const vma of this.list) {
      if (!(vma.flags & MAP_SHARED) || vma.backing?.identity !== identity) continue;
      this.sharedPages.load(vma.backing, vma.start, vma.offset, Number(vma.end - vma.start));
      for (const listener of this.protectListeners) listener(vma.start, vma.end, vma.prot);
    }
  }

  /** Sets the start of the heap (the loader passes the end of the program's bss). */
  initBrk(start: bigint): void {
    this.heapStart = pageUp(start);
    this.currentBrk = this.heapStart;
  }

  /** Linux brk: returns the new break, or the unchanged old one when the request fails. */
  brk(newEnd: bigint): bigint {
    if (newEnd < this.heapStart || this.heapStart === 0n) return this.currentBrk;
    const newTop = pageUp(newEnd);
    const oldTop = pageUp(this.currentBrk);
    if (newTop === oldTop) {
      this.currentBrk = newEnd;
    } else if (newEnd < this.currentBrk) {
      this.unmapRange(newTop, oldTop);
      this.currentBrk = newEnd;
    } else {
      // The kernel keeps at least one unmapped page between the heap and the next mapping.
      const next = this.list[this.indexAfter(oldTop)];
      if (newTop > TASK_SIZE || (next && newTop + BigInt(PAGE_SIZE) > next.start)) return this.currentBrk;
      const prot = PROT_READ | PROT_WRITE;
      this.memory.map(oldTop, Number(newTop - oldTop), prot);
      this.insert({ start: oldTop, end: newTop, prot, flags: MAP_PRIVATE | MAP_ANONYMOUS, name: HEAP_NAME, offset: 0n });
      this.currentBrk = newEnd;
    }
    return this.currentBrk;
  }

  private move(vma: Vma, oldAddr: bigint, oldSize: bigint, dest: bigint, newSize: bigint): bigint {
    const kept = oldSize < newSize ? oldSize : newSize;
    const shared = vma.flags & MAP_SHARED && vma.backing;
    if (shared) this.writeBack(vma, oldAddr, oldAddr + oldSize);
    const contents = this.memory.read(oldAddr, Number(kept));
    this.memory.map(dest, Number(newSize), vma.prot);
    this.memory.write(dest, contents);
    if (shared) this.sharedPages.move(oldAddr, dest, kept);
    if (vma.backing && newSize > oldSize) this.fillFromFile(vma, dest + oldSize, offsetAt(vma, oldAddr) + oldSize, newSize - oldSize);
    // The new mapping goes in first so that the old range's file stays referenced.
    this.insert({ ...vma, start: dest, end: dest + newSize, offset: offsetAt(vma, oldAddr), ...movedOrigin(vma, oldAddr, dest) });
    this.unmapRange(oldAddr, oldAddr + oldSize);
    return dest;
  }

  /** Writes the pages of [from, to) that the guest changed back to a shared mapping's file. */
  private writeBack(vma: Vma, from: bigint, to: bigint): void {
    if (!(vma.flags & MAP_SHARED) || !vma.backing?.writesBack || to <= from) return;
    this.sharedPages.store(vma.backing, from, to, vma.offset + (from - vma.start));
  }

  /** The file's bytes for size bytes at addr, which a file mapping grown by mremap now covers. */
  private fillFromFile(vma: Vma, addr: bigint, offset: bigint, size: bigint): void {
    if (!vma.backing) return;
    let held: number;
    if (vma.flags & MAP_SHARED) {
      // Another shared mapping's stores must be in the file before this one reads it.
      this.writeBackFile(vma.backing.identity);
      held = this.sharedPages.load(vma.backing, addr, offset, Number(size));
    } else {
      const bytes = vma.backing.read(offset, Number(size));
      this.memory.write(addr, bytes);
      held = bytes.length;
    }
    const beyond = addr + pageUp(BigInt(held));
    if (beyond < addr + size) this.memory.beyondFileEnd?.(beyond, Number(addr + size - beyond));
  }

  /** Fresh pages for [from, to) of a private mapping: zero, or the file's bytes. */
  private discardPages(vma: Vma, from: bigint, to: bigint): void {
    const size = Number(to - from);
    this.memory.unmap(from, size);
    for (const listener of this.unmapListeners) listener(from, to);
    this.memory.map(from, size, vma.prot);
    if (vma.backing) this.memory.write(from, vma.backing.read(vma.offset + (from - vma.start), size));
  }

  /** Where a non-fixed mapping goes: the hint if free, else top-down below the mmap base. */
  private placement(size: bigint, hint: bigint, below2G: boolean): bigint | undefined {
    if (below2G) return this.lowestFree(size, MAP_32BIT_RANGE.start, MAP_32BIT_RANGE.end);
    hint &= ~PAGE_MASK;
    if (hint !== 0n && hint < MMAP_MIN_ADDR) hint = MMAP_MIN_ADDR;
    if (hint !== 0n && hint <= TASK_SIZE - size && !this.overlaps(hint, hint + size)) return hint;
    return this.highestFree(size, MMAP_MIN_ADDR, this.mmapBase) ?? this.lowestFree(size, TASK_UNMAPPED_BASE, TASK_SIZE);
  }

  private highestFree(size: bigint, floor: bigint, ceiling: bigint): bigint | undefined {
    let gapEnd = ceiling;
    for (let i = this.list.length - 1; i >= -1; i--) {
      const below = this.list[i];
      const gapStart = below ? (below.end > floor ? below.end : floor) : floor;
      if (below && below.start >= gapEnd) continue;
      if (gapEnd - gapStart >= size) return gapEnd - size;
      if (!below) break;
      gapEnd = below.start;
    }
    return undefined;
  }

  private lowestFree(size: bigint, floor: bigint, ceiling: bigint): bigint | undefined {
    let gapStart = floor;
    for (let i = this.indexAfter(floor); ; i++) {
      const above = this.list[i];
      const gapEnd = above && above.start < ceiling ? above.start : ceiling;
      if (gapEnd > gapStart && gapEnd - gapStart >= size) return gapStart;
      if (!above || above.start >= ceiling) return undefined;
      if (above.end > gapStart) gapStart = above.end;
    }
  }

  /** Index of the first mapping that ends above addr (the one containing it, or the next). */
  private indexAfter(addr: bigint): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[mid].end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private overlaps(start: bigint, end: bigint): boolean {
    const vma = this.list[this.indexAfter(start)];
    return vma !== undefined && vma.start < end;
  }

  /** Splits the mapping that straddles addr so that a mapping boundary falls on addr. */
  private splitAt(addr: bigint): void {
    const i = this.indexAfter(addr);
    const vma = this.list[i];
    if (!vma || vma.start >= addr) return;
    const lower = { ...vma, end: addr };
    const upper = { ...vma, start: addr, offset: offsetAt(vma, addr), ...movedOrigin(vma, addr) };
    this.list.splice(i, 1, lower, upper);
  }

  /** Removes every mapping in [start, end) from the list and from guest memory. */
  private unmapRange(start: bigint, end: bigint): void {
    if (!this.overlaps(start, end)) return;
    this.splitAt(start);
    this.splitAt(end);
    const first = this.indexAfter(start);
    let last = first;
    while (last < this.list.length && this.list[last].start < end) last++;
    const removed = this.list.splice(first, last - first);
    for (const vma of removed) {
      this.writeBack(vma, vma.start, vma.end);
      if (vma.flags & MAP_SHARED && vma.backing) this.sharedPages.forget(vma.start, vma.end);
      this.memory.unmap(vma.start, Number(vma.end - vma.start));
      for (const listener of this.unmapListeners) listener(vma.start, vma.end);
    }
    for (const backing of new Set(removed.map((vma) => vma.backing))) {
      if (backing && !this.list.some((vma) => vma.backing === backing)) backing.release();
    }
  }

  private insert(vma: Vma): void {
    this.list.splice(this.indexAfter(vma.start), 0, vma);
    this.mergeAround(vma.start, vma.end);
  }

  /** Merges the mappings in [start, end) with each other and with the neighbours on either side. */
  private mergeAround(start: bigint, end: bigint): void {
    const first = Math.max(0, this.indexAfter(start) - 1);
    let last = this.indexAfter(end);
    if (last < this.list.length) last++;
    const merged: Vma[] = [];
    for (let i = first; i < last; i++) {
      const vma = this.list[i];
      const prev = merged[merged.length - 1];
      if (prev && canMerge(prev, vma)) merged[merged.length - 1] = { ...prev, end: vma.end };
      else merged.push(vma);
    }
    this.list.splice(first, last - first, ...merged);
  }
}

/** The file offset of addr inside the mapping; anonymous memory has none (0, as /proc/self/maps shows). */
function offsetAt(vma: Vma, addr: bigint): bigint {
  return vma.flags & MAP_ANONYMOUS ? 0n : vma.offset + (addr - vma.start);
}

/** The anonOrigin of the pages of vma from addr on, placed at `at` (where they start now). */
function movedOrigin(vma: Vma, addr: bigint, at = addr): { anonOrigin?: bigint } {
  if (!(vma.flags & MAP_ANONYMOUS)) return {};
  const origin = (vma.anonOrigin ?? vma.start) + (addr - vma.start);
  return origin === at ? { anonOrigin: undefined } : { anonOrigin: origin };
}

function canMerge(lower: Vma, upper: Vma): boolean {
  if (lower.end !== upper.start || lower.prot !== upper.prot || lower.flags !== upper.flags || lower.name !== upper.name ||
    lower.backing !== upper.backing) {
    return false;
  }
  // File pages merge only where the file offsets continue; anonymous pages where their origins do.
  if (lower.flags & MAP_ANONYMOUS) return (lower.anonOrigin ?? lower.start) + (lower.end - lower.start) === (upper.anonOrigin ?? upper.start);
  return lower.offset + (lower.end - lower.start) === upper.offset;
}

function subscribe<T>(listeners: T[], listener: T): () => void {
  listeners.push(listener);
  return () => {
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  };
}
