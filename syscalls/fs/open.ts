// Opening a resolved guest path: host files through a host open of the resolved host path (with
// O_NOFOLLOW, since every link was already followed inside the root), synthesized nodes, fd links.
import * as fs from 'fs';
import { SyscallContext } from '../context';
import { Errno, SyscallError } from '../errno';
import { OpenFile, StdioFile } from '../fd-table';
import {
  DT, O_ACCMODE, O_CLOEXEC, O_LARGEFILE, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_RDONLY, O_TMPFILE, O_TRUNC, S_IFDIR, S_IFLNK, S_IFMT,
} from './constants';
import { GuestFs, Target } from './guest-fs';
import { hostCall } from './host-call';
import { fileChanged } from './page-cache';
import { HostFile } from './host-file';
import { DeviceFile, SnapshotFile, VirtualDirectory, pathInode } from './virtual-file';
import { guestFs, procView } from './fs-state';

/** Flags that only steer the open itself; the description keeps the rest (F_GETFL). */
const OPEN_ONLY_FLAGS = O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | 0o400; // O_NOCTTY

export function openTarget(ctx: SyscallContext, target: Target, requested: number, mode: number): OpenFile {
  // A 64-bit kernel forces O_LARGEFILE on every open (F_GETFL shows it).
  const flags = requested | O_LARGEFILE;
  const statusFlags = flags & ~OPEN_ONLY_FLAGS;
  const accessMode = flags & O_ACCMODE;
  const wantsWrite = accessMode !== O_RDONLY || (flags & O_TRUNC) !== 0;
  if (target.kind === 'fd') return reopenFd(ctx, target.fd, flags, mode);
  if (target.kind === 'virtual') {
    if ((flags & O_CREAT) && (flags & O_EXCL)) throw new SyscallError(Errno.EEXIST);
    const node = target.node;
    if (node.type === 'link') throw new SyscallError(Errno.ELOOP); // O_NOFOLLOW on a link
    if (flags & O_DIRECTORY && node.type !== 'dir') throw new SyscallError(Errno.ENOTDIR);
    switch (node.type) {
      case 'dir': {
        if (wantsWrite) throw new SyscallError(Errno.EISDIR);
        const parent = target.guestPath.replace(/\/[^/]*$/, '') || '/';
        const dots = [
          { name: '.', ino: pathInode(target.guestPath), type: DT.DIR },
          { name: '..', ino: pathInode(parent), type: DT.DIR },
        ];
        return new VirtualDirectory(target.guestPath, statusFlags, () => [...dots, ...node.entries()]);
      }
      case 'file':
        if (wantsWrite) throw new SyscallError(Errno.EACCES);
        return new SnapshotFile(target.guestPath, statusFlags, node.content());
      case 'device':
        if (node.device === 'tty') return openHost(guestFs(ctx), '/dev/tty', target.guestPath, flags, mode, false);
        return new DeviceFile(target.guestPath, statusFlags, node.device);
    }
  }
  const stats = target.stats;
  if (!stats) {
    if (!(flags & O_CREAT)) throw new SyscallError(Errno.ENOENT);
    if (target.guestPath.endsWith('/')) throw new SyscallError(Errno.EISDIR);
    return openHost(guestFs(ctx), target.hostPath, target.guestPath, flags | O_EXCL, mode, true);
  }
  const type = Number(stats.mode) & S_IFMT;
  if ((flags & O_TMPFILE) === O_TMPFILE) {
    // An unnamed file in the directory: the host creates it the same way.
    if (type !== S_IFDIR) throw new SyscallError(Errno.ENOTDIR);
    const file = openHost(guestFs(ctx), target.hostPath, target.guestPath, flags, mode, true);
    return new HostFile(file.hostFd as number, `${target.guestPath.replace(/\/$/, '')}/#${file.stat().ino} (deleted)`, file.statusFlags, undefined);
  }
  if ((flags & O_CREAT) && (flags & O_EXCL)) throw new SyscallError(Errno.EEXIST);
  if (type === S_IFLNK && !(flags & O_PATH)) throw new SyscallError(Errno.ELOOP);
  if (type === S_IFDIR && wantsWrite) throw new SyscallError(Errno.EISDIR);
  if ((flags & O_DIRECTORY) && type !== S_IFDIR) throw new SyscallError(Errno.ENOTDIR);
  const file = openHost(guestFs(ctx), target.hostPath, target.guestPath, flags & ~O_CREAT, mode, false);
  if (flags & O_TRUNC) fileChanged(ctx, file);
  return file;
}

/**
 * The host open. O_NOFOLLOW guards the last component (the resolver followed every link itself);
 * O_CLOEXEC keeps host children from inheriting it. A new file gets mode & ~umask exactly, which
 * the host's own umask would otherwise narrow further.
 */
function openHost(state: GuestFs, hostPath: string, guestPath: string, flags: number, mode: number, creating: boolean): OpenFile {
  const hostFlags = (flags & ~O_CLOEXEC) | O_CLOEXEC | (flags & O_PATH ? 0 : O_NOFOLLOW);
  const fd = hostCall(() => fs.openSync(hostPath, hostFlags, mode & 0o7777));
  if (creating) hostCall(() => fs.fchmodSync(fd, mode & ~state.umask & 0o7777));
  return new HostFile(fd, guestPath, flags & ~OPEN_ONLY_FLAGS, hostPath);
}

/**
 * /proc/self/fd/N: like the kernel, a new description of the same file. A host-backed file is
 * reopened through the host's own /proc/self/fd link, which works for pipes and ttys too.
 */
function reopenFd(ctx: SyscallContext, fd: number, flags: number, mode: number): OpenFile {
  const file = ctx.fds.require(fd);
  const statusFlags = flags & ~OPEN_ONLY_FLAGS;
  if (file.hostFd !== undefined) {
    const hostFlags = (flags & ~(O_CREAT | O_EXCL | O_CLOEXEC)) | O_CLOEXEC;
    const hostFd = hostCall(() => fs.openSync(`/proc/self/fd/${file.hostFd}`, hostFlags, mode));
    const hostPath = file instanceof HostFile ? file.hostPath : undefined;
    return new HostFile(hostFd, file.path, statusFlags, hostPath);
  }
  if (file instanceof StdioFile) return file;
  if (!file.path.startsWith('/')) throw new SyscallError(Errno.ENOENT);
  const target = guestFs(ctx).resolve(procView(ctx), '/', file.path, { followLast: true });
  return openTarget(ctx, target, flags & ~(O_CREAT | O_EXCL), mode);
}

