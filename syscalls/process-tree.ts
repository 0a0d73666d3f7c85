// Child processes: fork (and clone without CLONE_VM), which copies the whole process into a new one;
// clone, clone3 and vfork for a child that shares memory and suspends its parent until it executes
// a program or exits (what posix_spawn, system() and vfork do); and wait4. Threads are not supported.
import { SyscallArgs, SyscallContext } from './context';
import { Errno } from './errno';
import { readGuest, writeGuest } from './guest-access';
import { SyscallSpec } from './spec';
import { int32, uint32 } from './values';

export const CLONE_FLAGS = {
  CLONE_VM: 0x100, CLONE_FS: 0x200, CLONE_FILES: 0x400, CLONE_SIGHAND: 0x800, CLONE_PIDFD: 0x1000,
  CLONE_PTRACE: 0x2000, CLONE_VFORK: 0x4000, CLONE_PARENT: 0x8000, CLONE_THREAD: 0x10000,
  CLONE_NEWNS: 0x20000, CLONE_SYSVSEM: 0x40000, CLONE_SETTLS: 0x80000, CLONE_PARENT_SETTID: 0x100000,
  CLONE_CHILD_CLEARTID: 0x200000, CLONE_DETACHED: 0x400000, CLONE_UNTRACED: 0x800000,
  CLONE_CHILD_SETTID: 0x1000000, CLONE_NEWCGROUP: 0x2000000, CLONE_NEWUTS: 0x4000000,
  CLONE_NEWIPC: 0x8000000, CLONE_NEWUSER: 0x10000000, CLONE_NEWPID: 0x20000000, CLONE_NEWNET: 0x40000000,
  CLONE_IO: 0x80000000,
} as const;
const { CLONE_VM, CLONE_VFORK, CLONE_THREAD, CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_FILES, CLONE_SIGHAND, CLONE_FS } = CLONE_FLAGS;
const CSIGNAL = 0xff;
const SIGCHLD = 17;
/** What a vfork-style child may also ask for and still run in Ferry's model (the child tid words are not written). */
const VFORK_EXTRA = CSIGNAL | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_FLAGS.CLONE_CHILD_CLEARTID | CLONE_FLAGS.CLONE_CHILD_SETTID;

interface CloneRequest { flags: number; stack: bigint; parentTid: bigint; childTid: bigint; tls: bigint }
/** What a fork-style child may ask for (glibc's fork passes the child tid flags). */
const FORK_EXTRA = CSIGNAL | CLONE_FLAGS.CLONE_CHILD_SETTID | CLONE_FLAGS.CLONE_CHILD_CLEARTID;

function startChild(ctx: SyscallContext, request: CloneRequest): number {
  const { flags } = request;
  if (flags & CLONE_THREAD || flags & (CLONE_FILES | CLONE_SIGHAND | CLONE_FS)) return -Errno.ENOSYS;
  if (!(flags & CLONE_VM)) {
    if (flags & ~FORK_EXTRA || request.stack !== 0n || !ctx.process.fork) return -Errno.ENOSYS;
    return ctx.process.fork({ childTid: flags & CLONE_FLAGS.CLONE_CHILD_SETTID ? request.childTid : undefined });
  }
  if (!(flags & CLONE_VM) || !(flags & CLONE_VFORK) || flags & ~(CLONE_VM | CLONE_VFORK | VFORK_EXTRA)) return -Errno.ENOSYS;
  if (!ctx.process.vfork) return -Errno.ENOSYS;
  return ctx.process.vfork({
    stack: request.stack,
    tls: flags & CLONE_SETTLS ? request.tls : undefined,
    parentTid: flags & CLONE_PARENT_SETTID ? request.parentTid : undefined,
  });
}

/** x86-64 clone's argument order: flags, stack, parent_tid, child_tid, tls. */
export function sysClone(ctx: SyscallContext, [flags, stack, parentTid, childTid, tls]: SyscallArgs): number {
  return startChild(ctx, { flags: uint32(flags), stack, parentTid, childTid, tls });
}

/** struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, ... */
export function sysClone3(ctx: SyscallContext, [argsAddr, size]: SyscallArgs): number {
  if (size < 64n || size > 4096n) return -Errno.EINVAL;
  const view = new DataView(readGuest(ctx, argsAddr, 64).slice().buffer);
  const u64 = (i: number): bigint => view.getBigUint64(i * 8, true);
  const flags = u64(0);
  if (flags >> 32n || u64(4) > 0xffn) return -Errno.EINVAL;
  const stack = u64(5), stackSize = u64(6);
  return startChild(ctx, {
    flags: Number(flags) | Number(u64(4)), stack: stack === 0n ? 0n : stack + stackSize, parentTid: u64(3), childTid: u64(2), tls: u64(7),
  });
}

export function sysVfork(ctx: SyscallContext): number {
  return startChild(ctx, { flags: CLONE_VM | CLONE_VFORK | SIGCHLD, stack: 0n, parentTid: 0n, childTid: 0n, tls: 0n });
}

export function sysFork(ctx: SyscallContext): number {
  return startChild(ctx, { flags: SIGCHLD, stack: 0n, parentTid: 0n, childTid: 0n, tls: 0n });
}

const WNOHANG = 1, WUNTRACED = 2, WCONTINUED = 8, __WALL = 0x40000000, __WCLONE = 0x80000000, __WNOTHREAD = 0x20000000;

export function sysWait4(ctx: SyscallContext, [pidArg, statusAddr, optionsArg, rusage]: SyscallArgs): number {
  const options = uint32(optionsArg);
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD)) return -Errno.EINVAL;
  if (!ctx.process.wait) return -Errno.ECHILD;
  const [pid, status] = ctx.process.wait(int32(pidArg), options);
  if (pid > 0 && statusAddr !== 0n) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, status, true);
    writeGuest(ctx, statusAddr, bytes);
  }
  if (pid > 0 && rusage !== 0n) writeGuest(ctx, rusage, new Uint8Array(144)); // children's usage is not measured
  return pid;
}

const cloneFlags = { flags: Object.entries(CLONE_FLAGS) };
export const PROCESS_TREE_SYSCALLS: Record<string, SyscallSpec> = {
  clone: { args: [cloneFlags, 'ptr', 'ptr', 'ptr', 'ptr'], ret: 'int', handler: sysClone },
  clone3: { args: ['ptr', 'size'], ret: 'int', handler: sysClone3 },
  vfork: { args: [], ret: 'int', handler: sysVfork },
  fork: { args: [], ret: 'int', handler: sysFork },
  wait4: { args: ['int', 'ptr', 'hex', 'ptr'], ret: 'int', handler: sysWait4 },
};
