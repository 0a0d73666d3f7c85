// poll, ppoll, select and pselect6 on the host's poll(2): guest fds are mapped to their host fds;
// synthesized files (/dev/null, /proc files) are always ready, as regular files are on Linux.
import { SyscallArgs, SyscallContext } from '../context';
import { Errno, SyscallError } from '../errno';
import { readGuest, writeGuest } from '../guest-access';
import { int32 } from '../values';
import { POLL } from './constants';
import { hostPoll } from './libc';

const POLLFD_SIZE = 8;
/** RLIMIT_NOFILE: more pollfds than this give EINVAL. */
const MAX_POLL_FDS = 1024;
const FD_SETSIZE = 1024;

interface PollRequest {
  readonly fd: number;
  readonly events: number;
}

/** Polls the requests; returns revents per request (0 when not ready). */
function pollAll(ctx: SyscallContext, requests: readonly PollRequest[], timeoutMs: number): number[] {
  const revents = requests.map(() => 0);
  const hostIndex: number[] = [];
  const hostSet = new Uint8Array(requests.length * POLLFD_SIZE);
  const view = new DataView(hostSet.buffer);
  let ready = 0;
  requests.forEach((request, i) => {
    if (request.fd < 0) return;
    const file = ctx.fds.get(request.fd);
    if (!file) {
      revents[i] = POLL.POLLNVAL;
      ready++;
    } else if (file.hostFd === undefined) {
      revents[i] = request.events & (POLL.POLLIN | POLL.POLLOUT | 0x40 | 0x100); // POLLRDNORM, POLLWRNORM
      if (revents[i]) ready++;
    } else {
      const slot = hostIndex.length;
      view.setInt32(slot * POLLFD_SIZE, file.hostFd, true);
      view.setInt16(slot * POLLFD_SIZE + 4, request.events, true);
      hostIndex.push(i);
    }
  });
  if (hostIndex.length > 0 || (ready === 0 && timeoutMs !== 0)) {
    hostPoll(hostSet, hostIndex.length, ready > 0 ? 0 : timeoutMs);
    hostIndex.forEach((requestIndex, slot) => {
      revents[requestIndex] = view.getInt16(slot * POLLFD_SIZE + 6, true) & 0xffff;
    });
  }
  return revents;
}

function pollGuest(ctx: SyscallContext, fds: bigint, nfds: bigint, timeoutMs: number): number {
  const count = Number(BigInt.asUintN(64, nfds));
  if (count > MAX_POLL_FDS) return -Errno.EINVAL;
  const bytes = count === 0 ? new Uint8Array(0) : readGuest(ctx, fds, count * POLLFD_SIZE).slice();
  const view = new DataView(bytes.buffer);
  const requests = Array.from({ length: count }, (_, i) => ({
    fd: view.getInt32(i * POLLFD_SIZE, true), events: view.getUint16(i * POLLFD_SIZE + 4, true),
  }));
  const revents = pollAll(ctx, requests, timeoutMs);
  revents.forEach((value, i) => view.setUint16(i * POLLFD_SIZE + 6, value, true));
  if (count > 0) writeGuest(ctx, fds, bytes);
  return revents.filter((value) => value !== 0).length;
}

/** A struct timespec (or timeval when unit is 1000 ns) as milliseconds; a NULL pointer is forever (-1). */
function timeoutMs(ctx: SyscallContext, ptr: bigint, nsPerUnit: bigint): number {
  if (ptr === 0n) return -1;
  const view = new DataView(readGuest(ctx, ptr, 16).slice().buffer);
  const seconds = view.getBigInt64(0, true);
  const fraction = view.getBigInt64(8, true);
  if (seconds < 0n || fraction < 0n || fraction * nsPerUnit >= 1_000_000_000n) throw new SyscallError(Errno.EINVAL);
  const ms = seconds * 1000n + (fraction * nsPerUnit + 999_999n) / 1_000_000n;
  return Number(ms > 0x7fff_ffffn ? 0x7fff_ffffn : ms);
}

export function sysPoll(ctx: SyscallContext, [fds, nfds, timeout]: SyscallArgs): number {
  const ms = int32(timeout);
  return pollGuest(ctx, fds, nfds, ms < 0 ? -1 : ms);
}

export function sysPpoll(ctx: SyscallContext, [fds, nfds, tsp]: SyscallArgs): number {
  // The signal mask argument is not applied: Ferry delivers no signals during a wait.
  return pollGuest(ctx, fds, nfds, timeoutMs(ctx, tsp, 1n));
}

function selectGuest(ctx: SyscallContext, nfds: bigint, sets: readonly bigint[], ms: number): number {
  const n = int32(nfds);
  if (n < 0) return -Errno.EINVAL;
  const count = Math.min(n, FD_SETSIZE);
  const bytesPerSet = Math.ceil(count / 64) * 8;
  const EVENTS = [POLL.POLLIN, POLL.POLLOUT, POLL.POLLPRI];
  const bitmaps = sets.map((ptr) => (ptr === 0n || bytesPerSet === 0 ? undefined : readGuest(ctx, ptr, bytesPerSet).slice()));
  const requests: PollRequest[] = [];
  for (let fd = 0; fd < count; fd++) {
    let events = 0;
    bitmaps.forEach((bits, k) => {
      if (bits && bits[fd >> 3] & (1 << (fd & 7))) events |= EVENTS[k];
    });
    if (events === 0) continue;
    if (!ctx.fds.get(fd)) return -Errno.EBADF;
    requests.push({ fd, events });
  }
  const revents = pollAll(ctx, requests, ms);
  const results = bitmaps.map((bits) => (bits ? new Uint8Array(bits.length) : undefined));
  const READY = [POLL.POLLIN | POLL.POLLHUP | POLL.POLLERR, POLL.POLLOUT | POLL.POLLERR, POLL.POLLPRI];
  let total = 0;
  requests.forEach(({ fd, events }, i) => {
    results.forEach((out, k) => {
      if (out && events & EVENTS[k] && revents[i] & READY[k]) {
        out[fd >> 3] |= 1 << (fd & 7);
        total++;
      }
    });
  });
  results.forEach((out, k) => {
    if (out) writeGuest(ctx, sets[k], out);
  });
  return total;
}

export function sysSelect(ctx: SyscallContext, [nfds, readfds, writefds, exceptfds, timeout]: SyscallArgs): number {
  return selectGuest(ctx, nfds, [readfds, writefds, exceptfds], timeoutMs(ctx, timeout, 1000n));
}

export function sysPselect6(ctx: SyscallContext, [nfds, readfds, writefds, exceptfds, timeout]: SyscallArgs): number {
  return selectGuest(ctx, nfds, [readfds, writefds, exceptfds], timeoutMs(ctx, timeout, 1n));
}

