// Syscall handlers for the address space: mmap (anonymous, files and /dev/zero), munmap,
// mprotect, mremap, brk, msync, madvise and mincore, passing the kernel's argument types to AddressSpace.
import * as fs from 'fs';
import { SyscallSpec } from './spec';
import { ArgKind, MREMAP_FLAG_NAMES, PROT_NAMES } from './trace-format';
import {
  MADVICE, MAP_ANONYMOUS, MAP_FLAGS, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE, MSYNC_FLAGS,
} from '../src/memory/address-space';
import { PAGE_MASK, PAGE_SIZE, PROT_WRITE, pageUp } from '../src/memory/guest-memory';
import { SyscallArgs, SyscallContext } from './context';
import { Errno } from './errno';
import { OpenFile } from './fd-table';
import { O_ACCMODE, O_RDWR, O_WRONLY, S_IFCHR, S_IFMT, S_IFREG } from './fs/constants';
import { DEVICE_RDEV } from './fs/virtual-file';
import { writeGuest } from './guest-access';
import { MappedFile } from './mapped-file';
import { int32, uint32 } from './values';

const MAX_LFS_FILESIZE = (1n << 63n) - 1n;
/** The flags MAP_SHARED_VALIDATE accepts: all but MAP_SYNC, which only DAX files support. */
const VALIDATED_FLAGS = Object.values(MAP_FLAGS).reduce((all, bit) => all | bit, 0) & ~MAP_FLAGS.MAP_SYNC;

/** What the file is: the open file's own stat, else its host fd's (stdio files may not stat). */
function fileType(file: OpenFile): { mode: number; rdev: bigint } | undefined {
  try {
    return file.stat();
  } catch {
    if (file.hostFd === undefined) return undefined;
    const stats = fs.fstatSync(file.hostFd, { bigint: true });
    return { mode: Number(stats.mode), rdev: stats.rdev };
  }
}

/** How a file can be mapped: its bytes, /dev/zero's zero pages, or not at all (ENODEV). */
function mappingKind(file: OpenFile): 'file' | 'zero' | undefined {
  const type = fileType(file);
  if (!type) return undefined;
  const { mode, rdev } = type;
  if ((mode & S_IFMT) === S_IFREG) {
    // Regular files Ferry synthesizes stand for procfs files, which the kernel cannot map.
    return file.hostFd === undefined ? undefined : 'file';
  }
  return (mode & S_IFMT) === S_IFCHR && rdev === DEVICE_RDEV.zero ? 'zero' : undefined;
}

export function sysMmap(ctx: SyscallContext, [addr, len, protArg, flags, fd, offset]: SyscallArgs): bigint | number {
  if (offset & PAGE_MASK) return -Errno.EINVAL;
  const flagBits = uint32(flags);
  const prot = uint32(protArg);
  if (flagBits & MAP_ANONYMOUS) return ctx.space.mmap(addr, len, prot, flagBits);

  const file = ctx.fds.get(int32(fd));
  if (!file) return -Errno.EBADF;
  if (len === 0n) return -Errno.EINVAL;
  const type = flagBits & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -Errno.EINVAL;
  if (type === MAP_SHARED_VALIDATE && flagBits & ~VALIDATED_FLAGS) return -Errno.EOPNOTSUPP;
  // The kernel checks the open mode before it asks the file whether it can be mapped at all.
  const accessMode = file.statusFlags & O_ACCMODE;
  const shared = type !== MAP_PRIVATE;
  if (shared && prot & PROT_WRITE && accessMode !== O_RDWR) return -Errno.EACCES;
  if (accessMode === O_WRONLY) return -Errno.EACCES;
  const kind = mappingKind(file);
  if (kind === undefined) return -Errno.ENODEV;
  if (kind === 'zero') {
    return ctx.space.mmap(addr, len, prot, (flagBits & ~MAP_TYPE) | (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS);
  }
  // No file reaches past MAX_LFS_FILESIZE, so no mapping of one may either.
  if (offset + pageUp(len) > MAX_LFS_FILESIZE) return -Errno.EOVERFLOW;

  const backing = new MappedFile(file.hostFd!, shared && accessMode === O_RDWR);
  const result = ctx.space.mmap(addr, len, prot, flagBits, file.path, offset, backing);
  if (result < 0n) backing.release();
  return result;
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

export function sysMsync(ctx: SyscallContext, [addr, len, flags]: SyscallArgs): number {
  return ctx.space.msync(addr, len, int32(flags));
}

export function sysMadvise(ctx: SyscallContext, [addr, len, advice]: SyscallArgs): number {
  return ctx.space.madvise(addr, len, int32(advice));
}

/** Every mapped page is resident: Ferry's guest memory is never paged out. */
export function sysMincore(ctx: SyscallContext, [addr, len, vec]: SyscallArgs): number {
  if (addr & PAGE_MASK) return -Errno.EINVAL;
  const size = pageUp(len);
  if (!ctx.space.isMapped(addr, size)) return -Errno.ENOMEM;
  writeGuest(ctx, vec, new Uint8Array(Number(size / BigInt(PAGE_SIZE))).fill(1));
  return 0;
}

const prot: ArgKind = { flags: PROT_NAMES };

export const MEMORY_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  mmap: { args: ['ptr', 'size', prot, 'mmapFlags', 'fd', 'long'], ret: 'addr', handler: sysMmap },
  munmap: { args: ['ptr', 'size'], ret: 'int', handler: sysMunmap },
  mprotect: { args: ['ptr', 'size', prot], ret: 'int', handler: sysMprotect },
  mremap: { args: ['ptr', 'size', 'size', { flags: MREMAP_FLAG_NAMES }, 'ptr'], ret: 'addr', handler: sysMremap },
  brk: { args: ['ptr'], ret: 'addr', handler: sysBrk },
  msync: { args: ['ptr', 'size', { flags: Object.entries(MSYNC_FLAGS) }], ret: 'int', handler: sysMsync },
  madvise: { args: ['ptr', 'size', { values: Object.entries(MADVICE) }], ret: 'int', handler: sysMadvise },
  mincore: { args: ['ptr', 'size', 'ptr'], ret: 'int', handler: sysMincore },
};
