// HostIo on Node's synchronous fs calls: guest syscalls block the emulator as they would block
// the guest. A non-blocking host stdin/stdout (EAGAIN) is waited on, since the guest asked to block.
import * as fs from 'fs';
import { HostIo } from './context';
import { Errno, SyscallError, errnoByName } from './errno';

const RETRY_WAIT_MS = 1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class NodeHostIo implements HostIo {
  read(fd: number, len: number): Uint8Array {
    const buffer = Buffer.allocUnsafe(len);
    const n = retryWhileBusy(() => fs.readSync(fd, buffer, 0, len, null));
    return buffer.subarray(0, n);
  }

  write(fd: number, bytes: Uint8Array): number {
    return retryWhileBusy(() => fs.writeSync(fd, bytes, 0, bytes.length, null));
  }
}

function retryWhileBusy(io: () => number): number {
  for (;;) {
    try {
      return io();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EINTR') {
        Atomics.wait(sleeper, 0, 0, RETRY_WAIT_MS);
        continue;
      }
      if (code === 'EOF') return 0;
      throw new SyscallError((code && errnoByName(code)) || Errno.EIO);
    }
  }
}
