// The FileBacking a file mapping holds: a host fd of its own on the mapped file (reopened through
// /proc/self/fd, so it is the same file even if renamed or unlinked), kept until the last mapping goes.
import * as fs from 'fs';
import { FileBacking } from '../src/memory/address-space';
import { hostCall } from './fs/host-call';

/** What makes two host fds the same file, for keeping shared mappings coherent with file I/O. */
export function fileIdentity(hostFd: number): string {
  const st = hostCall(() => fs.fstatSync(hostFd, { bigint: true }));
  return `${st.dev}:${st.ino}`;
}

export class MappedFile implements FileBacking {
  private readonly hostFd: number;
  private released = false;
  readonly identity: string;

  /** openHostFd is the guest open file's host fd; writesBack reopens it writable (MAP_SHARED of O_RDWR). */
  constructor(openHostFd: number, readonly writesBack: boolean) {
    this.hostFd = hostCall(() => fs.openSync(`/proc/self/fd/${openHostFd}`, writesBack ? 'r+' : 'r'));
    this.identity = fileIdentity(this.hostFd);
  }

  read(position: bigint, length: number): Uint8Array {
    // A mapping may be far larger than its file: read only what the file holds.
    const size = hostCall(() => fs.fstatSync(this.hostFd, { bigint: true })).size;
    if (position >= size) return new Uint8Array(0);
    if (BigInt(length) > size - position) length = Number(size - position);
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const n = hostCall(() => fs.readSync(this.hostFd, buffer, filled, length - filled, Number(position) + filled));
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  }

  write(position: bigint, bytes: Uint8Array): void {
    const size = hostCall(() => fs.fstatSync(this.hostFd, { bigint: true })).size;
    if (position >= size) return;
    const length = Number(size - position < BigInt(bytes.length) ? size - position : BigInt(bytes.length));
    let done = 0;
    while (done < length) {
      done += hostCall(() => fs.writeSync(this.hostFd, bytes, done, length - done, Number(position) + done));
    }
  }

  /** The host fd the mapping holds, for handing it to a forked child process. */
  get heldFd(): number { return this.hostFd; }

  release(): void {
    if (this.released) return;
    this.released = true;
    fs.closeSync(this.hostFd);
  }
}
