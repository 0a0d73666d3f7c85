// Syscalls Ferry answers as a sandbox would: no sockets (EAFNOSUPPORT, ENOTSOCK), no extended
// attributes (ENODATA/ENOTSUP), advisory calls accepted, and the host's supplementary groups.
import { SyscallArgs, SyscallContext } from './context';
import { Errno } from './errno';
import { hostGetgroups } from './fs/libc';
import { writeGuest } from './guest-access';
import { SyscallSpec } from './spec';
import { int32 } from './values';

const fdOpen = (ctx: SyscallContext, fd: bigint): boolean => ctx.fds.get(int32(fd)) !== undefined;

/** Advice that changes nothing observable: accepted for an open fd. */
const advise = (ctx: SyscallContext, args: SyscallArgs): number => (fdOpen(ctx, args[0]) ? 0 : -Errno.EBADF);

function sysGetgroups(ctx: SyscallContext, args: SyscallArgs): number {
  const groups = hostGetgroups();
  const size = int32(args[0]);
  if (size < 0) return -Errno.EINVAL;
  if (size === 0) return groups.length;
  if (size < groups.length) return -Errno.EINVAL;
  const bytes = new Uint8Array(groups.length * 4);
  const view = new DataView(bytes.buffer);
  groups.forEach((g, i) => view.setUint32(i * 4, g, true));
  writeGuest(ctx, args[1], bytes);
  return groups.length;
}

/** Sockets are outside the sandbox: creating one fails as on a kernel without that family. */
const noSocket = (): number => -Errno.EAFNOSUPPORT;
/** Every guest fd is a file, pipe or terminal, never a socket. */
const notSocket = (ctx: SyscallContext, args: SyscallArgs): number => (fdOpen(ctx, args[0]) ? -Errno.ENOTSOCK : -Errno.EBADF);
/** No extended attributes anywhere. */
const noXattr = (): number => -Errno.ENODATA;
const listNoXattr = (): number => 0;

export const MISC_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  fadvise64: { args: ['fd', 'long', 'long', 'int'], ret: 'int', handler: advise },
  flock: { args: ['fd', 'int'], ret: 'int', handler: advise },
  getgroups: { args: ['int', 'ptr'], ret: 'int', handler: sysGetgroups },
  socket: { args: ['int', 'int', 'int'], ret: 'int', handler: noSocket },
  socketpair: { args: ['int', 'int', 'int', 'ptr'], ret: 'int', handler: noSocket },
  connect: { args: ['fd', 'ptr', 'int'], ret: 'int', handler: notSocket },
  bind: { args: ['fd', 'ptr', 'int'], ret: 'int', handler: notSocket },
  listen: { args: ['fd', 'int'], ret: 'int', handler: notSocket },
  accept: { args: ['fd', 'ptr', 'ptr'], ret: 'int', handler: notSocket },
  accept4: { args: ['fd', 'ptr', 'ptr', 'int'], ret: 'int', handler: notSocket },
  getsockname: { args: ['fd', 'ptr', 'ptr'], ret: 'int', handler: notSocket },
  getpeername: { args: ['fd', 'ptr', 'ptr'], ret: 'int', handler: notSocket },
  sendto: { args: ['fd', 'ptr', 'size', 'int', 'ptr', 'int'], ret: 'int', handler: notSocket },
  recvfrom: { args: ['fd', 'ptr', 'size', 'int', 'ptr', 'ptr'], ret: 'int', handler: notSocket },
  sendmsg: { args: ['fd', 'ptr', 'int'], ret: 'int', handler: notSocket },
  recvmsg: { args: ['fd', 'ptr', 'int'], ret: 'int', handler: notSocket },
  shutdown: { args: ['fd', 'int'], ret: 'int', handler: notSocket },
  setsockopt: { args: ['fd', 'int', 'int', 'ptr', 'int'], ret: 'int', handler: notSocket },
  getsockopt: { args: ['fd', 'int', 'int', 'ptr', 'ptr'], ret: 'int', handler: notSocket },
  getxattr: { args: ['string', 'string', 'ptr', 'size'], ret: 'int', handler: noXattr },
  lgetxattr: { args: ['string', 'string', 'ptr', 'size'], ret: 'int', handler: noXattr },
  fgetxattr: { args: ['fd', 'string', 'ptr', 'size'], ret: 'int', handler: noXattr },
  listxattr: { args: ['string', 'ptr', 'size'], ret: 'int', handler: listNoXattr },
  llistxattr: { args: ['string', 'ptr', 'size'], ret: 'int', handler: listNoXattr },
  flistxattr: { args: ['fd', 'ptr', 'size'], ret: 'int', handler: listNoXattr },
};
