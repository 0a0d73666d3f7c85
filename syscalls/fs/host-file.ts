// Open files backed by a host fd (regular files, directories, pipes, ttys): byte I/O goes through
// the host fd so its offset is the description's offset; directories also keep a listing cursor.
import * as fs from 'fs';
import { HostIo } from '../context';
import { Errno, SyscallError } from '../errno';
import { OpenFile, StatInfo } from '../fd-table';
import { O_ACCMODE, O_APPEND, O_NONBLOCK, O_WRONLY, SEEK } from './constants';
import { hostCall } from './host-call';
import { hostLseek } from './libc';

export function statInfo(stats: fs.BigIntStats): StatInfo {
  return {
    dev: stats.dev, ino: stats.ino, mode: Number(stats.mode), nlink: stats.nlink, uid: Number(stats.uid),
    gid: Number(stats.gid), rdev: stats.rdev, size: stats.size, blksize: stats.blksize, blocks: stats.blocks,
    atimeNs: stats.atimeNs, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs, birthtimeNs: stats.birthtimeNs,
  };
}

export class HostFile implements OpenFile {
  /** For directories: how many entries getdents64 has returned (the d_off cursor). */
  directoryCursor = 0;

  /**
   * hostPath is where the file was opened (directories are listed by it); closeOnRelease is false
   * for the host's own stdio, which Ferry must keep open.
   */
  constructor(
    readonly hostFd: number,
    readonly path: string,
    public statusFlags: number,
    readonly hostPath: string | undefined,
    private readonly closeOnRelease = true,
  ) {}

  read(io: HostIo, length: number): Uint8Array {
    this.checkReadable();
    // A guest that asked for O_NONBLOCK wants EAGAIN, not the wait HostIo does for blocking reads.
    if (this.statusFlags & O_NONBLOCK) {
      const buffer = Buffer.alloc(length);
      return buffer.subarray(0, hostCall(() => fs.readSync(this.hostFd, buffer, 0, length, null)));
    }
    return io.read(this.hostFd, length);
  }

  write(io: HostIo, bytes: Uint8Array): number {
    this.checkWritable();
    // The host fd was opened with O_APPEND when the guest asked, so the host appends atomically.
    return io.write(this.hostFd, bytes);
  }

  pread(length: number, position: number): Uint8Array {
    const buffer = Buffer.alloc(length);
    let filled = 0;
    // A host pread may return short on a large request; only end of file stops it.
    while (filled < length) {
      const n = hostCall(() => fs.readSync(this.hostFd, buffer, filled, length - filled, position + filled));
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  }

  pwrite(bytes: Uint8Array, position: number): number {
    this.checkWritable();
    return hostCall(() => fs.writeSync(this.hostFd, bytes, 0, bytes.length, position));
  }

  seek(offset: bigint, whence: number): bigint {
    const result = hostLseek(this.hostFd, offset, whence);
    if (this.isDirectory() && whence === SEEK.SEEK_SET) this.directoryCursor = Number(offset);
    return result;
  }

  size(): number {
    return Number(this.stat().size);
  }

  stat(): StatInfo {
    return statInfo(hostCall(() => fs.fstatSync(this.hostFd, { bigint: true })));
  }

  isDirectory(): boolean {
    return this.hostPath !== undefined && (this.stat().mode & 0o170000) === 0o40000;
  }

  close(): void {
    if (this.closeOnRelease) hostCall(() => fs.closeSync(this.hostFd));
  }

  private checkReadable(): void {
    if ((this.statusFlags & O_ACCMODE) === O_WRONLY) throw new SyscallError(Errno.EBADF);
  }

  private checkWritable(): void {
    if ((this.statusFlags & O_ACCMODE) === 0) throw new SyscallError(Errno.EBADF);
  }
}

/** Whether writes through this description append; kept for fcntl(F_SETFL) bookkeeping. */
export function appends(file: OpenFile): boolean {
  return (file.statusFlags & O_APPEND) !== 0;
}
