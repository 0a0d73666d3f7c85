// The guest memory interface the core and the Linux layer share: page mappings with guest
// permissions, and byte access from TypeScript. Unicorn backs it in the emulator; tests may fake it.

/** Linux PROT_* bits, as the guest passes them to mmap and mprotect. */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

export const PAGE_SIZE = 4096;
export const PAGE_MASK = BigInt(PAGE_SIZE - 1);

/** A guest access that hit no mapping or broke a mapping's permissions. */
export class GuestFault extends Error {
  constructor(readonly address: bigint, readonly access: 'read' | 'write' | 'exec') {
    super(`guest ${access} fault at 0x${address.toString(16)}`);
  }
}

export interface GuestMemory {
  /** Maps fresh zeroed pages; addr and size are page-aligned; the range must be unmapped. */
  map(addr: bigint, size: number, prot: number): void;
  /** Unmaps pages; the range must be mapped. */
  unmap(addr: bigint, size: number): void;
  protect(addr: bigint, size: number, prot: number): void;
  /** Reads guest bytes regardless of guest permissions; throws GuestFault where nothing is mapped. */
  read(addr: bigint, len: number): Uint8Array;
  /** Writes guest bytes regardless of guest permissions; throws GuestFault where nothing is mapped. */
  write(addr: bigint, data: Uint8Array): void;
  /** The mapped pages [addr, addr+size) lie wholly past the end of their file: the guest's access raises SIGBUS. */
  beyondFileEnd?(addr: bigint, size: number): void;
}

export function pageDown(addr: bigint): bigint {
  return addr & ~PAGE_MASK;
}
export function pageUp(addr: bigint): bigint {
  return (addr + PAGE_MASK) & ~PAGE_MASK;
}
