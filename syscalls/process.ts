// Syscall handlers for the process itself: exit, ids, limits, uname, arch_prctl (the FS and GS
// bases TLS lives on), prctl, scheduling and randomness; host values come from Node and /proc.
import { SyscallSpec } from './spec';
import { randomFillSync } from 'crypto';
import * as os from 'os';
import { TASK_SIZE } from '../src/memory/address-space';
import { PROT_WRITE } from '../src/memory/guest-memory';
import { GuestProcess, SyscallArgs, SyscallContext } from './context';
import { Errno } from './errno';
import { readGuest, readGuestCString, writeGuest, writeGuestU64 } from './guest-access';
import { hostCpuAffinity, hostCpuCount, hostCpuMaskBytes, hostLastCpu, hostLimits, hostProcessIds, hostSysinfo } from './host-process';
import { MAX_RW_COUNT } from './files';
import { int32, int64, uint32 } from './values';

export const ARCH_PRCTL_CODES = { ARCH_SET_GS: 0x1001, ARCH_SET_FS: 0x1002, ARCH_GET_FS: 0x1003, ARCH_GET_GS: 0x1004 } as const;
const { ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS } = ARCH_PRCTL_CODES;

/** struct utsname: six NUL-terminated fields of 65 bytes each, in this order. */
export const UTSNAME_FIELDS = ['sysname', 'nodename', 'release', 'version', 'machine', 'domainname'] as const;
export const UTSNAME_FIELD_SIZE = 65;

export function sysExit(ctx: SyscallContext, [code]: SyscallArgs): number {
  ctx.process.exit(int32(code) & 0xff, false);
  return 0;
}

export function sysExitGroup(ctx: SyscallContext, [code]: SyscallArgs): number {
  ctx.process.exit(int32(code) & 0xff, true);
  return 0;
}

export function sysGetpid(ctx: SyscallContext): number {
  return ctx.process.pid;
}

export function sysUname(ctx: SyscallContext, [buf]: SyscallArgs): number {
  const values: Record<(typeof UTSNAME_FIELDS)[number], string> = {
    sysname: 'Linux',
    nodename: os.hostname(),
    release: os.release(),
    version: os.version(),
    machine: 'x86_64',
    domainname: '(none)',
  };
  const out = new Uint8Array(UTSNAME_FIELDS.length * UTSNAME_FIELD_SIZE);
  UTSNAME_FIELDS.forEach((field, i) => {
    const text = new TextEncoder().encode(values[field]).subarray(0, UTSNAME_FIELD_SIZE - 1);
    out.set(text, i * UTSNAME_FIELD_SIZE);
  });
  writeGuest(ctx, buf, out);
  return 0;
}

export function sysArchPrctl(ctx: SyscallContext, [code, addr]: SyscallArgs): number {
  switch (int32(code)) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
      // The kernel refuses bases outside user space.
      if (addr >= TASK_SIZE) return -Errno.EPERM;
      if (int32(code) === ARCH_SET_FS) ctx.cpu.setFsBase(addr);
      else ctx.cpu.setGsBase(addr);
      return 0;
    case ARCH_GET_FS:
      writeGuestU64(ctx, addr, ctx.cpu.getFsBase());
      return 0;
    case ARCH_GET_GS:
      writeGuestU64(ctx, addr, ctx.cpu.getGsBase());
      return 0;
    default:
      return -Errno.EINVAL;
  }
}

// ---- ids ----------------------------------------------------------------------------------

/**
 * What the kernel keeps per process beyond its ids: resource limits the guest set, its name (comm)
 * and a process group it joined. Keyed by the process object so that fakes in tests get their own.
 */
interface ProcessAttributes {
  readonly limits: Map<number, { soft: bigint; hard: bigint }>;
  comm: Uint8Array;
  pgid?: number;
}
const attributes = new WeakMap<GuestProcess, ProcessAttributes>();

function attributesOf(ctx: SyscallContext): ProcessAttributes {
  let found = attributes.get(ctx.process);
  if (!found) {
    // The kernel names a process after its executable's file name, cut to 15 bytes.
    const base = ctx.program.exe.split('/').pop() ?? '';
    found = { limits: new Map(), comm: new TextEncoder().encode(base).subarray(0, TASK_COMM_LEN - 1) };
    attributes.set(ctx.process, found);
  }
  return found;
}

const TASK_COMM_LEN = 16;

const hostId = (read: (() => number) | undefined): number => read?.() ?? 0;
export const sysGetuid = (): number => hostId(process.getuid);
export const sysGeteuid = (): number => hostId(process.geteuid);
export const sysGetgid = (): number => hostId(process.getgid);
export const sysGetegid = (): number => hostId(process.getegid);
/** The guest is the Node process (its pid is process.pid), so its parent is Node's parent. */
export const sysGetppid = (): number => process.ppid;
/** One thread: the thread id is the process id. */
export const sysGettid = (ctx: SyscallContext): number => ctx.process.pid;

/** The guest's process group: the host's, unless the guest moved itself with setpgid. */
function ownPgid(ctx: SyscallContext): number {
  return attributesOf(ctx).pgid ?? hostProcessIds(ctx.process.pid)?.pgid ?? ctx.process.pid;
}

export function sysGetpgrp(ctx: SyscallContext): number {
  return ownPgid(ctx);
}

export function sysGetpgid(ctx: SyscallContext, [pid]: SyscallArgs): number {
  const target = int32(pid);
  if (target === 0 || target === ctx.process.pid) return ownPgid(ctx);
  return hostProcessIds(target)?.pgid ?? -Errno.ESRCH;
}

export function sysGetsid(ctx: SyscallContext, [pid]: SyscallArgs): number {
  const target = int32(pid) === 0 ? ctx.process.pid : int32(pid);
  return hostProcessIds(target)?.sid ?? -Errno.ESRCH;
}

/**
 * setpgid on the guest itself is recorded, not done on the host (Node cannot): the guest sees its
 * new group from getpgid and getpgrp. Other processes (children) do not exist yet.
 */
export function sysSetpgid(ctx: SyscallContext, [pidArg, pgidArg]: SyscallArgs): number {
  const pid = int32(pidArg) === 0 ? ctx.process.pid : int32(pidArg);
  const pgid = int32(pgidArg) === 0 ? pid : int32(pgidArg);
  if (pgid < 0) return -Errno.EINVAL;
  if (pid !== ctx.process.pid) return -Errno.ESRCH;
  const ids = hostProcessIds(pid) ?? { pgid: pid, sid: pid };
  // A session leader cannot change its group; a group must exist in the caller's session.
  if (ids.sid === pid) return pgid === ownPgid(ctx) ? 0 : -Errno.EPERM;
  if (pgid !== pid && pgid !== ownPgid(ctx) && hostProcessIds(pgid)?.sid !== ids.sid) return -Errno.EPERM;
  attributesOf(ctx).pgid = pgid;
  return 0;
}

// ---- resource limits ----------------------------------------------------------------------

export const RLIM_NLIMITS = 16;
export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

function currentLimit(ctx: SyscallContext, resource: number): { soft: bigint; hard: bigint } {
  return attributesOf(ctx).limits.get(resource) ?? hostLimits()[resource];
}

/** prlimit64's core: old limit out, new limit in; the guest's own process only. */
function prlimit(ctx: SyscallContext, pid: number, resource: number, newLimit: bigint, oldLimit: bigint): number {
  if (resource >= RLIM_NLIMITS) return -Errno.EINVAL;
  if (pid !== 0 && pid !== ctx.process.pid) return -Errno.ESRCH;
  const previous = currentLimit(ctx, resource);
  let next: { soft: bigint; hard: bigint } | undefined;
  if (newLimit !== 0n) {
    const view = new DataView(readGuest(ctx, newLimit, 16).buffer);
    next = { soft: view.getBigUint64(0, true), hard: view.getBigUint64(8, true) };
    if (next.soft > next.hard) return -Errno.EINVAL;
    // Raising a hard limit needs CAP_SYS_RESOURCE: root has it.
    if (next.hard > previous.hard && sysGeteuid() !== 0) return -Errno.EPERM;
  }
  if (oldLimit !== 0n) {
    const out = new Uint8Array(16);
    new DataView(out.buffer).setBigUint64(0, previous.soft, true);
    new DataView(out.buffer).setBigUint64(8, previous.hard, true);
    writeGuest(ctx, oldLimit, out);
  }
  // Kept for the guest to read back; the host's own limits do not change.
  if (next) attributesOf(ctx).limits.set(resource, next);
  return 0;
}

export function sysGetrlimit(ctx: SyscallContext, [resource, rlim]: SyscallArgs): number {
  return prlimit(ctx, 0, uint32(resource), 0n, rlim);
}

export function sysSetrlimit(ctx: SyscallContext, [resource, rlim]: SyscallArgs): number {
  return prlimit(ctx, 0, uint32(resource), rlim, 0n);
}

export function sysPrlimit64(ctx: SyscallContext, [pid, resource, newLimit, oldLimit]: SyscallArgs): number {
  return prlimit(ctx, int32(pid), uint32(resource), newLimit, oldLimit);
}

// ---- system information, randomness, scheduling -----------------------------------------------

/** struct sysinfo on x86-64: 112 bytes. */
const SYSINFO_SIZE = 112;
/** Load averages are fixed point with 16 fraction bits. */
const SI_LOAD_SHIFT = 16;

export function sysSysinfo(ctx: SyscallContext, [buf]: SyscallArgs): number {
  const info = hostSysinfo();
  const out = new Uint8Array(SYSINFO_SIZE);
  const view = new DataView(out.buffer);
  view.setBigInt64(0, BigInt(Math.floor(os.uptime())), true);
  os.loadavg().forEach((load, i) => view.setBigUint64(8 + i * 8, BigInt(Math.round(load * (1 << SI_LOAD_SHIFT))), true));
  [info.totalram, info.freeram, info.sharedram, info.bufferram, info.totalswap, info.freeswap]
    .forEach((value, i) => view.setBigUint64(32 + i * 8, value, true));
  view.setUint16(80, info.procs, true);
  view.setUint32(104, 1, true); // mem_unit: the sizes above are in bytes
  writeGuest(ctx, buf, out);
  return 0;
}

export const GRND = { GRND_NONBLOCK: 1, GRND_RANDOM: 2, GRND_INSECURE: 4 } as const;

/** Host randomness: the kernel's pool is ready long before a guest starts, so nothing blocks. */
export function sysGetrandom(ctx: SyscallContext, [buf, count, flags]: SyscallArgs): number {
  const bits = uint32(flags);
  if (bits & ~(GRND.GRND_NONBLOCK | GRND.GRND_RANDOM | GRND.GRND_INSECURE)) return -Errno.EINVAL;
  if (bits & GRND.GRND_INSECURE && bits & GRND.GRND_RANDOM) return -Errno.EINVAL;
  const len = Math.min(Number(count > BigInt(MAX_RW_COUNT) ? BigInt(MAX_RW_COUNT) : count), MAX_RW_COUNT);
  if (len === 0) return 0;
  const writable = Number(ctx.space.accessibleLength(buf, len, PROT_WRITE));
  if (writable === 0) return -Errno.EFAULT;
  writeGuest(ctx, buf, randomFillSync(new Uint8Array(writable)));
  return writable;
}

export function sysSetTidAddress(ctx: SyscallContext): number {
  // clear_child_tid matters when a thread exits; there is one thread and it never returns.
  return ctx.process.pid;
}

/** struct robust_list_head is three words; the kernel refuses any other length. */
const ROBUST_LIST_HEAD_SIZE = 24n;

export function sysSetRobustList(_ctx: SyscallContext, [, len]: SyscallArgs): number {
  // The list is walked when a thread dies holding futexes: only other threads could see that.
  return len === ROBUST_LIST_HEAD_SIZE ? 0 : -Errno.EINVAL;
}

/** glibc registers rseq at start-up and carries on without it when the kernel says ENOSYS. */
export function sysRseq(): number {
  return -Errno.ENOSYS;
}

export const PRCTL_OPTIONS = { PR_GET_DUMPABLE: 3, PR_SET_NAME: 15, PR_GET_NAME: 16 } as const;

export function sysPrctl(ctx: SyscallContext, [option, arg2]: SyscallArgs): number {
  switch (int32(option)) {
    case PRCTL_OPTIONS.PR_SET_NAME: {
      const { bytes } = readGuestCString(ctx, arg2, TASK_COMM_LEN - 1);
      attributesOf(ctx).comm = bytes.slice();
      return 0;
    }
    case PRCTL_OPTIONS.PR_GET_NAME: {
      const out = new Uint8Array(TASK_COMM_LEN);
      out.set(attributesOf(ctx).comm);
      writeGuest(ctx, arg2, out);
      return 0;
    }
    case PRCTL_OPTIONS.PR_GET_DUMPABLE:
      return 1; // SUID_DUMP_USER: what an ordinary process started by its owner has
    default:
      return -Errno.EINVAL;
  }
}

export function sysSchedGetaffinity(ctx: SyscallContext, [pid, lenArg, maskAddr]: SyscallArgs): number {
  if (int32(pid) !== 0 && int32(pid) !== ctx.process.pid) return -Errno.ESRCH;
  const len = int64(lenArg);
  if (len * 8n < BigInt(hostCpuCount()) || (len & 7n) !== 0n) return -Errno.EINVAL;
  // The kernel copies its whole cpumask (sized for the CPUs it was built for), or len bytes if fewer.
  const maskBytes = Math.min(Number(len), hostCpuMaskBytes());
  const out = new Uint8Array(maskBytes);
  for (const cpu of hostCpuAffinity()) out[cpu >> 3] |= 1 << (cpu & 7);
  writeGuest(ctx, maskAddr, out);
  return maskBytes;
}

export function sysSchedYield(): number {
  return 0;
}

export function sysGetcpu(ctx: SyscallContext, [cpu, node]: SyscallArgs): number {
  const last = hostLastCpu();
  const u32 = (value: number): Uint8Array => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value, true);
    return out;
  };
  if (cpu !== 0n) writeGuest(ctx, cpu, u32(last));
  // NUMA nodes are not read from the host: a single node 0, as on most small hosts.
  if (node !== 0n) writeGuest(ctx, node, u32(0));
  return 0;
}

export const PROCESS_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  exit: { args: ['int'], ret: 'noreturn', handler: sysExit },
  exit_group: { args: ['int'], ret: 'noreturn', handler: sysExitGroup },
  getpid: { args: [], ret: 'int', handler: sysGetpid },
  uname: { args: ['ptr'], ret: 'int', handler: sysUname },
  arch_prctl: { args: [{ values: Object.entries(ARCH_PRCTL_CODES) }, 'ptr'], ret: 'int', handler: sysArchPrctl },
  getuid: { args: [], ret: 'int', handler: sysGetuid },
  geteuid: { args: [], ret: 'int', handler: sysGeteuid },
  getgid: { args: [], ret: 'int', handler: sysGetgid },
  getegid: { args: [], ret: 'int', handler: sysGetegid },
  getppid: { args: [], ret: 'int', handler: sysGetppid },
  gettid: { args: [], ret: 'int', handler: sysGettid },
  getpgrp: { args: [], ret: 'int', handler: sysGetpgrp },
  getpgid: { args: ['int'], ret: 'int', handler: sysGetpgid },
  getsid: { args: ['int'], ret: 'int', handler: sysGetsid },
  setpgid: { args: ['int', 'int'], ret: 'int', handler: sysSetpgid },
  getrlimit: { args: ['int', 'ptr'], ret: 'int', handler: sysGetrlimit },
  setrlimit: { args: ['int', 'ptr'], ret: 'int', handler: sysSetrlimit },
  prlimit64: { args: ['int', 'int', 'ptr', 'ptr'], ret: 'int', handler: sysPrlimit64 },
  sysinfo: { args: ['ptr'], ret: 'int', handler: sysSysinfo },
  getrandom: { args: ['ptr', 'size', { flags: Object.entries(GRND) }], ret: 'int', handler: sysGetrandom },
  set_tid_address: { args: ['ptr'], ret: 'int', handler: sysSetTidAddress },
  set_robust_list: { args: ['ptr', 'size'], ret: 'int', handler: sysSetRobustList },
  rseq: { args: ['ptr', 'uint', 'int', 'hex'], ret: 'int', handler: sysRseq },
  prctl: { args: [{ values: Object.entries(PRCTL_OPTIONS) }, 'hex', 'hex', 'hex', 'hex'], ret: 'int', handler: sysPrctl },
  sched_getaffinity: { args: ['int', 'size', 'ptr'], ret: 'int', handler: sysSchedGetaffinity },
  sched_yield: { args: [], ret: 'int', handler: sysSchedYield },
  getcpu: { args: ['ptr', 'ptr', 'ptr'], ret: 'int', handler: sysGetcpu },
};
