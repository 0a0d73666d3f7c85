// The few host calls Node lacks (lseek, pipe2, poll, ioctl, dup, getdents64, clock_gettime, ...), bound
// from the host's libc through koffi; a failure throws SyscallError with the host errno (same numbers on Linux).
import koffi from 'koffi';
import { Errno, SyscallError } from '../errno';

interface Libc {
  lseek(fd: number, offset: bigint, whence: number): bigint | number;
  pipe2(fds: Int32Array, flags: number): number;
  poll(fds: Uint8Array, count: number, timeoutMs: number): number;
  ioctl(fd: number, request: number, arg: Uint8Array): number;
  dup(fd: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  fcntlLock(fd: number, cmd: number, lock: Uint8Array): number;
  getdents64(fd: number, buf: Uint8Array, size: number): number | bigint;
  waitpid(pid: number, status: Int32Array, options: number): number;
  epollCreate1(flags: number): number;
  epollCtl(epfd: number, op: number, fd: number, event: Uint8Array): number;
  epollWait(epfd: number, events: Uint8Array, max: number, timeout: number): number;
  signal(signal: number, handler: number): number | bigint;
  raise(signal: number): number;
  getgroups(size: number, list: Uint32Array | null): number;
  clockGettime(clock: number, timespec: Uint8Array): number;
  clockGetres(clock: number, timespec: Uint8Array): number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const so = koffi.load('libc.so.6');
  libc = {
    lseek: so.func('int64_t lseek(int fd, int64_t offset, int whence)'),
    pipe2: so.func('int pipe2(_Out_ int *fds, int flags)') as unknown as Libc['pipe2'],
    poll: so.func('int poll(_Inout_ uint8_t *fds, unsigned long count, int timeout)') as unknown as Libc['poll'],
    ioctl: so.func('int ioctl(int fd, unsigned long request, _Inout_ uint8_t *arg)') as unknown as Libc['ioctl'],
    dup: so.func('int dup(int fd)'),
    fcntl: so.func('int fcntl(int fd, int cmd, int arg)'),
    fcntlLock: so.func('fcntl', 'int', ['int', 'int', '_Inout_ uint8_t *']) as unknown as Libc['fcntlLock'],
    getdents64: so.func('int64_t getdents64(int fd, _Out_ uint8_t *buf, size_t size)') as unknown as Libc['getdents64'],
    waitpid: so.func('int waitpid(int pid, _Out_ int *status, int options)') as unknown as Libc['waitpid'],
    epollCreate1: so.func('int epoll_create1(int flags)'),
    epollCtl: so.func('int epoll_ctl(int epfd, int op, int fd, _Inout_ uint8_t *event)') as unknown as Libc['epollCtl'],
    epollWait: so.func('int epoll_wait(int epfd, _Out_ uint8_t *events, int max, int timeout)') as unknown as Libc['epollWait'],
    signal: so.func('intptr_t signal(int signum, intptr_t handler)'),
    raise: so.func('int raise(int sig)'),
    getgroups: so.func('int getgroups(int size, _Out_ uint32_t *list)') as unknown as Libc['getgroups'],
    clockGettime: so.func('int clock_gettime(int clock, _Out_ uint8_t *tp)') as unknown as Libc['clockGettime'],
    clockGetres: so.func('int clock_getres(int clock, _Out_ uint8_t *res)') as unknown as Libc['clockGetres'],
  };
  return libc;
}

function check<T extends number | bigint>(result: T): T {
  if (Number(result) < 0) throw new SyscallError(koffi.errno() || Errno.EIO);
  return result;
}

export function hostLseek(fd: number, offset: bigint, whence: number): bigint {
  return BigInt(check(load().lseek(fd, offset, whence)));
}

/** Returns [read end, write end]. */
export function hostPipe(flags: number): [number, number] {
  const fds = new Int32Array(2);
  check(load().pipe2(fds, flags));
  return [fds[0], fds[1]];
}

/** struct pollfd entries (8 bytes each: fd, events, revents) updated in place; returns the ready count. */
export function hostPoll(pollfds: Uint8Array, count: number, timeoutMs: number): number {
  return check(load().poll(pollfds, count, timeoutMs));
}

/** An ioctl whose argument is a buffer of the given bytes (copied in and out). */
export function hostIoctl(fd: number, request: number, arg: Uint8Array): number {
  return check(load().ioctl(fd, request, arg));
}

/** Fills buf with linux_dirent64 records in the file system's own order; 0 at the end. */
export function hostGetdents64(fd: number, buf: Uint8Array): number {
  return Number(check(load().getdents64(fd, buf, buf.length)));
}

export function hostDup(fd: number): number {
  return check(load().dup(fd));
}

export function hostFcntl(fd: number, cmd: number, arg: number): number {
  return check(load().fcntl(fd, cmd, arg));
}

/** waitpid on a host child: [pid, wait status], or [0, 0] under WNOHANG with nothing to report. */
export function hostWaitpid(pid: number, options: number): [number, number] {
  const status = new Int32Array(1);
  const got = check(load().waitpid(pid, status, options));
  return [got, status[0]];
}

/** Ends this process by the signal's default action (core dumps aside), as a guest child must. */
export function hostDieBySignal(signal: number): void {
  load().signal(signal, 0); // SIG_DFL
  load().raise(signal);
}

/** fcntl with a struct flock (F_GETLK, F_SETLK, F_SETLKW and the OFD forms); F_GETLK fills it in. */
export function hostFcntlLock(fd: number, cmd: number, lock: Uint8Array): void {
  check(load().fcntlLock(fd, cmd, lock));
}

export function hostEpollCreate(flags: number): number {
  return check(load().epollCreate1(flags));
}
export function hostEpollCtl(epfd: number, op: number, fd: number, event: Uint8Array): void {
  check(load().epollCtl(epfd, op, fd, event));
}
/** Blocks this process for up to timeoutMs (-1: no limit) like the guest's own call would. */
export function hostEpollWait(epfd: number, events: Uint8Array, max: number, timeoutMs: number): number {
  return check(load().epollWait(epfd, events, max, timeoutMs));
}

/** The host kernel's reading of a clock (or its resolution) in ns; EINVAL for a clock it does not have. */
export function hostClockNs(clock: number, what: 'time' | 'resolution' = 'time'): bigint {
  const timespec = new Uint8Array(16);
  check(what === 'time' ? load().clockGettime(clock, timespec) : load().clockGetres(clock, timespec));
  const view = new DataView(timespec.buffer);
  return view.getBigInt64(0, true) * 1_000_000_000n + view.getBigInt64(8, true);
}

/** The process's supplementary groups as the kernel keeps them (Node's own list adds the egid). */
export function hostGetgroups(): number[] {
  for (;;) {
    const count = check(load().getgroups(0, null));
    const list = new Uint32Array(Math.max(count, 1));
    const got = load().getgroups(count, list);
    if (got >= 0) return Array.from(list.subarray(0, got));
    if (koffi.errno() !== Errno.EINVAL) check(got); // EINVAL: the list grew in between; ask again
  }
}
