// Syscall handlers for file descriptors: read, write and writev on the host fds the fd table
// names. Short guest buffers give short transfers, as the kernel's user copies do.
import { SyscallSpec } from './spec';
import { PROT_WRITE } from '../src/memory/guest-memory';
import { SyscallArgs, SyscallContext } from './context';
import { Errno, SyscallError } from './errno';
import { readGuest, readGuestPrefix, writeGuest } from './guest-access';
import { int32, int64 } from './values';

/** The kernel caps one read or write at INT_MAX rounded down to a page. */
export const MAX_RW_COUNT = 0x7fff_f000;
export const UIO_MAXIOV = 1024;
const IOVEC_SIZE = 16;

export function sysRead(ctx: SyscallContext, [fd, buf, count]: SyscallArgs): number {
  const hostFd = openHostFd(ctx, fd);
  const len = clampCount(count);
  if (len === 0) return 0;
  const writable = Number(ctx.space.accessibleLength(buf, len, PROT_WRITE));
  if (writable === 0) return -Errno.EFAULT;
  const bytes = ctx.host.read(hostFd, writable);
  writeGuest(ctx, buf, bytes);
  return bytes.length;
}

export function sysWrite(ctx: SyscallContext, [fd, buf, count]: SyscallArgs): number {
  const hostFd = openHostFd(ctx, fd);
  const len = clampCount(count);
  if (len === 0) return 0;
  const bytes = readGuestPrefix(ctx, buf, len);
  if (bytes.length === 0) return -Errno.EFAULT;
  return ctx.host.write(hostFd, bytes);
}

export function sysWritev(ctx: SyscallContext, [fd, iov, iovcnt]: SyscallArgs): number {
  const hostFd = openHostFd(ctx, fd);
  const count = int32(iovcnt);
  if (count < 0 || count > UIO_MAXIOV) return -Errno.EINVAL;
  if (count === 0) return 0;
  const table = new DataView(readGuest(ctx, iov, count * IOVEC_SIZE).buffer);
  const segments: { base: bigint; len: number }[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const len = int64(table.getBigUint64(i * IOVEC_SIZE + 8, true));
    if (len < 0n) return -Errno.EINVAL;
    const capped = Math.min(Number(len), MAX_RW_COUNT - total);
    segments.push({ base: table.getBigUint64(i * IOVEC_SIZE, true), len: capped });
    total += capped;
  }
  if (total === 0) return 0;

  const chunks: Uint8Array[] = [];
  for (const { base, len } of segments) {
    const chunk = readGuestPrefix(ctx, base, len);
    chunks.push(chunk);
    if (chunk.length < len) break;
  }
  const gathered = concat(chunks);
  if (gathered.length === 0) return -Errno.EFAULT;
  return ctx.host.write(hostFd, gathered);
}

function openHostFd(ctx: SyscallContext, fd: bigint): number {
  const hostFd = ctx.fds.hostFd(int32(fd));
  if (hostFd === undefined) throw new SyscallError(Errno.EBADF);
  return hostFd;
}

/** size_t count as the kernel treats it: ranges past user space fault, big counts are capped. */
function clampCount(count: bigint): number {
  if (count > BigInt(Number.MAX_SAFE_INTEGER)) throw new SyscallError(Errno.EFAULT);
  return Math.min(Number(count), MAX_RW_COUNT);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export const FILE_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  read: { args: ['fd', 'ptr', 'size'], ret: 'int', handler: sysRead },
  write: { args: ['fd', { buffer: 2 }, 'size'], ret: 'int', handler: sysWrite },
  writev: { args: ['fd', 'ptr', 'int'], ret: 'int', handler: sysWritev },
};
