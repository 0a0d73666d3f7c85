// The pages of MAP_SHARED file mappings as last exchanged with their files, per guest page: a page
// whose bytes differ from that baseline was stored to, and only such pages are written to the file.
import { GuestMemory, PAGE_SIZE } from './guest-memory';
import type { FileBacking } from './address-space';

const PAGE = BigInt(PAGE_SIZE);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export class SharedPages {
  private readonly baseline = new Map<bigint, Uint8Array>();

  constructor(private readonly memory: GuestMemory) {}

  /** Fills the page-aligned [start, start+size) with the file's bytes from offset (zero past its end); returns how many the file had. */
  load(backing: FileBacking, start: bigint, offset: bigint, size: number): number {
    const bytes = new Uint8Array(size);
    const held = backing.read(offset, size);
    bytes.set(held);
    this.memory.write(start, bytes);
    for (let i = 0; i < size; i += PAGE_SIZE) this.baseline.set(start + BigInt(i), bytes.slice(i, i + PAGE_SIZE));
    return held.length;
  }

  /** Writes the pages of the page-aligned [start, end) that changed since their baseline to the file at offset. */
  store(backing: FileBacking, start: bigint, end: bigint, offset: bigint): void {
    const current = this.memory.read(start, Number(end - start));
    let run = -1;
    const flush = (upTo: number): void => {
      if (run >= 0) backing.write(offset + BigInt(run), current.subarray(run, upTo));
      run = -1;
    };
    for (let i = 0; i < current.length; i += PAGE_SIZE) {
      const page = current.subarray(i, i + PAGE_SIZE);
      const address = start + BigInt(i);
      const base = this.baseline.get(address);
      if (base && sameBytes(base, page)) {
        flush(i);
        continue;
      }
      this.baseline.set(address, page.slice());
      if (run < 0) run = i;
    }
    flush(current.length);
  }

  /** Takes what the page-aligned [start, end) holds now as what the file holds. */
  remember(start: bigint, end: bigint): void {
    const bytes = this.memory.read(start, Number(end - start));
    for (let i = 0; i < bytes.length; i += PAGE_SIZE) this.baseline.set(start + BigInt(i), bytes.slice(i, i + PAGE_SIZE));
  }

  /** The pages of [start, end) no longer belong to a shared file mapping. */
  forget(start: bigint, end: bigint): void {
    for (let page = start; page < end; page += PAGE) this.baseline.delete(page);
  }

  /** mremap moved [from, from+size) to `to`: the baselines go along. */
  move(from: bigint, to: bigint, size: bigint): void {
    const moved: Array<[bigint, Uint8Array]> = [];
    for (let i = 0n; i < size; i += PAGE) {
      const base = this.baseline.get(from + i);
      if (base) moved.push([to + i, base]);
    }
    this.forget(from, from + size);
    for (const [address, base] of moved) this.baseline.set(address, base);
  }
}
