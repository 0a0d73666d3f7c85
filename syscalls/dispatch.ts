// Runs a guest syscall: finds it in the table, calls its handler, turns faults and errors into
// -errno for RAX, reports unimplemented syscalls once, and writes the --strace line.
import { GuestFault } from '../src/memory/guest-memory';
import { SyscallArgs, SyscallContext } from './context';
import { Errno, SyscallError } from './errno';
import { SYSCALL_NAMES } from './names';
import { SYSCALL_TABLE, SyscallEntry, syscallLabel } from './table';
import { formatArg, formatReturn } from './trace-format';
import { int64 } from './values';

export interface DispatcherOptions {
  /** Log every call as qemu-user -strace does. */
  readonly strace?: boolean;
  /** Receives "unimplemented syscall" notices (default: a line on stderr). */
  readonly report?: (message: string) => void;
  /** Receives strace text, a line in pieces: the call before the handler runs, the result after. */
  readonly trace?: (text: string) => void;
  readonly table?: ReadonlyMap<number, SyscallEntry>;
}

const writeStderr = (text: string): void => void process.stderr.write(text);

export class SyscallDispatcher {
  private readonly reported = new Set<number>();
  private readonly strace: boolean;
  private readonly report: (message: string) => void;
  private readonly trace: (text: string) => void;
  private readonly table: ReadonlyMap<number, SyscallEntry>;

  constructor(options: DispatcherOptions = {}) {
    this.strace = options.strace ?? false;
    this.report = options.report ?? ((message) => writeStderr(message + '\n'));
    this.trace = options.trace ?? writeStderr;
    this.table = options.table ?? SYSCALL_TABLE;
  }

  /** Returns the value for guest RAX: the result, or -errno as unsigned 64-bit two's complement. */
  dispatch(ctx: SyscallContext, nr: number, args: SyscallArgs): bigint {
    const entry = this.table.get(nr);
    if (this.strace) this.trace(`${ctx.process.pid} ${this.formatCall(ctx, nr, entry, args)}`);
    let result: bigint;
    if (entry) {
      result = this.run(ctx, entry, args);
    } else {
      this.reportUnimplemented(nr);
      result = -BigInt(Errno.ENOSYS);
    }
    if (this.strace && entry?.ret !== 'noreturn') this.trace(` = ${formatReturn(entry?.ret ?? 'int', result)}\n`);
    return BigInt.asUintN(64, result);
  }

  private run(ctx: SyscallContext, entry: SyscallEntry, args: SyscallArgs): bigint {
    try {
      return BigInt(entry.handler(ctx, args));
    } catch (error) {
      if (error instanceof GuestFault) return -BigInt(Errno.EFAULT);
      if (error instanceof SyscallError) return -BigInt(error.errno);
      throw error;
    }
  }

  private formatCall(ctx: SyscallContext, nr: number, entry: SyscallEntry | undefined, args: SyscallArgs): string {
    if (entry) {
      const shown = entry.args.map((kind, i) => formatArg(ctx, kind, args[i], args));
      return `${entry.name}(${shown.join(',')})` + (entry.ret === 'noreturn' ? '\n' : '');
    }
    const name = SYSCALL_NAMES[nr];
    // qemu prints syscalls it cannot decode with all six arguments as longs.
    if (name !== undefined) return `${name}(${args.map((arg) => String(int64(arg))).join(',')})`;
    return `Unknown syscall ${nr}`;
  }

  private reportUnimplemented(nr: number): void {
    if (this.reported.has(nr)) return;
    this.reported.add(nr);
    this.report(`ferry: unimplemented syscall ${syscallLabel(nr)} (reported once)`);
  }
}
