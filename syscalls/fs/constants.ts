// Linux x86-64 constants for the file syscalls: open flags, *at flags, file types, fcntl and
// ioctl codes, as the guest passes them (they are the host's too, but the guest's ABI is the reference).

export const O_FLAGS = {
  O_WRONLY: 0o1, O_RDWR: 0o2, O_CREAT: 0o100, O_EXCL: 0o200, O_NOCTTY: 0o400, O_TRUNC: 0o1000,
  O_APPEND: 0o2000, O_NONBLOCK: 0o4000, O_DSYNC: 0o10000, O_ASYNC: 0o20000, O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000, O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000, O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000, O_SYNC: 0o4010000, O_PATH: 0o10000000, O_TMPFILE: 0o20200000,
} as const;
export const O_RDONLY = 0;
export const O_ACCMODE = 3;
export const { O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH, O_TMPFILE, O_LARGEFILE, O_NOCTTY } = O_FLAGS;
/** The flags F_SETFL may change; the others are fixed at open. */
export const SETFL_MASK = O_APPEND | O_NONBLOCK | O_FLAGS.O_ASYNC | O_FLAGS.O_DIRECT | O_FLAGS.O_NOATIME;

export const AT_FDCWD = -100;
export const AT_FLAGS = {
  AT_SYMLINK_NOFOLLOW: 0x100, AT_REMOVEDIR: 0x200, AT_EACCESS: 0x200, AT_SYMLINK_FOLLOW: 0x400,
  AT_NO_AUTOMOUNT: 0x800, AT_EMPTY_PATH: 0x1000, AT_STATX_FORCE_SYNC: 0x2000, AT_STATX_DONT_SYNC: 0x4000,
} as const;
export const { AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_EACCESS, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH } = AT_FLAGS;

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000, S_IFLNK = 0o120000, S_IFREG = 0o100000, S_IFBLK = 0o60000;
export const S_IFDIR = 0o40000, S_IFCHR = 0o20000, S_IFIFO = 0o10000;
/** linux_dirent64 d_type values. */
export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 } as const;

export const SEEK = { SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2, SEEK_DATA: 3, SEEK_HOLE: 4 } as const;

export const F_CMDS = {
  F_DUPFD: 0, F_GETFD: 1, F_SETFD: 2, F_GETFL: 3, F_SETFL: 4, F_GETLK: 5, F_SETLK: 6, F_SETLKW: 7,
  F_OFD_GETLK: 36, F_OFD_SETLK: 37, F_OFD_SETLKW: 38, F_DUPFD_CLOEXEC: 1030,
} as const;
export const FD_CLOEXEC = 1;
/** struct flock on x86-64 (the host's too): l_type, l_whence, l_start, l_len, l_pid. */
export const FLOCK_SIZE = 32;

export const IOCTLS = { TCGETS: 0x5401, TIOCGWINSZ: 0x5413, FIONREAD: 0x541b, FIOCLEX: 0x5451, FIONCLEX: 0x5450 } as const;
/** struct termios as the kernel's TCGETS copies it (no c_ispeed/c_ospeed), and struct winsize. */
export const TERMIOS_SIZE = 36;
export const WINSIZE_SIZE = 8;

export const ACCESS_MODES = { F_OK: 0, X_OK: 1, W_OK: 2, R_OK: 4 } as const;

export const RENAME_FLAGS = { RENAME_NOREPLACE: 1, RENAME_EXCHANGE: 2, RENAME_WHITEOUT: 4 } as const;

export const UTIME_NOW = (1 << 30) - 1;
export const UTIME_OMIT = (1 << 30) - 2;

/** Linux follows at most this many symlinks in one path walk. */
export const MAX_SYMLINKS = 40;
export const PATH_MAX = 4096;
export const NAME_MAX = 255;

export const POLL = { POLLIN: 1, POLLPRI: 2, POLLOUT: 4, POLLERR: 8, POLLHUP: 16, POLLNVAL: 32 } as const;
