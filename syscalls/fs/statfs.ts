// statfs and fstatfs: the host file system's figures for a path inside the guest root; files that
// Ferry synthesizes report the pseudo file systems the kernel would (proc, devtmpfs).
import * as fs from 'fs';
import { SyscallArgs, SyscallContext } from '../context';
import { Errno, SyscallError } from '../errno';
import { writeGuest } from '../guest-access';
import { int32 } from '../values';
import { hostCall } from './host-call';
import { AT_FDCWD } from './constants';
import { existingHost, readPath, resolveAt } from './fs-state';
import { HostFile } from './host-file';

const FDCWD = BigInt.asUintN(64, BigInt(AT_FDCWD));
const PROC_SUPER_MAGIC = 0x9fa0n, TMPFS_MAGIC = 0x01021994n;
/** struct statfs on x86-64: 120 bytes. */
const STATFS_SIZE = 120;
/** ST_VALID, as the kernel reports f_flags for any mounted file system. */
const ST_VALID = 0x20n;

interface Figures { type: bigint; bsize: bigint; blocks: bigint; bfree: bigint; bavail: bigint; files: bigint; ffree: bigint }

function hostFigures(hostPath: string): Figures {
  const s = hostCall(() => fs.statfsSync(hostPath, { bigint: true }));
  return { type: s.type, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
}
const pseudo = (guestPath: string): Figures => ({
  type: guestPath.startsWith('/proc') ? PROC_SUPER_MAGIC : TMPFS_MAGIC,
  bsize: 4096n, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n,
});

function write(ctx: SyscallContext, buf: bigint, f: Figures): number {
  const bytes = new Uint8Array(STATFS_SIZE);
  const v = new DataView(bytes.buffer);
  [f.type, f.bsize, f.blocks, f.bfree, f.bavail, f.files, f.ffree].forEach((x, i) => v.setBigUint64(i * 8, BigInt.asUintN(64, x), true));
  // f_fsid (two ints) stays 0; then f_namelen, f_frsize, f_flags.
  v.setBigUint64(64, 255n, true);
  v.setBigUint64(72, f.bsize, true);
  v.setBigUint64(80, ST_VALID, true);
  writeGuest(ctx, buf, bytes);
  return 0;
}

export function sysStatfs(ctx: SyscallContext, [pathname, buf]: SyscallArgs): number {
  const target = resolveAt(ctx, FDCWD, readPath(ctx, pathname), true);
  if (target.kind !== 'host') return write(ctx, buf, pseudo(target.guestPath));
  return write(ctx, buf, hostFigures(existingHost(target).hostPath));
}

export function sysFstatfs(ctx: SyscallContext, [fd, buf]: SyscallArgs): number {
  const file = ctx.fds.get(int32(fd));
  if (!file) throw new SyscallError(Errno.EBADF);
  if (file instanceof HostFile && file.hostPath !== undefined) return write(ctx, buf, hostFigures(file.hostPath));
  return write(ctx, buf, pseudo(file.path));
}
