// Signal bookkeeping per process (handlers, blocked mask, pending set, alternate stack) and the
// syscalls that read and set it. Delivery to guest handlers is not implemented yet: see sendToSelf.
import { SyscallSpec } from './spec';
import { SyscallArgs, SyscallContext } from './context';
import { Errno, SyscallError } from './errno';
import { readGuest, writeGuest } from './guest-access';
import { int32, int64 } from './values';

export const NSIG = 64;
export const SIGNALS = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
} as const;
const { SIGKILL, SIGSTOP, SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU } = SIGNALS;
/** Signals whose default action is to do nothing; the stop signals are treated alike (no job control). */
const IGNORED_BY_DEFAULT: ReadonlySet<number> = new Set([SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]);

/** siginfo si_code values: sent by kill (or the kernel for the process), by tkill/tgkill. */
export const SI_USER = 0;
export const SI_TKILL = -6;
export const SA_ONSTACK = 0x0800_0000n;
export const SA_NODEFER = 0x4000_0000n;
export const SA_RESETHAND = 0x8000_0000n;
export const SIG_DFL = 0n;
export const SIG_IGN = 1n;
export const SIGPROCMASK_HOW = { SIG_BLOCK: 0, SIG_UNBLOCK: 1, SIG_SETMASK: 2 } as const;
export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;
export const SS_AUTODISARM = 0x8000_0000;
export const MINSIGSTKSZ = 2048;
/** x86-64 struct sigaction as the kernel reads it: handler, flags, restorer, mask. */
const KERNEL_SIGACTION_SIZE = 32;
const SIGSET_SIZE = 8;
const STACK_T_SIZE = 24;
/** SIGKILL and SIGSTOP can be neither blocked nor caught. */
const UNBLOCKABLE = bit(SIGKILL) | bit(SIGSTOP);

export interface SignalAction {
  readonly handler: bigint;
  readonly flags: bigint;
  readonly restorer: bigint;
  readonly mask: bigint;
}

export interface AltStack {
  readonly sp: bigint;
  readonly flags: number;
  readonly size: bigint;
}

const DEFAULT_ACTION: SignalAction = { handler: SIG_DFL, flags: 0n, restorer: 0n, mask: 0n };

/** One process's signal state (threads will each get their own mask and altstack later). */
export class SignalState {
  private readonly actions = new Map<number, SignalAction>();
  /** Bit (signal - 1) set: blocked. */
  blocked = 0n;
  /** Signals sent while blocked, or to a handler Ferry cannot run yet. */
  pending = 0n;
  altStack: AltStack = { sp: 0n, flags: SS_DISABLE, size: 0n };
  /** si_code each pending signal was sent with. */
  readonly codes = new Map<number, number>();

  action(signal: number): SignalAction {
    return this.actions.get(signal) ?? DEFAULT_ACTION;
  }

  setAction(signal: number, action: SignalAction): void {
    this.actions.set(signal, action);
  }

  setBlocked(mask: bigint): void {
    this.blocked = BigInt.asUintN(64, mask) & ~UNBLOCKABLE;
  }

  /**
   * The next signal a guest handler should run for (pending, not blocked, caught), taken off the
   * pending set with the mask the handler runs under applied, as the kernel does when it builds the
   * signal frame. Returns the mask to restore at rt_sigreturn with it.
   */
  takeCaught(): { signal: number; code: number; action: SignalAction; oldMask: bigint } | undefined {
    const deliverable = this.pending & ~this.blocked;
    if (deliverable === 0n) return undefined; // the common case: runs after every syscall
    for (let signal = 1; signal <= NSIG; signal++) {
      if (!(deliverable & bit(signal))) continue;
      const action = this.action(signal);
      if (action.handler === SIG_DFL || action.handler === SIG_IGN) continue;
      this.pending &= ~bit(signal);
      return { signal, code: this.codes.get(signal) ?? SI_USER, ...this.enterHandler(signal, action) };
    }
    return undefined;
  }

  /**
   * A fault the CPU raised (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP): its handler runs now if it has
   * one and the signal is not blocked; otherwise undefined, and the kernel's rule applies (the fault
   * kills the process, even when blocked or ignored).
   */
  takeFault(signal: number): { action: SignalAction; oldMask: bigint } | undefined {
    const action = this.action(signal);
    if (action.handler === SIG_DFL || action.handler === SIG_IGN || this.blocked & bit(signal)) return undefined;
    return this.enterHandler(signal, action);
  }

  /** The mask the handler runs under, applied as the kernel does when it builds the frame. */
  private enterHandler(signal: number, action: SignalAction): { action: SignalAction; oldMask: bigint } {
    const oldMask = this.blocked;
    this.setBlocked(this.blocked | action.mask | (action.flags & SA_NODEFER ? 0n : bit(signal)));
    if (action.flags & SA_RESETHAND) this.actions.set(signal, DEFAULT_ACTION);
    return { action, oldMask };
  }

  /** A child's copy (vfork): the same actions and mask, nothing pending. */
  copyForChild(): SignalState {
    const copy = new SignalState();
    for (const [signal, action] of this.actions) copy.actions.set(signal, action);
    copy.blocked = this.blocked;
    return copy;
  }

  /** What execve keeps: ignored signals stay ignored, caught ones go back to default; mask and pending stay. */
  afterExec(): void {
    for (const [signal, action] of this.actions) {
      if (action.handler !== SIG_IGN) this.actions.set(signal, DEFAULT_ACTION);
    }
    this.altStack = { sp: 0n, flags: SS_DISABLE, size: 0n };
  }
}

function bit(signal: number): bigint {
  return 1n << BigInt(signal - 1);
}

/** The context's signal state; every runtime context has one, fakes in tests may not. */
export function signalsOf(ctx: SyscallContext): SignalState {
  if (!ctx.signals) throw new SyscallError(Errno.ENOSYS);
  return ctx.signals;
}

function checkSigsetSize(size: bigint): void {
  if (size !== BigInt(SIGSET_SIZE)) throw new SyscallError(Errno.EINVAL);
}

function readU64s(ctx: SyscallContext, addr: bigint, count: number): bigint[] {
  const view = new DataView(readGuest(ctx, addr, count * 8).buffer);
  return Array.from({ length: count }, (_, i) => view.getBigUint64(i * 8, true));
}

function u64Bytes(...values: bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigUint64(i * 8, BigInt.asUintN(64, v), true));
  return out;
}

export function sysRtSigaction(ctx: SyscallContext, [sigArg, act, oldact, sigsetsize]: SyscallArgs): number {
  checkSigsetSize(sigsetsize);
  const signal = int32(sigArg);
  if (signal < 1 || signal > NSIG) return -Errno.EINVAL;
  if (act !== 0n && (signal === SIGKILL || signal === SIGSTOP)) return -Errno.EINVAL;
  const state = signalsOf(ctx);
  const previous = state.action(signal);
  // The kernel reads the new action before it writes the old one (they may be the same buffer).
  const next = act === 0n ? undefined : readU64s(ctx, act, KERNEL_SIGACTION_SIZE / 8);
  if (oldact !== 0n) writeGuest(ctx, oldact, u64Bytes(previous.handler, previous.flags, previous.restorer, previous.mask));
  if (next) {
    const [handler, flags, restorer, mask] = next;
    state.setAction(signal, { handler, flags, restorer, mask: mask & ~UNBLOCKABLE });
    // Setting SIG_IGN (or SIG_DFL for a default-ignored signal) discards it if pending.
    if (handler === SIG_IGN || (handler === SIG_DFL && IGNORED_BY_DEFAULT.has(signal))) state.pending &= ~bit(signal);
  }
  return 0;
}

export function sysRtSigprocmask(ctx: SyscallContext, [how, set, oldset, sigsetsize]: SyscallArgs): number {
  checkSigsetSize(sigsetsize);
  const state = signalsOf(ctx);
  const previous = state.blocked;
  if (set !== 0n) {
    const [mask] = readU64s(ctx, set, 1);
    switch (int32(how)) {
      case SIGPROCMASK_HOW.SIG_BLOCK: state.setBlocked(previous | mask); break;
      case SIGPROCMASK_HOW.SIG_UNBLOCK: state.setBlocked(previous & ~mask); break;
      case SIGPROCMASK_HOW.SIG_SETMASK: state.setBlocked(mask); break;
      default: return -Errno.EINVAL;
    }
  }
  if (oldset !== 0n) writeGuest(ctx, oldset, u64Bytes(previous));
  deliverUnblocked(ctx, state);
  return 0;
}

export function sysRtSigpending(ctx: SyscallContext, [set, sigsetsize]: SyscallArgs): number {
  if (sigsetsize > BigInt(SIGSET_SIZE)) return -Errno.EINVAL;
  const bytes = u64Bytes(signalsOf(ctx).pending).subarray(0, Number(sigsetsize));
  writeGuest(ctx, set, bytes);
  return 0;
}

export function sysSigaltstack(ctx: SyscallContext, [ss, oldss]: SyscallArgs): number {
  const state = signalsOf(ctx);
  const previous = state.altStack;
  let next: AltStack | undefined;
  if (ss !== 0n) {
    const view = new DataView(readGuest(ctx, ss, STACK_T_SIZE).buffer);
    const sp = view.getBigUint64(0, true);
    const flags = view.getInt32(8, true) >>> 0;
    const size = view.getBigUint64(16, true);
    const mode = flags & ~SS_AUTODISARM;
    if (mode !== 0 && mode !== SS_DISABLE && mode !== SS_ONSTACK) return -Errno.EINVAL;
    if (mode === SS_DISABLE) next = { sp: 0n, flags: SS_DISABLE, size: 0n };
    else if (size < BigInt(MINSIGSTKSZ)) return -Errno.ENOMEM;
    else next = { sp, flags: flags & SS_AUTODISARM, size };
  }
  if (oldss !== 0n) {
    // Ferry never runs on the alternate stack (no delivery), so SS_ONSTACK is never reported.
    const out = new Uint8Array(STACK_T_SIZE);
    const view = new DataView(out.buffer);
    view.setBigUint64(0, previous.sp, true);
    view.setUint32(8, previous.flags >>> 0, true);
    view.setBigUint64(16, previous.size, true);
    writeGuest(ctx, oldss, out);
  }
  if (next) state.altStack = next;
  return 0;
}

/**
 * A signal sent to the guest itself. With the default action: ignored, or the guest ends with it
 * (through ctx.process.kill). With SIG_IGN: discarded. Caught by a guest handler: pending until the
 * syscall returns, when the process layer runs the handler; blocked: pending until unblocked.
 */
export function sendToSelf(ctx: SyscallContext, signal: number, code = SI_USER): void {
  const state = signalsOf(ctx);
  const { handler } = state.action(signal);
  if (handler === SIG_IGN && signal !== SIGKILL) return;
  if (handler === SIG_DFL && IGNORED_BY_DEFAULT.has(signal) && signal !== SIGSTOP) return;
  if (signal === SIGSTOP) return; // no job control: nothing can continue a stopped guest
  state.pending |= bit(signal);
  state.codes.set(signal, code);
  deliverUnblocked(ctx, state);
}

/** Acts on pending, unblocked signals whose default action ends the process. */
function deliverUnblocked(ctx: SyscallContext, state: SignalState): void {
  const deliverable = state.pending & ~state.blocked;
  for (let signal = 1; signal <= NSIG; signal++) {
    if (!(deliverable & bit(signal))) continue;
    if (state.action(signal).handler !== SIG_DFL) continue; // a guest handler: stays pending
    state.pending &= ~bit(signal);
    if (!ctx.process.kill) throw new SyscallError(Errno.ENOSYS);
    ctx.process.kill(signal);
    return;
  }
}

function checkSignalNumber(signal: number): void {
  if (signal < 0 || signal > NSIG) throw new SyscallError(Errno.EINVAL);
}

/** Only the guest itself and its own children can be signalled: other processes are outside Ferry's reach. */
export function sysKill(ctx: SyscallContext, [pidArg, sigArg]: SyscallArgs): number {
  const signal = int32(sigArg);
  checkSignalNumber(signal);
  const pid = int32(pidArg);
  if (pid > 0 && pid !== ctx.process.pid && ctx.process.signalChild?.(pid, signal)) return 0;
  // 0 is the guest's process group, which holds the guest. -1 (everyone but the caller) and other
  // processes are refused: a guest must not reach the host's processes.
  if (pid !== ctx.process.pid && pid !== 0 && pid !== -ctx.process.pid) return -Errno.ESRCH;
  if (signal !== 0) sendToSelf(ctx, signal);
  return 0;
}

export function sysTgkill(ctx: SyscallContext, [tgid, tid, sigArg]: SyscallArgs): number {
  const signal = int32(sigArg);
  if (int64(tgid) <= 0n || int64(tid) <= 0n) return -Errno.EINVAL;
  checkSignalNumber(signal);
  if (int32(tgid) !== ctx.process.pid || int32(tid) !== ctx.process.pid) return -Errno.ESRCH;
  if (signal !== 0) sendToSelf(ctx, signal, SI_TKILL);
  return 0;
}

export function sysTkill(ctx: SyscallContext, [tid, sigArg]: SyscallArgs): number {
  return sysTgkill(ctx, [BigInt(ctx.process.pid), tid, sigArg]);
}

const signalArg = { values: Object.entries(SIGNALS) };
const howArg = { values: Object.entries(SIGPROCMASK_HOW) };

/** rt_sigreturn: the process layer restores what the signal frame saved (registers and mask). */
export function sysRtSigreturn(ctx: SyscallContext): number {
  if (!ctx.process.sigreturn) return -Errno.ENOSYS;
  ctx.process.sigreturn();
  // The restored mask may unblock a signal raised inside the handler (sort re-raises SIGPIPE so).
  deliverUnblocked(ctx, signalsOf(ctx));
  return 0;
}

export const SIGNAL_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  rt_sigaction: { args: [signalArg, 'ptr', 'ptr', 'size'], ret: 'int', handler: sysRtSigaction },
  rt_sigreturn: { args: [], ret: 'noreturn', handler: sysRtSigreturn },
  rt_sigprocmask: { args: [howArg, 'ptr', 'ptr', 'size'], ret: 'int', handler: sysRtSigprocmask },
  rt_sigpending: { args: ['ptr', 'size'], ret: 'int', handler: sysRtSigpending },
  sigaltstack: { args: ['ptr', 'ptr'], ret: 'int', handler: sysSigaltstack },
  kill: { args: ['int', signalArg], ret: 'int', handler: sysKill },
  tgkill: { args: ['int', 'int', signalArg], ret: 'int', handler: sysTgkill },
  tkill: { args: ['int', signalArg], ret: 'int', handler: sysTkill },
};
