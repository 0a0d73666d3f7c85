// Syscall handlers for the process itself: exit, exit_group, getpid, uname and arch_prctl
// (the FS and GS bases that TLS lives on).
import { SyscallSpec } from './spec';
import * as os from 'os';
import { TASK_SIZE } from '../src/memory/address-space';
import { SyscallArgs, SyscallContext } from './context';
import { Errno } from './errno';
import { writeGuest, writeGuestU64 } from './guest-access';
import { int32 } from './values';

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

export const PROCESS_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  exit: { args: ['int'], ret: 'noreturn', handler: sysExit },
  exit_group: { args: ['int'], ret: 'noreturn', handler: sysExitGroup },
  getpid: { args: [], ret: 'int', handler: sysGetpid },
  uname: { args: ['ptr'], ret: 'int', handler: sysUname },
  arch_prctl: { args: [{ values: Object.entries(ARCH_PRCTL_CODES) }, 'ptr'], ret: 'int', handler: sysArchPrctl },
};
