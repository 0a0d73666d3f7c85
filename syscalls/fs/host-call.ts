// Runs one of Node's synchronous fs calls for a guest syscall: a host error becomes SyscallError
// with the same errno, since host and guest are both Linux.
import { Errno, SyscallError, errnoByName } from '../errno';

export function hostCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw asSyscallError(error);
  }
}

export function asSyscallError(error: unknown): unknown {
  if (error instanceof SyscallError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('E')) return error;
  return new SyscallError(errnoByName(code) ?? Errno.EIO);
}
