// Guest memory as a syscall sees it: the kernel honours the guest's page permissions when it
// copies to or from user memory, so these check the address space before touching the bytes.
import { GuestFault, PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';
import { SyscallContext } from './context';

type Access = Pick<SyscallContext, 'mem' | 'space'>;

/** Reads exactly len guest bytes, or throws GuestFault (the dispatcher returns -EFAULT). */
export function readGuest(ctx: Access, addr: bigint, len: number): Uint8Array {
  const readable = ctx.space.accessibleLength(addr, len, PROT_READ);
  if (readable !== BigInt(len)) throw new GuestFault(addr + readable, 'read');
  return ctx.mem.read(addr, len);
}

/** Reads the readable prefix of [addr, addr+len): a short result where a copy would fault. */
export function readGuestPrefix(ctx: Access, addr: bigint, len: number): Uint8Array {
  return ctx.mem.read(addr, Number(ctx.space.accessibleLength(addr, len, PROT_READ)));
}

export function writeGuest(ctx: Access, addr: bigint, bytes: Uint8Array): void {
  const writable = ctx.space.accessibleLength(addr, bytes.length, PROT_WRITE);
  if (writable !== BigInt(bytes.length)) throw new GuestFault(addr + writable, 'write');
  ctx.mem.write(addr, bytes);
}

export function writeGuestU64(ctx: Access, addr: bigint, value: bigint): void {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  writeGuest(ctx, addr, bytes);
}

/** Reads a NUL-terminated guest string of at most max bytes; truncated is set when no NUL came. */
export function readGuestCString(ctx: Access, addr: bigint, max: number): { bytes: Uint8Array; truncated: boolean } {
  const readable = Number(ctx.space.accessibleLength(addr, max, PROT_READ));
  const bytes = ctx.mem.read(addr, readable);
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { bytes: bytes.subarray(0, nul), truncated: false };
  if (readable < max) throw new GuestFault(addr + BigInt(readable), 'read');
  return { bytes, truncated: true };
}
