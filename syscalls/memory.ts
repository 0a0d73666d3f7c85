// Syscall handlers for the address space: mmap (anonymous only so far), munmap, mprotect,
// mremap and brk, which pass the kernel's argument types through to AddressSpace.
import { SyscallSpec } from './spec';
import { ArgKind, MREMAP_FLAG_NAMES, PROT_NAMES } from './trace-format';
import { MAP_ANONYMOUS } from '../src/memory/address-space';
import { PAGE_MASK } from '../src/memory/guest-memory';
import { SyscallArgs, SyscallContext } from './context';
import { Errno } from './errno';
import { int32, uint32 } from './values';

export function sysMmap(ctx: SyscallContext, [addr, len, prot, flags, fd, offset]: SyscallArgs): bigint | number {
  if (offset & PAGE_MASK) return -Errno.EINVAL;
  const flagBits = uint32(flags);
  if (!(flagBits & MAP_ANONYMOUS)) {
    if (ctx.fds.hostFd(int32(fd)) === undefined) return -Errno.EBADF;
    // File mappings arrive with the code cache work.
    return -Errno.ENODEV;
  }
  return ctx.space.mmap(addr, len, uint32(prot), flagBits);
}

export function sysMunmap(ctx: SyscallContext, [addr, len]: SyscallArgs): number {
  return ctx.space.munmap(addr, len);
}

export function sysMprotect(ctx: SyscallContext, [addr, len, prot]: SyscallArgs): number {
  return ctx.space.mprotect(addr, len, uint32(prot));
}

export function sysMremap(ctx: SyscallContext, [oldAddr, oldLen, newLen, flags, newAddr]: SyscallArgs): bigint {
  return ctx.space.mremap(oldAddr, oldLen, newLen, uint32(flags), newAddr);
}

export function sysBrk(ctx: SyscallContext, [newEnd]: SyscallArgs): bigint {
  return ctx.space.brk(newEnd);
}

const prot: ArgKind = { flags: PROT_NAMES };

export const MEMORY_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  mmap: { args: ['ptr', 'size', prot, 'mmapFlags', 'fd', 'long'], ret: 'addr', handler: sysMmap },
  munmap: { args: ['ptr', 'size'], ret: 'int', handler: sysMunmap },
  mprotect: { args: ['ptr', 'size', prot], ret: 'int', handler: sysMprotect },
  mremap: { args: ['ptr', 'size', 'size', { flags: MREMAP_FLAG_NAMES }, 'ptr'], ret: 'addr', handler: sysMremap },
  brk: { args: ['ptr'], ret: 'addr', handler: sysBrk },
};
