// execve and execveat: the new program is found and checked inside the guest root as the kernel does
// before its point of no return (errors go back to the caller); then the process layer replaces the image.
import { accessSync, constants as fsConstants, readFileSync } from 'fs';
import { ElfFile } from '../src/elf/elf';
import { ElfError } from '../src/elf/elf-error';
import { LoaderError } from '../src/loader/loader-error';
import { resolveScript } from '../src/loader/program-loader';
import { SyscallArgs, SyscallContext } from './context';
import { Errno, SyscallError } from './errno';
import { readGuest, readGuestCString } from './guest-access';
import { baseDirectory, guestFs, procView, readPath } from './fs/fs-state';
import { SyscallSpec } from './spec';
import { int32 } from './values';

/** The kernel's limits on execve's argument and environment strings. */
const MAX_ARG_STRLEN = 32 * 4096;
const MAX_ARG_BYTES = 2 * 1024 * 1024;
const MAX_ARG_STRINGS = 0x7fff_ffff;
const AT_EMPTY_PATH = 0x1000;
const AT_SYMLINK_NOFOLLOW = 0x100;

/** What execve hands the process layer: the program as resolved, and its argv (with #! interpreters). */
export interface ExecImage {
  readonly elf: ElfFile;
  /** The path the guest named, for AT_EXECFN and /proc/self/exe. */
  readonly path: string;
  /** The ELF file actually loaded: path, or the #! interpreter that runs it. */
  readonly program: string;
  readonly argv: string[];
  readonly envp: string[];
}

/** A NULL-terminated array of C-string pointers (argv, envp); E2BIG past the kernel's limits. */
function readStringArray(ctx: SyscallContext, addr: bigint, budget: { bytes: number }): string[] {
  const out: string[] = [];
  if (addr === 0n) return out;
  for (let i = 0; ; i++) {
    if (i >= MAX_ARG_STRINGS) throw new SyscallError(Errno.E2BIG);
    const pointer = new DataView(readGuest(ctx, addr + BigInt(i * 8), 8).slice().buffer).getBigUint64(0, true);
    if (pointer === 0n) return out;
    const { bytes, truncated } = readGuestCString(ctx, pointer, MAX_ARG_STRLEN);
    if (truncated) throw new SyscallError(Errno.E2BIG);
    budget.bytes += bytes.length + 1 + 8;
    if (budget.bytes > MAX_ARG_BYTES) throw new SyscallError(Errno.E2BIG);
    out.push(Buffer.from(bytes).toString('utf8'));
  }
}

/** Reads a file for exec: it must resolve inside the root to a regular file the caller may execute. */
function programReader(ctx: SyscallContext, base: string, followLast: boolean): (guestPath: string) => Uint8Array {
  return (guestPath) => {
    const fs = guestFs(ctx);
    const target = fs.resolve(procView(ctx), guestPath.startsWith('/') ? '/' : base, guestPath, { followLast });
    if (target.kind === 'virtual' && target.node.type === 'link') throw new SyscallError(Errno.ELOOP);
    if (target.kind !== 'host') throw new SyscallError(Errno.EACCES);
    if (!target.stats) throw new SyscallError(Errno.ENOENT);
    if (!target.stats.isFile()) throw new SyscallError(Errno.EACCES);
    try {
      accessSync(target.hostPath, fsConstants.X_OK);
      return readFileSync(target.hostPath);
    } catch {
      throw new SyscallError(Errno.EACCES);
    }
  };
}

function execProgram(ctx: SyscallContext, path: string, base: string, argvAddr: bigint, envpAddr: bigint, followLast: boolean): number {
  if (!ctx.process.exec) return -Errno.ENOSYS;
  const budget = { bytes: 0 };
  const argv = readStringArray(ctx, argvAddr, budget);
  const envp = readStringArray(ctx, envpAddr, budget);
  const read = programReader(ctx, base, followLast);
  let resolved;
  try {
    resolved = resolveScript(read, { path, argv: argv.length ? argv : [''] });
    // The kernel opens the interpreter before the point of no return: a missing one is ENOENT here.
    if (resolved.elf.interpreter) read(resolved.elf.interpreter);
  } catch (e) {
    if (e instanceof ElfError) return -Errno.ENOEXEC;
    if (e instanceof LoaderError) return -(e.message.includes('levels') ? Errno.ELOOP : Errno.ENOEXEC);
    throw e;
  }
  // An empty argv gets an empty argv[0] from Linux too (since 5.18) so that argc is never 0.
  ctx.process.exec({ elf: resolved.elf, path, program: resolved.path, argv: resolved.argv, envp });
  return 0;
}

export function sysExecve(ctx: SyscallContext, [pathAddr, argvAddr, envpAddr]: SyscallArgs): number {
  const path = readPath(ctx, pathAddr);
  if (path === '') return -Errno.ENOENT;
  return execProgram(ctx, path, guestFs(ctx).cwd, argvAddr, envpAddr, true);
}

export function sysExecveat(ctx: SyscallContext, [dirfd, pathAddr, argvAddr, envpAddr, flags]: SyscallArgs): number {
  const bits = int32(flags);
  if (bits & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return -Errno.EINVAL;
  const path = readPath(ctx, pathAddr);
  if (path === '' && !(bits & AT_EMPTY_PATH)) return -Errno.ENOENT;
  if (path === '') return -Errno.ENOSYS; // executing an open fd is not supported yet
  return execProgram(ctx, path, baseDirectory(ctx, dirfd, path), argvAddr, envpAddr, !(bits & AT_SYMLINK_NOFOLLOW));
}

export const EXEC_SYSCALLS: Record<string, SyscallSpec> = {
  execve: { args: ['string', 'ptr', 'ptr'], ret: 'int', handler: sysExecve },
  execveat: { args: ['dirfd', 'string', 'ptr', 'ptr', 'hex'], ret: 'int', handler: sysExecveat },
};
