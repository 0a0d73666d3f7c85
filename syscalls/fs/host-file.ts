// Open files backed by a host fd (regular files, directories, pipes, ttys): byte I/O goes through
// the host fd so its offset is the description's offset; directories also keep a listing cursor.
import * as fs from 'fs';
import { HostIo } from '../context';
import { Errno, SyscallError } from '../errno';
import { OpenFile, StatInfo } from '../fd-table';
import { O_ACCMODE, O_NONBLOCK, O_WRONLY, SEEK } from './constants';
import { hostCall } from './host-call';
import { hostLseek } from './libc';
import type { DirectoryEntry } from './virtual-file';

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
  /** For directories: the listing getdents64 is walking (taken again when a pass starts at 0). */
  listing: DirectoryEntry[] | undefined;

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
    if (this.isDirectory()) {
      // A directory's offset is Ferry's listing cursor (the d_off values getdents64 hands out).
      if (whence === SEEK.SEEK_SET && offset >= 0n) {
        this.directoryCursor = Number(offset);
        return offset;
      }
      if (whence === SEEK.SEEK_CUR && offset === 0n) return BigInt(this.directoryCursor);
      throw new SyscallError(Errno.EINVAL);
    }
    return hostLseek(this.hostFd, offset, whence);
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
