// struct iovec arrays from guest memory, and moving bytes between them and host buffers: readv
// and preadv scatter, writev and pwritev gather; a fault part-way gives a short transfer.
import { PROT_WRITE } from '../../src/memory/guest-memory';
import { SyscallContext } from '../context';
import { Errno, SyscallError } from '../errno';
import { readGuest, readGuestPrefix } from '../guest-access';
import { int32, int64 } from '../values';

export const UIO_MAXIOV = 1024;
/** The kernel caps one read or write at INT_MAX rounded down to a page. */
export const MAX_RW_COUNT = 0x7fff_f000;
const IOVEC_SIZE = 16;

export interface Segment {
  readonly base: bigint;
  readonly len: number;
}

export function readIovecs(ctx: SyscallContext, iov: bigint, iovcnt: bigint): Segment[] {
  const count = int32(iovcnt);
  if (count < 0 || count > UIO_MAXIOV) throw new SyscallError(Errno.EINVAL);
  if (count === 0) return [];
  const table = new DataView(readGuest(ctx, iov, count * IOVEC_SIZE).slice().buffer);
  const segments: Segment[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const len = int64(table.getBigUint64(i * IOVEC_SIZE + 8, true));
    if (len < 0n) throw new SyscallError(Errno.EINVAL);
    const capped = Math.min(Number(len), MAX_RW_COUNT - total);
    segments.push({ base: table.getBigUint64(i * IOVEC_SIZE, true), len: capped });
    total += capped;
  }
  return segments;
}

export function totalLength(segments: readonly Segment[]): number {
  return segments.reduce((sum, s) => sum + s.len, 0);
}

/** The guest bytes of the segments, up to the first unreadable byte. */
export function gather(ctx: SyscallContext, segments: readonly Segment[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const { base, len } of segments) {
    const chunk = readGuestPrefix(ctx, base, len);
    chunks.push(chunk);
    if (chunk.length < len) break;
  }
  return Buffer.concat(chunks);
}

/** How many bytes of the segments are writable without a gap (the most a read may transfer). */
export function writableLength(ctx: SyscallContext, segments: readonly Segment[]): number {
  let total = 0;
  for (const { base, len } of segments) {
    const ok = Number(ctx.space.accessibleLength(base, len, PROT_WRITE));
    total += ok;
    if (ok < len) break;
  }
  return total;
}

export function scatter(ctx: SyscallContext, segments: readonly Segment[], bytes: Uint8Array): void {
  let offset = 0;
  for (const { base, len } of segments) {
    if (offset >= bytes.length) break;
    const part = bytes.subarray(offset, offset + len);
    ctx.mem.write(base, part);
    offset += part.length;
  }
}
