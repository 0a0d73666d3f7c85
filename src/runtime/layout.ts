// The runtime region above the x86-64 user range: CPU state, runtime code, the guest-RIP lookup
// table and the code cache. A guest pointer there is non-canonical on real hardware.

export const RUNTIME_BASE = 0x8000_0000_0000n;
export const STATE_ADDR = RUNTIME_BASE;                   // one CPU-state block (4 KiB)
export const RUNTIME_CODE = RUNTIME_BASE + 0x1000n;       // dispatcher and trampolines
export const RUNTIME_CODE_SIZE = 0xf000;
export const LOOKUP_TABLE = RUNTIME_BASE + 0x10_0000n;    // open-addressed (guest rip, host address) pairs
export const LOOKUP_BITS = 20;
export const LOOKUP_ENTRIES = 1 << LOOKUP_BITS;
/** Probing runs past the last bucket into this many spare entries instead of wrapping. */
export const LOOKUP_SPARE = 1024;
export const LOOKUP_SIZE = (LOOKUP_ENTRIES + LOOKUP_SPARE) * 16;
export const CODE_CACHE = RUNTIME_BASE + 0x200_0000n;     // within ±128 MiB of the runtime code for b/bl
export const CODE_CACHE_SIZE = 88 * 1024 * 1024;
/** A lookup-table key that matches no guest RIP and does not end a probe. */
export const TOMBSTONE = (1n << 64n) - 1n;

/**
 * Physical addresses (the MMU is on: docs/ARCHITECTURE.md, "Guest memory"). Guest RAM is one
 * Unicorn region at RAM_PA; the runtime region above is mapped at RUNTIME_PA. The CPU's physical
 * addresses are 44 bits wide, so the runtime cannot sit at its virtual address.
 */
export const RAM_PA = 0x1_0000_0000n;
export const RUNTIME_PA = 0x800_0000_0000n;
/** Everything from RUNTIME_BASE to the end of the code cache, in 2 MiB blocks. */
export const RUNTIME_SPAN = Number(CODE_CACHE - RUNTIME_BASE) + CODE_CACHE_SIZE;
/** Where the runtime's virtual address va lives in Unicorn's physical memory. */
export function runtimePhysical(va: bigint): bigint {
  return va - RUNTIME_BASE + RUNTIME_PA;
}
