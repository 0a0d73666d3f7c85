// Syscall handlers for clocks and sleeping: clock_gettime/getres, gettimeofday, time, nanosleep,
// clock_nanosleep, times and getrusage, answered from the host kernel's clocks and usage counters.
import * as os from 'os';
import { hostClockNs } from './fs/libc';
import { SyscallSpec } from './spec';
import { SyscallArgs, SyscallContext } from './context';
import { Errno, SyscallError } from './errno';
import { readGuest, writeGuest } from './guest-access';
import { ArgKind } from './trace-format';
import { int32 } from './values';

export const CLOCKS = {
  CLOCK_REALTIME: 0,
  CLOCK_MONOTONIC: 1,
  CLOCK_PROCESS_CPUTIME_ID: 2,
  CLOCK_THREAD_CPUTIME_ID: 3,
  CLOCK_MONOTONIC_RAW: 4,
  CLOCK_REALTIME_COARSE: 5,
  CLOCK_MONOTONIC_COARSE: 6,
  CLOCK_BOOTTIME: 7,
  CLOCK_TAI: 11,
} as const;
const C = CLOCKS;
export const TIMER_ABSTIME = 1;
/** times() and the auxiliary vector's AT_CLKTCK count in these ticks. */
export const USER_HZ = 100;
const NS_PER_S = 1_000_000_000n;
const RUSAGE = { RUSAGE_SELF: 0, RUSAGE_CHILDREN: -1, RUSAGE_THREAD: 1 } as const;

// Every clock is the host kernel's own reading (clock_gettime through libc), so a guest's clocks
// agree with a native process's: Node has no raw, boot-time, TAI or coarse clock of its own.
const monotonicNs = (): bigint => process.hrtime.bigint();
const realtimeNs = (): bigint => hostClockNs(C.CLOCK_REALTIME);
const KNOWN_CLOCKS: ReadonlySet<number> = new Set(Object.values(CLOCKS));

/** The clock's current value in ns, or undefined for a clock id Linux does not have (or Ferry does not give). */
export function clockNs(clock: number): bigint | undefined {
  return KNOWN_CLOCKS.has(clock) ? hostClockNs(clock) : undefined;
}

function clockResolutionNs(clock: number): bigint | undefined {
  return KNOWN_CLOCKS.has(clock) ? hostClockNs(clock, 'resolution') : undefined;
}

function timespecBytes(ns: bigint): Uint8Array {
  return longs(ns / NS_PER_S, ns % NS_PER_S);
}

function longs(...values: bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}

/** Reads a struct timespec and checks it as the kernel does (tv_nsec in [0, 1e9), tv_sec >= 0). */
function readTimespecNs(ctx: SyscallContext, addr: bigint): bigint {
  const view = new DataView(readGuest(ctx, addr, 16).buffer);
  const sec = view.getBigInt64(0, true);
  const nsec = view.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= NS_PER_S) throw new SyscallError(Errno.EINVAL);
  return sec * NS_PER_S + nsec;
}

export function sysClockGettime(ctx: SyscallContext, [clock, tp]: SyscallArgs): number {
  const now = clockNs(int32(clock));
  if (now === undefined) return -Errno.EINVAL;
  writeGuest(ctx, tp, timespecBytes(now));
  return 0;
}

export function sysClockGetres(ctx: SyscallContext, [clock, res]: SyscallArgs): number {
  const resolution = clockResolutionNs(int32(clock));
  if (resolution === undefined) return -Errno.EINVAL;
  if (res !== 0n) writeGuest(ctx, res, timespecBytes(resolution));
  return 0;
}

export function sysGettimeofday(ctx: SyscallContext, [tv, tz]: SyscallArgs): number {
  const now = realtimeNs();
  if (tv !== 0n) writeGuest(ctx, tv, longs(now / NS_PER_S, (now % NS_PER_S) / 1000n));
  // The kernel's timezone is whatever settimeofday last set; hosts leave it at UTC, no DST.
  if (tz !== 0n) writeGuest(ctx, tz, new Uint8Array(8));
  return 0;
}

export function sysTime(ctx: SyscallContext, [tloc]: SyscallArgs): bigint {
  const seconds = realtimeNs() / NS_PER_S;
  if (tloc !== 0n) writeGuest(ctx, tloc, longs(seconds));
  return seconds;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the emulator for ns nanoseconds: the guest's only thread asked to sleep. */
function sleepNs(ns: bigint): void {
  const deadline = monotonicNs() + ns;
  for (let left = ns; left > 0n; left = deadline - monotonicNs()) {
    // Atomics.wait takes milliseconds as a double, so sub-millisecond sleeps keep their precision.
    Atomics.wait(sleeper, 0, 0, Number(left) / 1e6);
  }
}

export function sysNanosleep(ctx: SyscallContext, [req, rem]: SyscallArgs): number {
  sleepNs(readTimespecNs(ctx, req));
  // No signal can interrupt the sleep (delivery is not implemented), so rem is never written.
  void rem;
  return 0;
}

export function sysClockNanosleep(ctx: SyscallContext, [clockArg, flags, req]: SyscallArgs): number {
  const clock = int32(clockArg);
  // The kernel sleeps on these clocks only: the others exist but cannot be slept on.
  const sleepable: number[] = [C.CLOCK_REALTIME, C.CLOCK_MONOTONIC, C.CLOCK_BOOTTIME, C.CLOCK_TAI, C.CLOCK_PROCESS_CPUTIME_ID];
  if (!sleepable.includes(clock)) return clockNs(clock) === undefined ? -Errno.EINVAL : -Errno.EOPNOTSUPP;
  const wanted = readTimespecNs(ctx, req);
  if (!(int32(flags) & TIMER_ABSTIME)) {
    sleepNs(wanted);
    return 0;
  }
  if (clock === C.CLOCK_PROCESS_CPUTIME_ID) {
    // Sleeping does not consume CPU time: a deadline in the CPU-time future would never come.
    return wanted <= clockNs(C.CLOCK_PROCESS_CPUTIME_ID)! ? 0 : -Errno.EINVAL;
  }
  const now = clockNs(clock)!;
  if (wanted > now) sleepNs(wanted - now);
  return 0;
}

function microseconds(us: number): bigint[] {
  const total = BigInt(Math.round(us));
  return [total / 1_000_000n, total % 1_000_000n];
}

export function sysTimes(ctx: SyscallContext, [buf]: SyscallArgs): bigint {
  const usage = process.cpuUsage();
  const ticks = (us: number): bigint => BigInt(Math.floor((us * USER_HZ) / 1e6));
  // Children are never waited for (no fork yet): their times are zero.
  if (buf !== 0n) writeGuest(ctx, buf, longs(ticks(usage.user), ticks(usage.system), 0n, 0n));
  // The result counts ticks from an arbitrary point; the kernel's starts near boot.
  return BigInt(Math.floor(os.uptime() * USER_HZ));
}

export function sysGetrusage(ctx: SyscallContext, [who, buf]: SyscallArgs): number {
  const which = int32(who);
  if (which !== RUSAGE.RUSAGE_SELF && which !== RUSAGE.RUSAGE_CHILDREN && which !== RUSAGE.RUSAGE_THREAD) return -Errno.EINVAL;
  let fields: bigint[];
  if (which === RUSAGE.RUSAGE_CHILDREN) {
    fields = new Array<bigint>(18).fill(0n);
  } else {
    const u = process.resourceUsage();
    fields = [
      ...microseconds(u.userCPUTime), ...microseconds(u.systemCPUTime),
      u.maxRSS, u.sharedMemorySize, u.unsharedDataSize, u.unsharedStackSize, u.minorPageFault, u.majorPageFault,
      u.swappedOut, u.fsRead, u.fsWrite, u.ipcSent, u.ipcReceived, u.signalsCount,
      u.voluntaryContextSwitches, u.involuntaryContextSwitches,
    ].map((v) => BigInt(v));
  }
  writeGuest(ctx, buf, longs(...fields));
  return 0;
}

const clockId: ArgKind = { values: Object.entries(CLOCKS) };

export const TIME_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  clock_gettime: { args: [clockId, 'ptr'], ret: 'int', handler: sysClockGettime },
  clock_getres: { args: [clockId, 'ptr'], ret: 'int', handler: sysClockGetres },
  gettimeofday: { args: ['ptr', 'ptr'], ret: 'int', handler: sysGettimeofday },
  time: { args: ['ptr'], ret: 'int', handler: sysTime },
  nanosleep: { args: ['ptr', 'ptr'], ret: 'int', handler: sysNanosleep },
  clock_nanosleep: { args: [clockId, { flags: [['TIMER_ABSTIME', TIMER_ABSTIME]] }, 'ptr', 'ptr'], ret: 'int', handler: sysClockNanosleep },
  times: { args: ['ptr'], ret: 'int', handler: sysTimes },
  getrusage: { args: ['int', 'ptr'], ret: 'int', handler: sysGetrusage },
};
