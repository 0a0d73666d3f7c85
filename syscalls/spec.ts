// The shape of one syscall's declaration: argument kinds and result kind (for --strace) and handler.
// Each area file (files, memory, process, ...) exports a record of these; table.ts merges them.
import { SyscallHandler } from './context';
import { ArgKind, ReturnKind } from './trace-format';

export interface SyscallSpec {
  readonly args: readonly ArgKind[];
  readonly ret: ReturnKind;
  readonly handler: SyscallHandler;
}
