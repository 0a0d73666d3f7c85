// How handlers reach the file system state and guest paths: the context's GuestFs (a default one
// rooted at '/' for contexts built without it), path strings read from guest memory, *at resolution.
import { SyscallContext } from '../context';
import { Errno, SyscallError } from '../errno';
import { readGuestCString } from '../guest-access';
import { int32 } from '../values';
import { AT_FDCWD, PATH_MAX } from './constants';
import { GuestFs, Target } from './guest-fs';
import { ProcView } from './proc';
import { HostFile } from './host-file';
import { VirtualDirectory } from './virtual-file';

const defaults = new WeakMap<SyscallContext, GuestFs>();

export function guestFs(ctx: SyscallContext): GuestFs {
  if (ctx.fs) return ctx.fs;
  let state = defaults.get(ctx);
  if (!state) defaults.set(ctx, (state = new GuestFs('/')));
  return state;
}

export function procView(ctx: SyscallContext): ProcView {
  return { ctx, fs: guestFs(ctx) };
}

/** A path argument: NUL-terminated, at most PATH_MAX bytes with the NUL (ENAMETOOLONG beyond). */
export function readPath(ctx: SyscallContext, addr: bigint): string {
  const { bytes, truncated } = readGuestCString(ctx, addr, PATH_MAX);
  if (truncated) throw new SyscallError(Errno.ENAMETOOLONG);
  return Buffer.from(bytes).toString('utf8');
}

/** The guest directory a relative path in an *at call starts from: the cwd or the dirfd's path. */
export function baseDirectory(ctx: SyscallContext, dirfd: bigint, pathText: string): string {
  const fs = guestFs(ctx);
  if (pathText.startsWith('/')) return '/';
  const fd = int32(dirfd);
  if (fd === AT_FDCWD) return fs.cwd;
  const file = ctx.fds.require(fd);
  const isDirectory = file instanceof VirtualDirectory || (file instanceof HostFile && file.isDirectory());
  if (!isDirectory || !file.path.startsWith('/')) throw new SyscallError(Errno.ENOTDIR);
  return file.path;
}

export function resolveAt(ctx: SyscallContext, dirfd: bigint, pathText: string, followLast: boolean): Target {
  const base = baseDirectory(ctx, dirfd, pathText);
  return guestFs(ctx).resolve(procView(ctx), base, pathText, { followLast });
}

/** A target that must exist on the host (the path calls that change files): else ENOENT or EACCES. */
export function existingHost(target: Target): { hostPath: string; guestPath: string } {
  if (target.kind !== 'host') throw new SyscallError(Errno.EACCES);
  if (!target.stats) throw new SyscallError(Errno.ENOENT);
  return target;
}

/** A target for a call that creates it on the host: it must not exist yet. */
export function newHost(target: Target): { hostPath: string; guestPath: string } {
  if (target.kind !== 'host' || target.stats) throw new SyscallError(Errno.EEXIST);
  return target;
}
