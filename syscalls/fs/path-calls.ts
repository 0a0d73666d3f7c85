// Syscalls that name files by path: open, stat, readlink, access, mkdir, unlink, rename, link,
// symlink, chmod, utimensat, truncate, getcwd, chdir and umask; every path goes through GuestFs.
import * as fs from 'fs';
import { SyscallArgs, SyscallContext } from '../context';
import { Errno, SyscallError } from '../errno';
import { OpenFile, StatInfo } from '../fd-table';
import { readGuest, writeGuest } from '../guest-access';
import { int32, int64, uint32 } from '../values';
import {
  ACCESS_MODES, AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, O_CLOEXEC, O_CREAT,
  O_EXCL, O_NOFOLLOW, O_TRUNC, O_WRONLY, RENAME_FLAGS, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, UTIME_NOW, UTIME_OMIT,
} from './constants';
import { existingHost, guestFs, newHost, readPath, resolveAt } from './fs-state';
import { Target } from './guest-fs';
import { hostCall } from './host-call';
import { HostFile, statInfo } from './host-file';
import { openTarget } from './open';
import { encodeStat, encodeStatx } from './stat-layout';
import { DEVICE_RDEV, VirtualDirectory, virtualStat } from './virtual-file';

export function sysOpenat(ctx: SyscallContext, [dirfd, pathname, flags, mode]: SyscallArgs): number {
  const bits = uint32(flags);
  const text = readPath(ctx, pathname);
  // O_CREAT|O_EXCL never follows a final symlink: it must fail with EEXIST instead.
  const follow = !(bits & O_NOFOLLOW) && !((bits & O_CREAT) && (bits & O_EXCL));
  const target = resolveAt(ctx, dirfd, text, follow);
  const file = openTarget(ctx, target, bits, uint32(mode));
  try {
    return ctx.fds.install(file, { cloexec: (bits & O_CLOEXEC) !== 0 });
  } catch (error) {
    file.close();
    throw error;
  }
}

export const sysOpen = (ctx: SyscallContext, [pathname, flags, mode]: SyscallArgs) =>
  sysOpenat(ctx, [BigInt.asUintN(64, BigInt(AT_FDCWD)), pathname, flags, mode]);
export const sysCreat = (ctx: SyscallContext, [pathname, mode]: SyscallArgs) =>
  sysOpen(ctx, [pathname, BigInt(O_CREAT | O_WRONLY | O_TRUNC), mode]);

/** What stat reports for a resolved path. */
export function statTarget(ctx: SyscallContext, target: Target): StatInfo {
  switch (target.kind) {
    case 'fd':
      return ctx.fds.require(target.fd).stat();
    case 'host':
      if (!target.stats) throw new SyscallError(Errno.ENOENT);
      return statInfo(target.stats);
    case 'virtual': {
      const node = target.node;
      if (node.type === 'dir') return virtualStat(target.guestPath, S_IFDIR | 0o555);
      if (node.type === 'file') return virtualStat(target.guestPath, S_IFREG | 0o444);
      if (node.type === 'link') return virtualStat(target.guestPath, S_IFLNK | 0o777, BigInt(Buffer.byteLength(node.target())));
      if (node.device === 'tty') return virtualStat(target.guestPath, S_IFCHR | 0o666, 0n, 0x500n);
      return virtualStat(target.guestPath, S_IFCHR | 0o666, 0n, DEVICE_RDEV[node.device]);
    }
  }
}

/** The *at calls' common start: an empty path with AT_EMPTY_PATH means the dirfd itself. */
function statAt(ctx: SyscallContext, dirfd: bigint, pathname: bigint, flags: number): StatInfo {
  const text = readPath(ctx, pathname);
  if (text === '' && flags & AT_EMPTY_PATH) {
    const fd = int32(dirfd);
    if (fd === AT_FDCWD) return statTarget(ctx, guestFs(ctx).resolve({ ctx, fs: guestFs(ctx) }, '/', guestFs(ctx).cwd, { followLast: true }));
    return ctx.fds.require(fd).stat();
  }
  return statTarget(ctx, resolveAt(ctx, dirfd, text, !(flags & AT_SYMLINK_NOFOLLOW)));
}

const FDCWD = BigInt.asUintN(64, BigInt(AT_FDCWD));

export function sysNewfstatat(ctx: SyscallContext, [dirfd, pathname, buf, flags]: SyscallArgs): number {
  const bits = uint32(flags);
  if (bits & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800)) return -Errno.EINVAL;
  writeGuest(ctx, buf, encodeStat(statAt(ctx, dirfd, pathname, bits)));
  return 0;
}
export const sysStat = (ctx: SyscallContext, [p, buf]: SyscallArgs) => sysNewfstatat(ctx, [FDCWD, p, buf, 0n]);
export const sysLstat = (ctx: SyscallContext, [p, buf]: SyscallArgs) => sysNewfstatat(ctx, [FDCWD, p, buf, BigInt(AT_SYMLINK_NOFOLLOW)]);

export function sysFstat(ctx: SyscallContext, [fd, buf]: SyscallArgs): number {
  writeGuest(ctx, buf, encodeStat(ctx.fds.require(int32(fd)).stat()));
  return 0;
}

export function sysStatx(ctx: SyscallContext, [dirfd, pathname, flags, mask, buf]: SyscallArgs): number {
  const bits = uint32(flags);
  if (bits & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 | 0x6000)) return -Errno.EINVAL;
  if ((bits & 0x6000) === 0x6000) return -Errno.EINVAL; // FORCE_SYNC with DONT_SYNC
  if (uint32(mask) & 0x8000_0000) return -Errno.EINVAL; // STATX__RESERVED
  writeGuest(ctx, buf, encodeStatx(statAt(ctx, dirfd, pathname, bits)));
  return 0;
}

export function sysReadlinkat(ctx: SyscallContext, [dirfd, pathname, buf, bufsiz]: SyscallArgs): number {
  const size = int32(bufsiz);
  if (size <= 0) return -Errno.EINVAL;
  const target = resolveAt(ctx, dirfd, readPath(ctx, pathname), false);
  let text: string;
  if (target.kind === 'host') {
    if (!target.stats) return -Errno.ENOENT;
    if ((Number(target.stats.mode) & S_IFMT) !== S_IFLNK) return -Errno.EINVAL;
    text = hostCall(() => fs.readlinkSync(target.hostPath));
  } else if (target.kind === 'virtual' && target.node.type === 'link') {
    text = target.node.target();
  } else {
    return -Errno.EINVAL;
  }
  const bytes = Buffer.from(text).subarray(0, size);
  writeGuest(ctx, buf, bytes);
  return bytes.length;
}
export const sysReadlink = (ctx: SyscallContext, [p, buf, size]: SyscallArgs) => sysReadlinkat(ctx, [FDCWD, p, buf, size]);

export function sysFaccessat2(ctx: SyscallContext, [dirfd, pathname, mode, flags]: SyscallArgs): number {
  const bits = uint32(flags);
  const want = uint32(mode);
  if (want & ~7) return -Errno.EINVAL;
  if (bits & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) return -Errno.EINVAL;
  const target = resolveAt(ctx, dirfd, readPath(ctx, pathname), !(bits & AT_SYMLINK_NOFOLLOW));
  if (target.kind === 'host') {
    if (!target.stats) return -Errno.ENOENT;
    // The host path has no symlinks left in it (all resolved inside the root); the last one is
    // only there with AT_SYMLINK_NOFOLLOW, where access looks at the link itself.
    hostCall(() => fs.accessSync(target.hostPath, want));
    return 0;
  }
  const info = statTarget(ctx, target);
  const allowed = info.mode & 0o7;
  return (want & ~allowed & (ACCESS_MODES.R_OK | ACCESS_MODES.W_OK | ACCESS_MODES.X_OK)) ? -Errno.EACCES : 0;
}
export const sysFaccessat = (ctx: SyscallContext, [d, p, m]: SyscallArgs) => sysFaccessat2(ctx, [d, p, m, 0n]);
export const sysAccess = (ctx: SyscallContext, [p, m]: SyscallArgs) => sysFaccessat2(ctx, [FDCWD, p, m, 0n]);

export function sysMkdirat(ctx: SyscallContext, [dirfd, pathname, mode]: SyscallArgs): number {
  const state = guestFs(ctx);
  const { hostPath } = newHost(resolveAt(ctx, dirfd, readPath(ctx, pathname), false));
  hostCall(() => fs.mkdirSync(hostPath, 0o700));
  // The host umask would narrow the mode further; the guest's umask is the one that applies.
  hostCall(() => fs.chmodSync(hostPath, uint32(mode) & ~state.umask & 0o1777));
  return 0;
}
export const sysMkdir = (ctx: SyscallContext, [p, m]: SyscallArgs) => sysMkdirat(ctx, [FDCWD, p, m]);

export function sysUnlinkat(ctx: SyscallContext, [dirfd, pathname, flags]: SyscallArgs): number {
  const bits = uint32(flags);
  if (bits & ~AT_REMOVEDIR) return -Errno.EINVAL;
  const text = readPath(ctx, pathname);
  if (bits & AT_REMOVEDIR && /(^|\/)\.\/*$/.test(text)) return -Errno.EINVAL;
  const { hostPath } = existingHost(resolveAt(ctx, dirfd, text, false));
  if (bits & AT_REMOVEDIR) hostCall(() => fs.rmdirSync(hostPath));
  else hostCall(() => fs.unlinkSync(hostPath));
  return 0;
}
export const sysUnlink = (ctx: SyscallContext, [p]: SyscallArgs) => sysUnlinkat(ctx, [FDCWD, p, 0n]);
export const sysRmdir = (ctx: SyscallContext, [p]: SyscallArgs) => sysUnlinkat(ctx, [FDCWD, p, BigInt(AT_REMOVEDIR)]);

export function sysRenameat2(ctx: SyscallContext, [olddirfd, oldpath, newdirfd, newpath, flags]: SyscallArgs): number {
  const bits = uint32(flags);
  if (bits & ~RENAME_FLAGS.RENAME_NOREPLACE) return -Errno.EINVAL;
  const from = existingHost(resolveAt(ctx, olddirfd, readPath(ctx, oldpath), false));
  const toTarget = resolveAt(ctx, newdirfd, readPath(ctx, newpath), false);
  if (toTarget.kind !== 'host') return -Errno.EACCES;
  if (bits & RENAME_FLAGS.RENAME_NOREPLACE && toTarget.stats) return -Errno.EEXIST;
  hostCall(() => fs.renameSync(from.hostPath, toTarget.hostPath));
  return 0;
}
export const sysRenameat = (ctx: SyscallContext, [od, op, nd, np]: SyscallArgs) => sysRenameat2(ctx, [od, op, nd, np, 0n]);
export const sysRename = (ctx: SyscallContext, [op, np]: SyscallArgs) => sysRenameat2(ctx, [FDCWD, op, FDCWD, np, 0n]);

export function sysLinkat(ctx: SyscallContext, [olddirfd, oldpath, newdirfd, newpath, flags]: SyscallArgs): number {
  const bits = uint32(flags);
  if (bits & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -Errno.EINVAL;
  const from = existingHost(resolveAt(ctx, olddirfd, readPath(ctx, oldpath), (bits & AT_SYMLINK_FOLLOW) !== 0));
  const to = newHost(resolveAt(ctx, newdirfd, readPath(ctx, newpath), false));
  hostCall(() => fs.linkSync(from.hostPath, to.hostPath));
  return 0;
}
export const sysLink = (ctx: SyscallContext, [op, np]: SyscallArgs) => sysLinkat(ctx, [FDCWD, op, FDCWD, np, 0n]);

export function sysSymlinkat(ctx: SyscallContext, [target, newdirfd, linkpath]: SyscallArgs): number {
  const contents = readPath(ctx, target);
  if (contents === '') return -Errno.ENOENT;
  const link = newHost(resolveAt(ctx, newdirfd, readPath(ctx, linkpath), false));
  // The link text is stored as the guest wrote it; GuestFs re-roots it whenever it is followed.
  hostCall(() => fs.symlinkSync(contents, link.hostPath));
  return 0;
}
export const sysSymlink = (ctx: SyscallContext, [t, l]: SyscallArgs) => sysSymlinkat(ctx, [t, FDCWD, l]);

export function sysFchmodat(ctx: SyscallContext, [dirfd, pathname, mode]: SyscallArgs): number {
  const { hostPath } = existingHost(resolveAt(ctx, dirfd, readPath(ctx, pathname), true));
  hostCall(() => fs.chmodSync(hostPath, uint32(mode) & 0o7777));
  return 0;
}
export const sysChmod = (ctx: SyscallContext, [p, m]: SyscallArgs) => sysFchmodat(ctx, [FDCWD, p, m]);

/** One struct timespec of utimensat as seconds for Node, or undefined for UTIME_OMIT. */
function utimeValue(view: DataView | undefined, offset: number, current: bigint): number {
  if (!view) return Date.now() / 1000;
  const sec = view.getBigInt64(offset, true);
  const nsec = view.getBigInt64(offset + 8, true);
  if (nsec === BigInt(UTIME_NOW)) return Date.now() / 1000;
  if (nsec === BigInt(UTIME_OMIT)) return Number(current) / 1e9;
  if (nsec < 0n || nsec >= 1_000_000_000n) throw new SyscallError(Errno.EINVAL);
  return Number(sec) + Number(nsec) / 1e9;
}

export function sysUtimensat(ctx: SyscallContext, [dirfd, pathname, times, flags]: SyscallArgs): number {
  const bits = uint32(flags);
  if (bits & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -Errno.EINVAL;
  const view = times === 0n ? undefined : new DataView(readGuest(ctx, times, 32).slice().buffer);
  if (pathname === 0n) {
    // futimens: the dirfd is the file.
    const file = ctx.fds.require(int32(dirfd));
    if (file.hostFd === undefined) return -Errno.EPERM;
    const info = file.stat();
    hostCall(() => fs.futimesSync(file.hostFd as number, utimeValue(view, 0, info.atimeNs), utimeValue(view, 16, info.mtimeNs)));
    return 0;
  }
  const follow = !(bits & AT_SYMLINK_NOFOLLOW);
  const { hostPath } = existingHost(resolveAt(ctx, dirfd, readPath(ctx, pathname), follow));
  const info = statInfo(hostCall(() => fs.lstatSync(hostPath, { bigint: true })));
  const atime = utimeValue(view, 0, info.atimeNs);
  const mtime = utimeValue(view, 16, info.mtimeNs);
  hostCall(() => (follow ? fs.utimesSync(hostPath, atime, mtime) : fs.lutimesSync(hostPath, atime, mtime)));
  return 0;
}

export function sysTruncate(ctx: SyscallContext, [pathname, length]: SyscallArgs): number {
  if (int64(length) < 0n) return -Errno.EINVAL;
  const target = resolveAt(ctx, FDCWD, readPath(ctx, pathname), true);
  const { hostPath } = existingHost(target);
  if (target.kind === 'host' && (Number(target.stats?.mode) & S_IFMT) === S_IFDIR) return -Errno.EISDIR;
  hostCall(() => fs.truncateSync(hostPath, Number(length)));
  return 0;
}

export function sysGetcwd(ctx: SyscallContext, [buf, size]: SyscallArgs): number {
  const bytes = Buffer.from(guestFs(ctx).cwd + '\0');
  if (BigInt.asUintN(64, size) < BigInt(bytes.length)) return -Errno.ERANGE;
  writeGuest(ctx, buf, bytes);
  return bytes.length;
}

function isDirectory(file: OpenFile): boolean {
  return file instanceof VirtualDirectory || (file instanceof HostFile && file.isDirectory());
}

export function sysChdir(ctx: SyscallContext, [pathname]: SyscallArgs): number {
  const target = resolveAt(ctx, FDCWD, readPath(ctx, pathname), true);
  if (target.kind === 'host') {
    if (!target.stats) return -Errno.ENOENT;
    if ((Number(target.stats.mode) & S_IFMT) !== S_IFDIR) return -Errno.ENOTDIR;
    hostCall(() => fs.accessSync(target.hostPath, fs.constants.X_OK));
  } else if (target.kind !== 'virtual' || target.node.type !== 'dir') {
    return -Errno.ENOTDIR;
  }
  guestFs(ctx).cwd = target.guestPath;
  return 0;
}

export function sysFchdir(ctx: SyscallContext, [fd]: SyscallArgs): number {
  const file = ctx.fds.require(int32(fd));
  if (!isDirectory(file) || !file.path.startsWith('/')) return -Errno.ENOTDIR;
  guestFs(ctx).cwd = file.path;
  return 0;
}

export function sysUmask(ctx: SyscallContext, [mask]: SyscallArgs): number {
  const state = guestFs(ctx);
  const old = state.umask;
  state.umask = uint32(mask) & 0o777;
  return old;
}
