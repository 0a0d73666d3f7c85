// epoll on the host's own epoll: the guest's epoll fd is a host epoll fd, its interest list holds
// host fds, and the event data stays the guest's (the kernel never reads it), so no translation.
import { SyscallArgs, SyscallContext } from '../context';
import { Errno, SyscallError } from '../errno';
import { readGuest, writeGuest } from '../guest-access';
import { SyscallSpec } from '../spec';
import { int32 } from '../values';
import { O_CLOEXEC, O_RDWR } from './constants';
import { HostFile } from './host-file';
import { hostEpollCreate, hostEpollCtl, hostEpollWait } from './libc';

/** struct epoll_event is packed on x86-64: u32 events, u64 data. */
const EVENT_SIZE = 12;
const EPOLL_CTL = { EPOLL_CTL_ADD: 1, EPOLL_CTL_DEL: 2, EPOLL_CTL_MOD: 3 } as const;
const MAX_EVENTS = Math.floor(0x7fff_ffff / EVENT_SIZE);

class EpollFile extends HostFile {}

function create(ctx: SyscallContext, cloexec: boolean): number {
  const hostFd = hostEpollCreate(O_CLOEXEC);
  return ctx.fds.install(new EpollFile(hostFd, 'anon_inode:[eventpoll]', O_RDWR, undefined), { cloexec });
}

export function sysEpollCreate1(ctx: SyscallContext, [flags]: SyscallArgs): number {
  if (int32(flags) & ~O_CLOEXEC) return -Errno.EINVAL;
  return create(ctx, (int32(flags) & O_CLOEXEC) !== 0);
}

export function sysEpollCreate(ctx: SyscallContext, [size]: SyscallArgs): number {
  if (int32(size) <= 0) return -Errno.EINVAL;
  return create(ctx, false);
}

function epollOf(ctx: SyscallContext, epfd: bigint): EpollFile {
  const file = ctx.fds.require(int32(epfd));
  if (!(file instanceof EpollFile)) throw new SyscallError(Errno.EINVAL);
  return file;
}

export function sysEpollCtl(ctx: SyscallContext, [epfd, opArg, fd, event]: SyscallArgs): number {
  const epoll = epollOf(ctx, epfd);
  const target = ctx.fds.require(int32(fd));
  const op = int32(opArg);
  if (!(Object.values(EPOLL_CTL) as number[]).includes(op)) return -Errno.EINVAL;
  if (target === epoll) return -Errno.EINVAL;
  // Files Ferry synthesizes have no host fd; like regular files they do not support polling.
  if (target.hostFd === undefined) return -Errno.EPERM;
  const bytes = op === EPOLL_CTL.EPOLL_CTL_DEL ? new Uint8Array(EVENT_SIZE) : readGuest(ctx, event, EVENT_SIZE).slice();
  hostEpollCtl(epoll.hostFd, op, target.hostFd, bytes);
  return 0;
}

function wait(ctx: SyscallContext, epfd: bigint, events: bigint, maxevents: bigint, timeoutMs: number): number {
  const epoll = epollOf(ctx, epfd);
  const max = int32(maxevents);
  if (max <= 0 || max > MAX_EVENTS) return -Errno.EINVAL;
  const buffer = new Uint8Array(max * EVENT_SIZE);
  const n = hostEpollWait(epoll.hostFd, buffer, max, timeoutMs);
  if (n > 0) writeGuest(ctx, events, buffer.subarray(0, n * EVENT_SIZE));
  return n;
}

export function sysEpollWait(ctx: SyscallContext, [epfd, events, maxevents, timeout]: SyscallArgs): number {
  return wait(ctx, epfd, events, maxevents, int32(timeout));
}

/** epoll_pwait: the signal mask only matters while a handler could run during the wait; none can. */
export function sysEpollPwait(ctx: SyscallContext, [epfd, events, maxevents, timeout]: SyscallArgs): number {
  return wait(ctx, epfd, events, maxevents, int32(timeout));
}

export function sysEpollPwait2(ctx: SyscallContext, [epfd, events, maxevents, timeoutAddr]: SyscallArgs): number {
  let ms = -1;
  if (timeoutAddr !== 0n) {
    const view = new DataView(readGuest(ctx, timeoutAddr, 16).slice().buffer);
    const sec = view.getBigInt64(0, true), nsec = view.getBigInt64(8, true);
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -Errno.EINVAL;
    ms = Number(sec * 1000n + (nsec + 999_999n) / 1_000_000n);
    if (ms > 0x7fff_ffff) ms = 0x7fff_ffff;
  }
  return wait(ctx, epfd, events, maxevents, ms);
}

const ctlOp = { values: Object.entries(EPOLL_CTL) };
export const EPOLL_SYSCALLS: Record<string, SyscallSpec> = {
  epoll_create: { args: ['int'], ret: 'int', handler: sysEpollCreate },
  epoll_create1: { args: ['hex'], ret: 'int', handler: sysEpollCreate1 },
  epoll_ctl: { args: ['fd', ctlOp, 'fd', 'ptr'], ret: 'int', handler: sysEpollCtl },
  epoll_wait: { args: ['fd', 'ptr', 'int', 'int'], ret: 'int', handler: sysEpollWait },
  epoll_pwait: { args: ['fd', 'ptr', 'int', 'int', 'ptr', 'size'], ret: 'int', handler: sysEpollPwait },
  epoll_pwait2: { args: ['fd', 'ptr', 'int', 'ptr', 'ptr', 'size'], ret: 'int', handler: sysEpollPwait2 },
};
