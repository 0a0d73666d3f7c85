// A GuestMemory held in plain TypeScript maps: for unit tests of the loader and syscalls
// that need no CPU. Pages are 4 KiB; permissions are recorded but not enforced on read/write.
import { GuestFault, GuestMemory, PAGE_SIZE } from './guest-memory';

export class FakeMemory implements GuestMemory {
  readonly pages = new Map<bigint, { bytes: Uint8Array; prot: number }>();

  map(addr: bigint, size: number, prot: number): void {
    for (let off = 0; off < size; off += PAGE_SIZE) {
      const page = addr + BigInt(off);
      if (this.pages.has(page)) throw new Error(`FakeMemory.map: page 0x${page.toString(16)} already mapped`);
      this.pages.set(page, { bytes: new Uint8Array(PAGE_SIZE), prot });
    }
  }
  unmap(addr: bigint, size: number): void {
    for (let off = 0; off < size; off += PAGE_SIZE) this.pages.delete(addr + BigInt(off));
  }
  protect(addr: bigint, size: number, prot: number): void {
    for (let off = 0; off < size; off += PAGE_SIZE) {
      const page = this.pages.get(addr + BigInt(off));
      if (!page) throw new GuestFault(addr + BigInt(off), 'write');
      page.prot = prot;
    }
  }
  read(addr: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.each(addr, len, 'read', (page, pageOff, outOff, n) => out.set(page.subarray(pageOff, pageOff + n), outOff));
    return out;
  }
  write(addr: bigint, data: Uint8Array): void {
    this.each(addr, data.length, 'write', (page, pageOff, inOff, n) => page.set(data.subarray(inOff, inOff + n), pageOff));
  }
  private each(addr: bigint, len: number, access: 'read' | 'write',
    fn: (page: Uint8Array, pageOff: number, off: number, n: number) => void): void {
    let done = 0;
    while (done < len) {
      const at = addr + BigInt(done);
      const pageAddr = at & ~BigInt(PAGE_SIZE - 1);
      const page = this.pages.get(pageAddr);
      if (!page) throw new GuestFault(at, access);
      const pageOff = Number(at - pageAddr);
      const n = Math.min(PAGE_SIZE - pageOff, len - done);
      fn(page.bytes, pageOff, done, n);
      done += n;
    }
  }
}
