// The one syscall table: each implemented syscall's argument kinds (for --strace), result kind
// and handler, keyed by name; numbers come from the name list. Dispatch and tracing both read it.
import { SyscallHandler } from './context';
import { sysRead, sysWrite, sysWritev } from './files';
import { sysBrk, sysMmap, sysMprotect, sysMremap, sysMunmap } from './memory';
import { SYSCALL_NAMES, syscallNumber } from './names';
import { ARCH_PRCTL_CODES, sysArchPrctl, sysExit, sysExitGroup, sysGetpid, sysUname } from './process';
import { ArgKind, MREMAP_FLAG_NAMES, PROT_NAMES, ReturnKind } from './trace-format';

export interface SyscallSpec {
  readonly args: readonly ArgKind[];
  readonly ret: ReturnKind;
  readonly handler: SyscallHandler;
}

export interface SyscallEntry extends SyscallSpec {
  readonly nr: number;
  readonly name: string;
}

const prot: ArgKind = { flags: PROT_NAMES };

const SPECS: Readonly<Record<string, SyscallSpec>> = {
  read: { args: ['fd', 'ptr', 'size'], ret: 'int', handler: sysRead },
  write: { args: ['fd', { buffer: 2 }, 'size'], ret: 'int', handler: sysWrite },
  writev: { args: ['fd', 'ptr', 'int'], ret: 'int', handler: sysWritev },
  mmap: { args: ['ptr', 'size', prot, 'mmapFlags', 'fd', 'long'], ret: 'addr', handler: sysMmap },
  munmap: { args: ['ptr', 'size'], ret: 'int', handler: sysMunmap },
  mprotect: { args: ['ptr', 'size', prot], ret: 'int', handler: sysMprotect },
  mremap: { args: ['ptr', 'size', 'size', { flags: MREMAP_FLAG_NAMES }, 'ptr'], ret: 'addr', handler: sysMremap },
  brk: { args: ['ptr'], ret: 'addr', handler: sysBrk },
  exit: { args: ['int'], ret: 'noreturn', handler: sysExit },
  exit_group: { args: ['int'], ret: 'noreturn', handler: sysExitGroup },
  getpid: { args: [], ret: 'int', handler: sysGetpid },
  uname: { args: ['ptr'], ret: 'int', handler: sysUname },
  arch_prctl: { args: [{ values: Object.entries(ARCH_PRCTL_CODES) }, 'ptr'], ret: 'int', handler: sysArchPrctl },
};

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
