// Host memory that Unicorn uses as the guest's physical RAM: one reservation, committed by the host
// kernel only where it is touched, seen from TypeScript through views of at most 1 GiB each.
import koffi from 'koffi';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_NORESERVE = 0x4000;
const MADV_DONTNEED = 4;
/** V8 will not view more than 4 GiB at once; 1 GiB views keep every index a small integer. */
export const VIEW_BYTES = 1 << 30;

interface Libc { mmap: (...a: unknown[]) => unknown; munmap: (...a: unknown[]) => number; madvise: (...a: unknown[]) => number }
let libc: Libc | undefined;
function load(): Libc {
  if (libc) return libc;
  const so = koffi.load('libc.so.6');
  libc = {
    mmap: so.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, intptr_t off)'),
    munmap: so.func('int munmap(void *addr, size_t len)'),
    madvise: so.func('int madvise(uintptr_t addr, size_t len, int advice)'),
  };
  return libc;
}

export class HostMemory {
  /** The reservation, as koffi's pointer (what uc_mem_map_ptr takes). */
  readonly pointer: unknown;
  private readonly base: bigint;
  private readonly views: (Uint8Array | undefined)[] = [];
  private released = false;

  constructor(readonly size: number) {
    const lib = load();
    const p = lib.mmap(null, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    const address = BigInt(koffi.address(p));
    if (address === 0n || address === (1n << 64n) - 1n) throw new Error(`cannot reserve ${size >> 20} MiB of host memory for the guest`);
    this.pointer = p;
    this.base = address;
  }

  /** The bytes of the 1 GiB window `index` (offset index * VIEW_BYTES of the reservation). */
  view(index: number): Uint8Array {
    const existing = this.views[index];
    if (existing) return existing;
    const length = Math.min(VIEW_BYTES, this.size - index * VIEW_BYTES);
    const v = new Uint8Array(koffi.view(this.base + BigInt(index * VIEW_BYTES), length));
    this.views[index] = v;
    return v;
  }

  /** Gives [offset, offset+length) back to the host; it reads as zero afterwards. */
  discard(offset: number, length: number): void {
    load().madvise(this.base + BigInt(offset), length, MADV_DONTNEED);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.views.length = 0;
    load().munmap(this.pointer, this.size);
  }
}
