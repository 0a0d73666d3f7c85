// Syscalls on open descriptors: read/write in every form, lseek, close(_range), dup, fcntl with record
// locks, ioctl, getdents64, fsync, ftruncate, fchmod, fchown, pipe, sendfile and copy_file_range.
import * as fs from 'fs';
import { PROT_WRITE } from '../../src/memory/guest-memory';
import { SyscallArgs, SyscallContext } from '../context';
import { Errno, SyscallError } from '../errno';
import { OpenFile } from '../fd-table';
import { readGuest, readGuestPrefix, writeGuest, writeGuestU64 } from '../guest-access';
import { int32, int64, uint32 } from '../values';
import {
  F_CMDS, FD_CLOEXEC, FLOCK_SIZE, IOCTLS, O_ACCMODE, O_APPEND, O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_WRONLY, POLL, SETFL_MASK, TERMIOS_SIZE, WINSIZE_SIZE,
} from './constants';
import { hostDirectoryEntries, packDirents } from './dirents';
import { asSyscallError, hostCall } from './host-call';
import { HostFile } from './host-file';
import { MAX_RW_COUNT, gather, readIovecs, scatter, totalLength, writableLength } from './iovec';
import { withPageCache } from './page-cache';
import { SIGNALS, sendToSelf } from '../signals';
import { hostFcntl, hostFcntlLock, hostIoctl, hostPipe, hostPoll } from './libc';
import { VirtualDirectory } from './virtual-file';

const fileOf = (ctx: SyscallContext, fd: bigint): OpenFile => ctx.fds.require(int32(fd));

/** A write to a pipe nobody reads fails with EPIPE and also sends the writer SIGPIPE, as Linux does. */
function writing(ctx: SyscallContext, write: () => number): number {
  try {
    return write();
  } catch (e) {
    const error = asSyscallError(e);
    if (error instanceof SyscallError && error.errno === Errno.EPIPE) sendToSelf(ctx, SIGNALS.SIGPIPE);
    throw error;
  }
}

/** size_t count as the kernel treats it: ranges past user space fault, big counts are capped. */
function clampCount(count: bigint): number {
  if (count > BigInt(Number.MAX_SAFE_INTEGER)) throw new SyscallError(Errno.EFAULT);
  return Math.min(Number(count), MAX_RW_COUNT);
}

/** sendfile's and copy_file_range's length: no guest buffer, so any size_t is fine; capped as Linux does. */
function transferLength(length: bigint): number {
  return length > BigInt(MAX_RW_COUNT) ? MAX_RW_COUNT : Number(length);
}

/** A non-blocking guest read on a host fd that may block: EAGAIN unless the host says it is ready. */
function checkWouldBlock(file: OpenFile): void {
  if (!(file.statusFlags & O_NONBLOCK) || file.hostFd === undefined) return;
  const pollfd = new Uint8Array(8);
  new DataView(pollfd.buffer).setInt32(0, file.hostFd, true);
  new DataView(pollfd.buffer).setInt16(4, POLL.POLLIN, true);
  if (hostPoll(pollfd, 1, 0) === 0) throw new SyscallError(Errno.EAGAIN);
}

export function sysRead(ctx: SyscallContext, [fd, buf, count]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  const len = clampCount(count);
  if (len === 0) return 0;
  const writable = Number(ctx.space.accessibleLength(buf, len, PROT_WRITE));
  if (writable === 0) return -Errno.EFAULT;
  checkWouldBlock(file);
  const bytes = withPageCache(ctx, [file], [], () => file.read(ctx.host, writable));
  writeGuest(ctx, buf, bytes);
  return bytes.length;
}

export function sysWrite(ctx: SyscallContext, [fd, buf, count]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  const len = clampCount(count);
  if (len === 0) return 0;
  const bytes = readGuestPrefix(ctx, buf, len);
  if (bytes.length === 0) return -Errno.EFAULT;
  return writing(ctx, () => withPageCache(ctx, [], [file], () => file.write(ctx.host, bytes)));
}

function checkPosition(position: bigint): number {
  if (int64(position) < 0n) throw new SyscallError(Errno.EINVAL);
  return Number(position);
}

export function sysPread64(ctx: SyscallContext, [fd, buf, count, position]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  const at = checkPosition(position);
  if ((file.statusFlags & O_ACCMODE) === O_WRONLY) return -Errno.EBADF;
  const len = clampCount(count);
  if (len === 0) return 0;
  const writable = Number(ctx.space.accessibleLength(buf, len, PROT_WRITE));
  if (writable === 0) return -Errno.EFAULT;
  const bytes = withPageCache(ctx, [file], [], () => file.pread(writable, at));
  writeGuest(ctx, buf, bytes);
  return bytes.length;
}

export function sysPwrite64(ctx: SyscallContext, [fd, buf, count, position]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  const at = checkPosition(position);
  const len = clampCount(count);
  if (len === 0) return 0;
  const bytes = readGuestPrefix(ctx, buf, len);
  if (bytes.length === 0) return -Errno.EFAULT;
  return writing(ctx, () => withPageCache(ctx, [], [file], () => file.pwrite(bytes, at)));
}

/** readv and preadv (position undefined: at the file offset). */
function readVector(ctx: SyscallContext, fd: bigint, iov: bigint, iovcnt: bigint, position?: bigint): number {
  const file = fileOf(ctx, fd);
  const at = position === undefined ? undefined : checkPosition(position);
  const segments = readIovecs(ctx, iov, iovcnt);
  const total = totalLength(segments);
  if (total === 0) return 0;
  const writable = writableLength(ctx, segments);
  if (writable === 0) return -Errno.EFAULT;
  if (at === undefined) checkWouldBlock(file);
  const bytes = withPageCache(ctx, [file], [], () => (at === undefined ? file.read(ctx.host, writable) : file.pread(writable, at)));
  scatter(ctx, segments, bytes);
  return bytes.length;
}

function writeVector(ctx: SyscallContext, fd: bigint, iov: bigint, iovcnt: bigint, position?: bigint): number {
  const file = fileOf(ctx, fd);
  const at = position === undefined ? undefined : checkPosition(position);
  const segments = readIovecs(ctx, iov, iovcnt);
  if (totalLength(segments) === 0) return 0;
  const bytes = gather(ctx, segments);
  if (bytes.length === 0) return -Errno.EFAULT;
  return writing(ctx, () => withPageCache(ctx, [], [file], () => (at === undefined ? file.write(ctx.host, bytes) : file.pwrite(bytes, at))));
}

export const sysReadv = (ctx: SyscallContext, [fd, iov, cnt]: SyscallArgs) => readVector(ctx, fd, iov, cnt);
export const sysWritev = (ctx: SyscallContext, [fd, iov, cnt]: SyscallArgs) => writeVector(ctx, fd, iov, cnt);
export const sysPreadv = (ctx: SyscallContext, [fd, iov, cnt, pos]: SyscallArgs) => readVector(ctx, fd, iov, cnt, pos);
export const sysPwritev = (ctx: SyscallContext, [fd, iov, cnt, pos]: SyscallArgs) => writeVector(ctx, fd, iov, cnt, pos);

export function sysLseek(ctx: SyscallContext, [fd, offset, whence]: SyscallArgs): bigint {
  const file = fileOf(ctx, fd);
  const how = uint32(whence);
  if (how > 4) return -BigInt(Errno.EINVAL);
  return file.seek(int64(offset), how);
}

export function sysClose(ctx: SyscallContext, [fd]: SyscallArgs): number {
  return ctx.fds.close(int32(fd)) ? 0 : -Errno.EBADF;
}

const CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;

/** close_range: closes (or with CLOSE_RANGE_CLOEXEC marks close-on-exec) every open fd in [first, last]. */
export function sysCloseRange(ctx: SyscallContext, [first, last, flags]: SyscallArgs): number {
  const from = uint32(first), to = uint32(last), bits = uint32(flags);
  if (bits & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) || from > to) return -Errno.EINVAL;
  for (const fd of ctx.fds.openFds()) {
    if (fd < from || fd > to) continue;
    if (bits & CLOSE_RANGE_CLOEXEC) ctx.fds.setCloexec(fd, true);
    else ctx.fds.close(fd);
  }
  return 0;
}

export function sysDup(ctx: SyscallContext, [fd]: SyscallArgs): number {
  return ctx.fds.install(fileOf(ctx, fd));
}

export function sysDup2(ctx: SyscallContext, [oldfd, newfd]: SyscallArgs): number {
  const file = fileOf(ctx, oldfd);
  if (int32(oldfd) === int32(newfd)) return int32(newfd);
  return dupTo(ctx, file, newfd, false);
}

export function sysDup3(ctx: SyscallContext, [oldfd, newfd, flags]: SyscallArgs): number {
  const file = fileOf(ctx, oldfd);
  const bits = uint32(flags);
  if (bits & ~O_CLOEXEC || int32(oldfd) === int32(newfd)) return -Errno.EINVAL;
  return dupTo(ctx, file, newfd, (bits & O_CLOEXEC) !== 0);
}

function dupTo(ctx: SyscallContext, file: OpenFile, newfd: bigint, cloexec: boolean): number {
  const target = int32(newfd);
  if (target < 0 || target >= 1024) return -Errno.EBADF;
  return ctx.fds.install(file, { at: target, cloexec });
}

export function sysFcntl(ctx: SyscallContext, [fd, cmd, arg]: SyscallArgs): number {
  const guestFd = int32(fd);
  const file = fileOf(ctx, fd);
  switch (int32(cmd)) {
    case F_CMDS.F_DUPFD:
    case F_CMDS.F_DUPFD_CLOEXEC: {
      const min = int32(arg);
      if (min < 0 || min >= 1024) return -Errno.EINVAL;
      return ctx.fds.install(file, { min, cloexec: int32(cmd) === F_CMDS.F_DUPFD_CLOEXEC });
    }
    case F_CMDS.F_GETFD:
      return ctx.fds.getCloexec(guestFd) ? FD_CLOEXEC : 0;
    case F_CMDS.F_SETFD:
      ctx.fds.setCloexec(guestFd, (int32(arg) & FD_CLOEXEC) !== 0);
      return 0;
    case F_CMDS.F_GETFL:
      return file.statusFlags;
    case F_CMDS.F_SETFL: {
      const wanted = int32(arg) & SETFL_MASK;
      // O_APPEND must reach the host fd so that host writes append; O_NONBLOCK stays Ferry's own
      // (checked before each read) so the host's shared stdio never turns non-blocking.
      if (file.hostFd !== undefined && ((file.statusFlags ^ wanted) & O_APPEND)) {
        const hostFlags = hostFcntl(file.hostFd, F_CMDS.F_GETFL, 0);
        hostFcntl(file.hostFd, F_CMDS.F_SETFL, (hostFlags & ~O_APPEND) | (wanted & O_APPEND));
      }
      file.statusFlags = (file.statusFlags & ~SETFL_MASK) | wanted;
      return 0;
    }
    case F_CMDS.F_GETLK: case F_CMDS.F_SETLK: case F_CMDS.F_SETLKW:
    case F_CMDS.F_OFD_GETLK: case F_CMDS.F_OFD_SETLK: case F_CMDS.F_OFD_SETLKW: {
      // Record locks are the host's: the struct has the same layout, and guest pids are host pids.
      if (file.hostFd === undefined) return -Errno.EINVAL;
      const lock = readGuest(ctx, arg, FLOCK_SIZE).slice();
      hostFcntlLock(file.hostFd, int32(cmd), lock);
      writeGuest(ctx, arg, lock);
      return 0;
    }
    default:
      return -Errno.EINVAL;
  }
}

export function sysIoctl(ctx: SyscallContext, [fd, request, arg]: SyscallArgs): number {
  const guestFd = int32(fd);
  const file = fileOf(ctx, fd);
  const code = uint32(request);
  switch (code) {
    case IOCTLS.FIOCLEX:
    case IOCTLS.FIONCLEX:
      ctx.fds.setCloexec(guestFd, code === IOCTLS.FIOCLEX);
      return 0;
    case IOCTLS.TCGETS:
    case IOCTLS.TIOCGWINSZ: {
      if (file.hostFd === undefined) return -Errno.ENOTTY;
      const size = code === IOCTLS.TCGETS ? TERMIOS_SIZE : WINSIZE_SIZE;
      // The host is Linux too: the same struct layouts, so the bytes pass through.
      const buffer = new Uint8Array(64);
      hostIoctl(file.hostFd, code, buffer);
      writeGuest(ctx, arg, buffer.subarray(0, size));
      return 0;
    }
    case IOCTLS.FIONREAD: {
      let available = 0;
      if (file.hostFd !== undefined) {
        const buffer = new Uint8Array(8);
        hostIoctl(file.hostFd, code, buffer);
        available = new DataView(buffer.buffer).getInt32(0, true);
      }
      const out = new Uint8Array(4);
      new DataView(out.buffer).setInt32(0, available, true);
      writeGuest(ctx, arg, out);
      return 0;
    }
    default:
      return -Errno.ENOTTY;
  }
}

export function sysGetdents64(ctx: SyscallContext, [fd, dirp, count]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  const capacity = Math.min(uint32(count), MAX_RW_COUNT);
  let entries;
  // The listing is taken when a pass starts (cursor 0), so it includes files made since the open.
  if (file instanceof VirtualDirectory) {
    if (file.directoryCursor === 0 || !file.listing) file.listing = file.list();
    entries = file.listing;
  } else if (file instanceof HostFile && file.hostPath !== undefined && file.isDirectory()) {
    if (file.directoryCursor === 0 || !file.listing) {
      file.listing = hostDirectoryEntries(file.hostPath);
    }
    entries = file.listing;
  } else {
    return -Errno.ENOTDIR;
  }
  const cursor = file.directoryCursor;
  if (cursor >= entries.length) return 0;
  const { bytes, next } = packDirents(entries, cursor, capacity);
  if (bytes.length === 0) return -Errno.EINVAL;
  writeGuest(ctx, dirp, bytes);
  file.directoryCursor = next;
  return bytes.length;
}

export function sysFsync(ctx: SyscallContext, [fd]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  if (file.hostFd === undefined) return -Errno.EINVAL;
  hostCall(() => fs.fsyncSync(file.hostFd as number));
  return 0;
}

export function sysFdatasync(ctx: SyscallContext, [fd]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  if (file.hostFd === undefined) return -Errno.EINVAL;
  hostCall(() => fs.fdatasyncSync(file.hostFd as number));
  return 0;
}

export function sysFtruncate(ctx: SyscallContext, [fd, length]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  if (int64(length) < 0n) return -Errno.EINVAL;
  if (file.hostFd === undefined || (file.statusFlags & O_ACCMODE) === O_RDONLY) return -Errno.EINVAL;
  withPageCache(ctx, [], [file], () => hostCall(() => fs.ftruncateSync(file.hostFd as number, Number(length))));
  return 0;
}

export function sysFchmod(ctx: SyscallContext, [fd, mode]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  if (file.hostFd === undefined) return -Errno.EPERM;
  hostCall(() => fs.fchmodSync(file.hostFd as number, uint32(mode) & 0o7777));
  return 0;
}

/** fchown: the host's ownership rules decide (-1 leaves an id unchanged). */
export function sysFchown(ctx: SyscallContext, [fd, uid, gid]: SyscallArgs): number {
  const file = fileOf(ctx, fd);
  if (file.hostFd === undefined) return -Errno.EPERM;
  hostCall(() => fs.fchownSync(file.hostFd as number, int32(uid), int32(gid)));
  return 0;
}

export function sysPipe2(ctx: SyscallContext, [fds, flags]: SyscallArgs): number {
  const bits = uint32(flags);
  if (bits & ~(O_CLOEXEC | O_NONBLOCK | 0o40000 /* O_DIRECT */)) return -Errno.EINVAL;
  // Host ends stay blocking and close-on-exec; the guest's O_NONBLOCK is Ferry's (see fcntl).
  const [readEnd, writeEnd] = hostPipe(O_CLOEXEC);
  const name = `pipe:[${fs.fstatSync(readEnd).ino}]`;
  const status = bits & O_NONBLOCK;
  const cloexec = (bits & O_CLOEXEC) !== 0;
  const out = new Uint8Array(8);
  try {
    const r = ctx.fds.install(new HostFile(readEnd, name, O_RDONLY | status, undefined), { cloexec });
    const w = ctx.fds.install(new HostFile(writeEnd, name, O_WRONLY | status, undefined), { cloexec });
    new DataView(out.buffer).setInt32(0, r, true);
    new DataView(out.buffer).setInt32(4, w, true);
    writeGuest(ctx, fds, out);
  } catch (error) {
    for (const fd of ctx.fds.openFds()) {
      const file = ctx.fds.get(fd);
      if (file?.hostFd === readEnd || file?.hostFd === writeEnd) ctx.fds.close(fd);
    }
    throw error;
  }
  return 0;
}

export const sysPipe = (ctx: SyscallContext, [fds]: SyscallArgs) => sysPipe2(ctx, [fds, 0n]);

/** Copies up to count bytes from one open file to another, in chunks; shared by sendfile and copy_file_range. */
function copyBetween(ctx: SyscallContext, from: OpenFile, to: OpenFile, count: number, readAt?: number, writeAt?: number): number {
  return writing(ctx, () => withPageCache(ctx, [from], [to], () => copyChunks(ctx, from, to, count, readAt, writeAt)));
}

function copyChunks(ctx: SyscallContext, from: OpenFile, to: OpenFile, count: number, readAt?: number, writeAt?: number): number {
  const CHUNK = 1 << 16;
  let done = 0;
  while (done < count) {
    const want = Math.min(CHUNK, count - done);
    const bytes = readAt === undefined ? from.read(ctx.host, want) : from.pread(want, readAt + done);
    if (bytes.length === 0) break;
    let written = 0;
    while (written < bytes.length) {
      const part = bytes.subarray(written);
      const n = writeAt === undefined ? to.write(ctx.host, part) : to.pwrite(part, writeAt + done + written);
      if (n <= 0) break;
      written += n;
    }
    done += written;
    if (written < bytes.length) {
      // Put back what was read but not written, as the kernel only consumes what it transferred.
      if (readAt === undefined) from.seek(BigInt(written - bytes.length), 1);
      break;
    }
    if (bytes.length < want) break;
  }
  return done;
}

function readOffset(ctx: SyscallContext, ptr: bigint): number | undefined {
  if (ptr === 0n) return undefined;
  const value = new DataView(readGuest(ctx, ptr, 8).slice().buffer).getBigInt64(0, true);
  if (value < 0n) throw new SyscallError(Errno.EINVAL);
  return Number(value);
}

export function sysSendfile(ctx: SyscallContext, [outFd, inFd, offsetPtr, count]: SyscallArgs): number {
  const to = fileOf(ctx, outFd);
  const from = fileOf(ctx, inFd);
  if ((from.statusFlags & O_ACCMODE) === O_WRONLY || (to.statusFlags & O_ACCMODE) === O_RDONLY) return -Errno.EBADF;
  const at = readOffset(ctx, offsetPtr);
  const done = copyBetween(ctx, from, to, transferLength(count), at);
  if (at !== undefined) writeGuestU64(ctx, offsetPtr, BigInt(at + done));
  return done;
}

export function sysCopyFileRange(ctx: SyscallContext, [inFd, inOffPtr, outFd, outOffPtr, len, flags]: SyscallArgs): number {
  if (uint32(flags) !== 0) return -Errno.EINVAL;
  const from = fileOf(ctx, inFd);
  const to = fileOf(ctx, outFd);
  if ((from.statusFlags & O_ACCMODE) === O_WRONLY || (to.statusFlags & O_ACCMODE) === O_RDONLY) return -Errno.EBADF;
  if (to.statusFlags & O_APPEND) return -Errno.EBADF;
  const readAt = readOffset(ctx, inOffPtr);
  const writeAt = readOffset(ctx, outOffPtr);
  const done = copyBetween(ctx, from, to, transferLength(len), readAt, writeAt);
  if (readAt !== undefined) writeGuestU64(ctx, inOffPtr, BigInt(readAt + done));
  if (writeAt !== undefined) writeGuestU64(ctx, outOffPtr, BigInt(writeAt + done));
  return done;
}
