// Reads the files execve needs (the program, its #! interpreter, its ELF interpreter) by guest path,
// resolved inside the guest root like every other guest path.
import { readFileSync } from 'fs';
import { Errno, errnoMessage, SyscallError } from '../../syscalls/errno';
import { GuestFs } from '../../syscalls/fs/guest-fs';
import { ProcView } from '../../syscalls/fs/proc';
import { LoaderError } from '../loader/loader-error';

/** The program named on the command line does not exist (the shell's status 127). */
export class ProgramNotFound extends Error {}

export function execFileReader(fs: GuestFs): (guestPath: string) => Uint8Array {
  // No process exists yet, so nothing under /proc/self can be named.
  const view = { fs, get ctx(): never { throw new SyscallError(Errno.ENOENT); } } as unknown as ProcView;
  return (guestPath: string) => {
    let target;
    try {
      target = fs.resolve(view, fs.cwd, guestPath, { followLast: true });
    } catch (e) {
      if (e instanceof SyscallError) {
        if (e.errno === Errno.ENOENT) throw new ProgramNotFound(`${guestPath}: no such file`);
        throw new LoaderError(guestPath, (errnoMessage(e.errno) ?? `errno ${e.errno}`).toLowerCase());
      }
      throw e;
    }
    if (target.kind !== 'host') throw new LoaderError(guestPath, 'not a regular file');
    if (!target.stats) throw new ProgramNotFound(`${guestPath}: no such file`);
    if (target.stats.isDirectory()) throw new LoaderError(guestPath, 'is a directory');
    if (!target.stats.isFile()) throw new LoaderError(guestPath, 'not a regular file');
    try {
      return readFileSync(target.hostPath);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new LoaderError(guestPath, code === 'EACCES' ? 'permission denied' : (e as Error).message);
    }
  };
}
