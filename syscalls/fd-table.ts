// The guest's file descriptors: each names an open file description (OpenFile) that dup shares,
// with its own close-on-exec bit; a description is released when its last descriptor closes.
//
// Contract for other areas (file-backed mmap, /proc/self/maps):
//   const file = ctx.fds.get(fd);          // OpenFile | undefined (undefined: EBADF)
//   file.pread(length, position)           // Uint8Array, short only at end of file; offset unchanged
//   file.size()                            // current size in bytes (st_size)
//   file.path                              // guest path ("/usr/lib/libc.so.6", "/dev/zero", "pipe:[123]")
//   file.statusFlags & O_ACCMODE           // O_RDONLY / O_WRONLY / O_RDWR, for the mmap permission checks
//   file.hostFd                            // host fd behind it, or undefined for a synthesized file
//   file.stat()                            // StatInfo (dev, ino for /proc/self/maps)
// Errors from these methods throw SyscallError (the dispatcher turns it into -errno).
import { HostIo } from './context';
import { Errno, SyscallError } from './errno';

/** What stat reports of a file, in host units (the syscalls encode the guest structs from it). */
export interface StatInfo {
  dev: bigint;
  ino: bigint;
  mode: number;
  nlink: bigint;
  uid: number;
  gid: number;
  rdev: bigint;
  size: bigint;
  blksize: bigint;
  blocks: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  birthtimeNs: bigint;
}

/** One open file description, as dup, fork and SCM_RIGHTS share it. */
export interface OpenFile {
  /** The guest path /proc/self/fd and /proc/self/maps show ("pipe:[N]" and the like for non-files). */
  readonly path: string;
  /** The host fd behind the description, or undefined when Ferry synthesizes the file. */
  readonly hostFd: number | undefined;
  /** O_ACCMODE plus the status flags F_GETFL reports (O_APPEND, O_NONBLOCK, ...). */
  statusFlags: number;
  /** Reads at the file offset and advances it; an empty array is end of file. */
  read(io: HostIo, length: number): Uint8Array;
  /** Writes at the file offset (or the end with O_APPEND); returns the count written. */
  write(io: HostIo, bytes: Uint8Array): number;
  /** Reads at position without moving the offset; short only at end of file. */
  pread(length: number, position: number): Uint8Array;
  pwrite(bytes: Uint8Array, position: number): number;
  /** lseek: returns the new offset. */
  seek(offset: bigint, whence: number): bigint;
  size(): number;
  stat(): StatInfo;
  /** Releases host resources; called when the last descriptor for it closes. */
  close(): void;
}

interface Slot {
  readonly file: OpenFile;
  cloexec: boolean;
}

/** RLIMIT_NOFILE's usual soft limit: the lowest free fd search stops here (EMFILE). */
export const MAX_FDS = 1024;

export class FdTable {
  private readonly slots = new Map<number, Slot>();
  private readonly references = new Map<OpenFile, number>();

  /** A table whose guest fds 0, 1 and 2 are the host's. */
  static withStdio(makeFile: (hostFd: number) => OpenFile = (fd) => new StdioFile(fd)): FdTable {
    const table = new FdTable();
    for (const fd of [0, 1, 2]) table.install(makeFile(fd), { at: fd });
    return table;
  }

  /** The open file behind a guest fd, or undefined when the fd is not open. */
  get(guestFd: number): OpenFile | undefined {
    return this.slots.get(guestFd)?.file;
  }

  /** Like get, but throws EBADF (for handlers). */
  require(guestFd: number): OpenFile {
    const file = this.get(guestFd);
    if (!file) throw new SyscallError(Errno.EBADF);
    return file;
  }

  /** The host fd behind a guest fd, or undefined when the guest fd is not open or has none. */
  hostFd(guestFd: number): number | undefined {
    return this.get(guestFd)?.hostFd;
  }

  /** A file as an fd on the host side: replaces fd 'at' when given (dup2), else the lowest free fd >= min. */
  install(file: OpenFile, options: { at?: number; min?: number; cloexec?: boolean } = {}): number {
    const fd = options.at ?? this.lowestFree(options.min ?? 0);
    if (options.at !== undefined) this.close(fd);
    this.slots.set(fd, { file, cloexec: options.cloexec ?? false });
    this.references.set(file, (this.references.get(file) ?? 0) + 1);
    return fd;
  }

  /** Compatibility with the first version of the table: a guest fd standing for a host fd. */
  set(guestFd: number, hostFd: number): void {
    this.install(new StdioFile(hostFd), { at: guestFd });
  }

  getCloexec(guestFd: number): boolean {
    return this.slots.get(guestFd)?.cloexec ?? false;
  }

  setCloexec(guestFd: number, cloexec: boolean): void {
    const slot = this.slots.get(guestFd);
    if (slot) slot.cloexec = cloexec;
  }

  /**
   * The table a vfork child starts with: the same open file descriptions under the same numbers.
   * Closing one in the copy never closes the description under the parent; end() lets go of the
   * descriptions the child opened itself.
   */
  copyForChild(): FdTable {
    const copy = new FdTable();
    for (const [fd, slot] of this.slots) {
      copy.slots.set(fd, { file: slot.file, cloexec: slot.cloexec });
      copy.borrowed.add(slot.file);
    }
    return copy;
  }

  /** A child's copy is done with (it exited, or its fds went to the program it executed). */
  end(): void {
    for (const fd of [...this.slots.keys()]) this.close(fd);
  }

  /** The descriptions a child's copy shares with its parent (never closed through the copy). */
  private readonly borrowed = new Set<OpenFile>();

  /** execve closes the descriptors marked close-on-exec. */
  closeOnExec(): void {
    for (const [fd, slot] of [...this.slots]) if (slot.cloexec) this.close(fd);
  }

  /** The open fds in increasing order (for /proc/self/fd). */
  openFds(): number[] {
    return [...this.slots.keys()].sort((a, b) => a - b);
  }

  close(guestFd: number): boolean {
    const slot = this.slots.get(guestFd);
    if (!slot) return false;
    this.slots.delete(guestFd);
    if (this.borrowed.has(slot.file)) return true;
    const left = (this.references.get(slot.file) ?? 1) - 1;
    if (left > 0) {
      this.references.set(slot.file, left);
    } else {
      this.references.delete(slot.file);
      slot.file.close();
    }
    return true;
  }

  private lowestFree(min: number): number {
    for (let fd = min; fd < MAX_FDS; fd++) if (!this.slots.has(fd)) return fd;
    throw new SyscallError(Errno.EMFILE);
  }
}

/**
 * The host's stdin, stdout and stderr (or any inherited host fd): bytes go through HostIo so that
 * tests can fake them; Ferry never closes the host's own descriptors.
 */
export class StdioFile implements OpenFile {
  statusFlags = 2; // O_RDWR: what a terminal opened by the shell usually has
  constructor(readonly hostFd: number, readonly path: string = `/proc/self/fd/${hostFd}`) {}
  read(io: HostIo, length: number): Uint8Array {
    return io.read(this.hostFd, length);
  }
  write(io: HostIo, bytes: Uint8Array): number {
    return io.write(this.hostFd, bytes);
  }
  pread(): Uint8Array {
    throw new SyscallError(Errno.ESPIPE);
  }
  pwrite(): number {
    throw new SyscallError(Errno.ESPIPE);
  }
  seek(): bigint {
    throw new SyscallError(Errno.ESPIPE);
  }
  size(): number {
    return 0;
  }
  stat(): StatInfo {
    throw new SyscallError(Errno.EBADF);
  }
  close(): void {}
}
