// The legacy vsyscall page at 0xffffffffff600000 that old static binaries call: Unicorn's 48-bit
// address space cannot map it, so the frontend reads its code from here (syscall stubs, as Linux emulates them).
import { CodeSource } from '../frontend/lift';

export const VSYSCALL_BASE = 0xffff_ffff_ff60_0000n;
const VSYSCALL_SIZE = 0x1000;

/** mov eax, NR; syscall; ret at +0 (gettimeofday), +0x400 (time), +0x800 (getcpu). */
const ENTRIES: Array<[number, number]> = [[0x000, 96], [0x400, 201], [0x800, 309]];

function page(): Uint8Array {
  const bytes = new Uint8Array(VSYSCALL_SIZE).fill(0xcc); // int3 anywhere else, as a bad entry faults
  for (const [offset, nr] of ENTRIES) {
    bytes.set([0xb8, nr & 0xff, nr >> 8, 0, 0, 0x0f, 0x05, 0xc3], offset);
  }
  return bytes;
}

/** A CodeSource that serves the vsyscall page and passes every other address on. */
export function withVsyscallPage(inner: CodeSource): CodeSource {
  const bytes = page();
  return {
    readCode(addr: bigint, len: number): Uint8Array {
      if (addr >= VSYSCALL_BASE && addr < VSYSCALL_BASE + BigInt(VSYSCALL_SIZE)) {
        const off = Number(addr - VSYSCALL_BASE);
        return bytes.slice(off, Math.min(VSYSCALL_SIZE, off + len));
      }
      return inner.readCode(addr, len);
    },
  };
}
