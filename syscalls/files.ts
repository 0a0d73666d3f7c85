// The file syscalls' table entries (argument kinds for --strace, result kind, handler). The
// handlers live in syscalls/fs/: io-calls (open descriptors), path-calls (paths), poll-calls.
import { SyscallSpec } from './spec';
import { ArgKind } from './trace-format';
import * as io from './fs/io-calls';
import * as paths from './fs/path-calls';
import * as polls from './fs/poll-calls';
import { sysFstatfs, sysStatfs } from './fs/statfs';
import { EPOLL_SYSCALLS } from './fs/epoll';
import { AT_FLAGS, F_CMDS, IOCTLS, O_FLAGS, RENAME_FLAGS, SEEK } from './fs/constants';

export { MAX_RW_COUNT, UIO_MAXIOV } from './fs/iovec';
export { sysRead, sysWrite, sysWritev } from './fs/io-calls';

const openFlags: ArgKind = 'openFlags';
const atFlags: ArgKind = { flags: Object.entries(AT_FLAGS).filter(([name]) => name !== 'AT_EACCESS') };
const whence: ArgKind = { values: Object.entries(SEEK) };
const fcntlCmd: ArgKind = { values: Object.entries(F_CMDS) };
const ioctlRequest: ArgKind = { values: Object.entries(IOCTLS) };
const pipeFlags: ArgKind = { flags: [['O_CLOEXEC', O_FLAGS.O_CLOEXEC], ['O_NONBLOCK', O_FLAGS.O_NONBLOCK], ['O_DIRECT', O_FLAGS.O_DIRECT]] };
const renameFlags: ArgKind = { flags: Object.entries(RENAME_FLAGS) };
const accessMode: ArgKind = { flags: [['F_OK', 0], ['X_OK', 1], ['W_OK', 2], ['R_OK', 4]] };

export const FILE_SYSCALLS: Readonly<Record<string, SyscallSpec>> = {
  ...EPOLL_SYSCALLS,
  statfs: { args: ['string', 'ptr'], ret: 'int', handler: sysStatfs },
  fstatfs: { args: ['fd', 'ptr'], ret: 'int', handler: sysFstatfs },
  read: { args: ['fd', 'ptr', 'size'], ret: 'int', handler: io.sysRead },
  write: { args: ['fd', { buffer: 2 }, 'size'], ret: 'int', handler: io.sysWrite },
  pread64: { args: ['fd', 'ptr', 'size', 'long'], ret: 'int', handler: io.sysPread64 },
  pwrite64: { args: ['fd', { buffer: 2 }, 'size', 'long'], ret: 'int', handler: io.sysPwrite64 },
  readv: { args: ['fd', 'ptr', 'int'], ret: 'int', handler: io.sysReadv },
  writev: { args: ['fd', 'ptr', 'int'], ret: 'int', handler: io.sysWritev },
  preadv: { args: ['fd', 'ptr', 'int', 'long'], ret: 'int', handler: io.sysPreadv },
  pwritev: { args: ['fd', 'ptr', 'int', 'long'], ret: 'int', handler: io.sysPwritev },
  lseek: { args: ['fd', 'long', whence], ret: 'int', handler: io.sysLseek },
  close: { args: ['fd'], ret: 'int', handler: io.sysClose },
  close_range: { args: ['uint', 'uint', 'hex'], ret: 'int', handler: io.sysCloseRange },
  dup: { args: ['fd'], ret: 'int', handler: io.sysDup },
  dup2: { args: ['fd', 'fd'], ret: 'int', handler: io.sysDup2 },
  dup3: { args: ['fd', 'fd', { flags: [['O_CLOEXEC', O_FLAGS.O_CLOEXEC]] }], ret: 'int', handler: io.sysDup3 },
  fcntl: { args: ['fd', fcntlCmd, 'hex'], ret: 'int', handler: io.sysFcntl },
  ioctl: { args: ['fd', ioctlRequest, 'ptr'], ret: 'int', handler: io.sysIoctl },
  getdents64: { args: ['fd', 'ptr', 'uint'], ret: 'int', handler: io.sysGetdents64 },
  fsync: { args: ['fd'], ret: 'int', handler: io.sysFsync },
  fdatasync: { args: ['fd'], ret: 'int', handler: io.sysFdatasync },
  ftruncate: { args: ['fd', 'long'], ret: 'int', handler: io.sysFtruncate },
  fchmod: { args: ['fd', 'octal'], ret: 'int', handler: io.sysFchmod },
  fchown: { args: ['fd', 'int', 'int'], ret: 'int', handler: io.sysFchown },
  pipe: { args: ['ptr'], ret: 'int', handler: io.sysPipe },
  pipe2: { args: ['ptr', pipeFlags], ret: 'int', handler: io.sysPipe2 },
  sendfile: { args: ['fd', 'fd', 'ptr', 'size'], ret: 'int', handler: io.sysSendfile },
  copy_file_range: { args: ['fd', 'ptr', 'fd', 'ptr', 'size', 'uint'], ret: 'int', handler: io.sysCopyFileRange },
  poll: { args: ['ptr', 'uint', 'int'], ret: 'int', handler: polls.sysPoll },
  ppoll: { args: ['ptr', 'uint', 'ptr', 'ptr', 'size'], ret: 'int', handler: polls.sysPpoll },
  select: { args: ['int', 'ptr', 'ptr', 'ptr', 'ptr'], ret: 'int', handler: polls.sysSelect },
  pselect6: { args: ['int', 'ptr', 'ptr', 'ptr', 'ptr', 'ptr'], ret: 'int', handler: polls.sysPselect6 },
  open: { args: ['string', openFlags, 'octal'], ret: 'int', handler: paths.sysOpen },
  openat: { args: ['dirfd', 'string', openFlags, 'octal'], ret: 'int', handler: paths.sysOpenat },
  creat: { args: ['string', 'octal'], ret: 'int', handler: paths.sysCreat },
  stat: { args: ['string', 'ptr'], ret: 'int', handler: paths.sysStat },
  lstat: { args: ['string', 'ptr'], ret: 'int', handler: paths.sysLstat },
  fstat: { args: ['fd', 'ptr'], ret: 'int', handler: paths.sysFstat },
  newfstatat: { args: ['dirfd', 'string', 'ptr', atFlags], ret: 'int', handler: paths.sysNewfstatat },
  statx: { args: ['dirfd', 'string', atFlags, 'hex', 'ptr'], ret: 'int', handler: paths.sysStatx },
  readlink: { args: ['string', 'ptr', 'int'], ret: 'int', handler: paths.sysReadlink },
  readlinkat: { args: ['dirfd', 'string', 'ptr', 'int'], ret: 'int', handler: paths.sysReadlinkat },
  access: { args: ['string', accessMode], ret: 'int', handler: paths.sysAccess },
  faccessat: { args: ['dirfd', 'string', accessMode], ret: 'int', handler: paths.sysFaccessat },
  faccessat2: { args: ['dirfd', 'string', accessMode, atFlags], ret: 'int', handler: paths.sysFaccessat2 },
  mkdir: { args: ['string', 'octal'], ret: 'int', handler: paths.sysMkdir },
  mkdirat: { args: ['dirfd', 'string', 'octal'], ret: 'int', handler: paths.sysMkdirat },
  unlink: { args: ['string'], ret: 'int', handler: paths.sysUnlink },
  unlinkat: { args: ['dirfd', 'string', atFlags], ret: 'int', handler: paths.sysUnlinkat },
  rmdir: { args: ['string'], ret: 'int', handler: paths.sysRmdir },
  rename: { args: ['string', 'string'], ret: 'int', handler: paths.sysRename },
  renameat: { args: ['dirfd', 'string', 'dirfd', 'string'], ret: 'int', handler: paths.sysRenameat },
  renameat2: { args: ['dirfd', 'string', 'dirfd', 'string', renameFlags], ret: 'int', handler: paths.sysRenameat2 },
  link: { args: ['string', 'string'], ret: 'int', handler: paths.sysLink },
  linkat: { args: ['dirfd', 'string', 'dirfd', 'string', atFlags], ret: 'int', handler: paths.sysLinkat },
  symlink: { args: ['string', 'string'], ret: 'int', handler: paths.sysSymlink },
  symlinkat: { args: ['string', 'dirfd', 'string'], ret: 'int', handler: paths.sysSymlinkat },
  chmod: { args: ['string', 'octal'], ret: 'int', handler: paths.sysChmod },
  fchmodat: { args: ['dirfd', 'string', 'octal'], ret: 'int', handler: paths.sysFchmodat },
  utimensat: { args: ['dirfd', 'string', 'ptr', atFlags], ret: 'int', handler: paths.sysUtimensat },
  truncate: { args: ['string', 'long'], ret: 'int', handler: paths.sysTruncate },
  getcwd: { args: ['ptr', 'size'], ret: 'int', handler: paths.sysGetcwd },
  chdir: { args: ['string'], ret: 'int', handler: paths.sysChdir },
  fchdir: { args: ['fd'], ret: 'int', handler: paths.sysFchdir },
  umask: { args: ['octal'], ret: 'int', handler: paths.sysUmask },
};
