// The one syscall table: each implemented syscall's argument kinds (for --strace), result kind
// and handler, keyed by name; numbers come from the name list. Dispatch and tracing both read it.
import { EXEC_SYSCALLS } from './exec';
import { FILE_SYSCALLS } from './files';
import { FUTEX_SYSCALLS } from './futex';
import { MISC_SYSCALLS } from './misc';
import { MEMORY_SYSCALLS } from './memory';
import { SYSCALL_NAMES, syscallNumber } from './names';
import { PROCESS_SYSCALLS } from './process';
import { PROCESS_TREE_SYSCALLS } from './process-tree';
import { SIGNAL_SYSCALLS } from './signals';
import { TIME_SYSCALLS } from './time';
import { SyscallSpec } from './spec';

export type { SyscallSpec } from './spec';

export interface SyscallEntry extends SyscallSpec {
  readonly nr: number;
  readonly name: string;
}

/** Each area's file declares its syscalls; a name declared twice is an error. */
const AREAS: ReadonlyArray<Readonly<Record<string, SyscallSpec>>> = [
  FILE_SYSCALLS, MEMORY_SYSCALLS, PROCESS_SYSCALLS, PROCESS_TREE_SYSCALLS, EXEC_SYSCALLS, SIGNAL_SYSCALLS, TIME_SYSCALLS, FUTEX_SYSCALLS, MISC_SYSCALLS,
];
const SPECS: Record<string, SyscallSpec> = {};
for (const area of AREAS) {
  for (const [name, spec] of Object.entries(area)) {
    if (SPECS[name]) throw new Error(`syscall table: ${name} is declared twice`);
    SPECS[name] = spec;
  }
}

export function buildSyscallTable(specs: Readonly<Record<string, SyscallSpec>>): ReadonlyMap<number, SyscallEntry> {
  const table = new Map<number, SyscallEntry>();
  for (const [name, spec] of Object.entries(specs)) {
    const nr = syscallNumber(name);
    if (nr === undefined) throw new Error(`syscall table: ${name} is not an x86-64 syscall`);
    table.set(nr, { ...spec, nr, name });
  }
  return table;
}

export const SYSCALL_TABLE = buildSyscallTable(SPECS);

/** The syscall's name for messages: its Linux name, or the number when Linux has none. */
export function syscallLabel(nr: number): string {
  return SYSCALL_NAMES[nr] ?? String(nr);
}
