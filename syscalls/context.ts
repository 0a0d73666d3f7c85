// What a syscall handler may touch: guest memory and mappings, the fd table, the process, the
// CPU's segment bases and host I/O. The runtime builds one; tests build fakes.
import { AddressSpace } from '../src/memory/address-space';
import { GuestMemory } from '../src/memory/guest-memory';
import { FdTable } from './fd-table';
import type { GuestFs } from './fs/guest-fs';
import type { ExecImage } from './exec';
import type { SignalState } from './signals';

/** Synchronous I/O on host file descriptors; failures throw SyscallError with the errno. */
export interface HostIo {
  /** Reads up to len bytes; an empty array means end of file. */
  read(fd: number, len: number): Uint8Array;
  /** Writes the bytes (possibly not all of them) and returns how many were written. */
  write(fd: number, bytes: Uint8Array): number;
}

export interface GuestProcess {
  /** The pid the guest sees (the runtime passes the host's process.pid) and strace prints. */
  readonly pid: number;
  /** Ends the calling thread, or every thread when group is set; code is the low 8 bits. */
  exit(code: number, group: boolean): void;
  /** Ends the guest with a signal's default action (as the kernel reports death by that signal). */
  kill?(signal: number): void;
  /** Replaces the running program (execve past its checks); the caller's code never runs again. */
  exec?(image: ExecImage): void;
  /**
   * Starts a child that shares memory and runs first while the caller waits (vfork semantics); the
   * child sees 0 returned, the caller later its pid. parentTid, when given, receives the pid.
   */
  vfork?(request: { stack: bigint; tls?: bigint; parentTid?: bigint }): number;
  /** Copies the whole process into a child (fork); childTid, when given, receives the child's pid there. */
  fork?(request: { childTid?: bigint }): number;
  /** rt_sigreturn: restores the registers and mask the signal frame on the stack saved. */
  sigreturn?(): void;
  /** Sends a signal to one of the guest's own child processes; false when pid is not one. */
  signalChild?(pid: number, signal: number): boolean;
  /** wait4: [pid, wait status], [0, 0] under WNOHANG with nothing to report; throws ECHILD. */
  wait?(pid: number, options: number): [number, number];
}

export interface SegmentBases {
  getFsBase(): bigint;
  setFsBase(value: bigint): void;
  getGsBase(): bigint;
  setGsBase(value: bigint): void;
}

/** What the kernel knows of the program it started: for /proc/self and the auxiliary vector. */
export interface ProgramInfo {
  /** The program's path inside the guest root, as /proc/self/exe names it. */
  readonly exe: string;
  readonly argv: readonly string[];
  readonly envp: readonly string[];
  /** The auxiliary vector as the guest's stack holds it (pairs of 64-bit words, AT_NULL last). */
  readonly auxv: Uint8Array;
}

export interface SyscallContext {
  readonly mem: GuestMemory;
  readonly space: AddressSpace;
  readonly fds: FdTable;
  readonly process: GuestProcess;
  readonly cpu: SegmentBases;
  readonly host: HostIo;
  readonly program: ProgramInfo;
  /** Signal handlers, mask, pending set and altstack; the runtime always sets it, test fakes may not. */
  readonly signals?: SignalState;
  /** Guest root, cwd and umask; contexts built without it get a default rooted at '/'. */
  readonly fs?: GuestFs;
}

/** The six argument registers (rdi, rsi, rdx, r10, r8, r9) as unsigned 64-bit values. */
export type SyscallArgs = readonly bigint[];

/** Returns the result for RAX: a value, or -errno; numbers and bigints are both accepted. */
export type SyscallHandler = (ctx: SyscallContext, args: SyscallArgs) => bigint | number;
