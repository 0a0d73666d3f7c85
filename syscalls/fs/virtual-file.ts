// Open files Ferry synthesizes: /proc/self files (content fixed when opened, as seq_file gives
// one consistent read), /dev/null, /dev/zero, /dev/urandom, and virtual directories.
import { randomFillSync } from 'crypto';
import { HostIo } from '../context';
import { Errno, SyscallError } from '../errno';
import { OpenFile, StatInfo } from '../fd-table';
import { O_ACCMODE, O_WRONLY, SEEK, S_IFCHR, S_IFDIR, S_IFREG } from './constants';

/** A synthesized node's stat: Ferry's own device number, an inode derived from the guest path. */
export function virtualStat(path: string, mode: number, size = 0n, rdev = 0n): StatInfo {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    dev: VIRTUAL_DEV, ino: pathInode(path), mode, nlink: (mode & S_IFDIR) === S_IFDIR ? 2n : 1n,
    uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, rdev, size, blksize: 1024n, blocks: 0n,
    atimeNs: now, mtimeNs: now, ctimeNs: now, birthtimeNs: 0n,
  };
}

/** procfs's device on a typical system is 0:22; any number not used by a real file system will do. */
const VIRTUAL_DEV = 22n;

export function pathInode(path: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(path)) hash = BigInt.asUintN(63, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash | 1n;
}

abstract class VirtualFile implements OpenFile {
  readonly hostFd = undefined;
  protected offset = 0n;
  constructor(readonly path: string, public statusFlags: number) {}
  abstract pread(length: number, position: number): Uint8Array;
  abstract size(): number;
  abstract stat(): StatInfo;
  pwrite(_bytes: Uint8Array, _position: number): number {
    throw new SyscallError(Errno.EINVAL);
  }
  read(_io: HostIo, length: number): Uint8Array {
    if ((this.statusFlags & O_ACCMODE) === O_WRONLY) throw new SyscallError(Errno.EBADF);
    const bytes = this.pread(length, Number(this.offset));
    this.offset += BigInt(bytes.length);
    return bytes;
  }
  write(_io: HostIo, bytes: Uint8Array): number {
    if ((this.statusFlags & O_ACCMODE) === 0) throw new SyscallError(Errno.EBADF);
    return this.pwrite(bytes, Number(this.offset));
  }
  seek(offset: bigint, whence: number): bigint {
    const base = whence === SEEK.SEEK_SET ? 0n : whence === SEEK.SEEK_CUR ? this.offset : whence === SEEK.SEEK_END ? BigInt(this.size()) : -1n;
    if (base < 0n || base + offset < 0n) throw new SyscallError(Errno.EINVAL);
    this.offset = base + offset;
    return this.offset;
  }
  close(): void {}
}

/** A /proc file: its bytes are generated once at open. Writes are refused as procfs refuses them. */
export class SnapshotFile extends VirtualFile {
  constructor(path: string, statusFlags: number, private readonly content: Uint8Array) {
    super(path, statusFlags);
  }
  pread(length: number, position: number): Uint8Array {
    return this.content.slice(position, position + length);
  }
  override pwrite(): number {
    throw new SyscallError(Errno.EACCES);
  }
  size(): number {
    // procfs reports size 0 for its generated files.
    return 0;
  }
  stat(): StatInfo {
    return virtualStat(this.path, S_IFREG | 0o444);
  }
}

export type DeviceKind = 'null' | 'zero' | 'random' | 'urandom';
/** Linux's device numbers (major 1, the memory devices). */
export const DEVICE_RDEV: Record<DeviceKind, bigint> = { null: 0x103n, zero: 0x105n, random: 0x108n, urandom: 0x109n };

export class DeviceFile extends VirtualFile {
  constructor(path: string, statusFlags: number, private readonly device: DeviceKind) {
    super(path, statusFlags);
  }
  pread(length: number): Uint8Array {
    if (this.device === 'null') return new Uint8Array(0);
    const bytes = new Uint8Array(length);
    if (this.device !== 'zero') randomFillSync(bytes);
    return bytes;
  }
  override pwrite(bytes: Uint8Array): number {
    return bytes.length;
  }
  override seek(): bigint {
    // The memory devices accept any seek and stay at 0.
    return 0n;
  }
  size(): number {
    return 0;
  }
  stat(): StatInfo {
    return virtualStat(this.path, S_IFCHR | 0o666, 0n, DEVICE_RDEV[this.device]);
  }
}

export interface DirectoryEntry {
  readonly name: string;
  readonly ino: bigint;
  /** linux_dirent64 d_type. */
  readonly type: number;
}

/** A synthesized directory (/proc/self, /proc/self/fd): listed when a getdents64 pass starts, as procfs does. */
export class VirtualDirectory extends VirtualFile {
  directoryCursor = 0;
  listing: DirectoryEntry[] | undefined;
  constructor(path: string, statusFlags: number, readonly list: () => DirectoryEntry[]) {
    super(path, statusFlags);
  }
  override read(): Uint8Array {
    throw new SyscallError(Errno.EISDIR);
  }
  pread(): Uint8Array {
    throw new SyscallError(Errno.EISDIR);
  }
  override seek(offset: bigint, whence: number): bigint {
    if (whence !== SEEK.SEEK_SET || offset < 0n) throw new SyscallError(Errno.EINVAL);
    this.directoryCursor = Number(offset);
    return offset;
  }
  size(): number {
    return 0;
  }
  stat(): StatInfo {
    return virtualStat(this.path, S_IFDIR | 0o555);
  }
}
