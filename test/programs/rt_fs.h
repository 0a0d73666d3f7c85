/* File-system syscall wrappers for the freestanding test programs (on top of rt.h): raw syscalls
 * with the kernel's own structs and constants from the kernel headers, results as -errno. */
#ifndef FERRY_TEST_RT_FS_H
#define FERRY_TEST_RT_FS_H

#include <asm/unistd.h>
#include <asm/stat.h>
#include <asm/poll.h>
#include <asm/ioctls.h>
#include <linux/stat.h>
#include <linux/fcntl.h>
#include <linux/time_types.h>
#include "rt.h"

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif
#ifndef UTIME_OMIT
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#endif

#define RT_SC(n, a, b, c, d, e, f) rt_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

struct rt_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};
struct rt_timeval { long tv_sec, tv_usec; };

static inline long rt_openat(int dirfd, const char *path, int flags, int mode) { return RT_SC(__NR_openat, dirfd, path, flags, mode, 0, 0); }
static inline long rt_open(const char *path, int flags, int mode) { return RT_SC(__NR_open, path, flags, mode, 0, 0, 0); }
static inline long rt_close(int fd) { return RT_SC(__NR_close, fd, 0, 0, 0, 0, 0); }
static inline long rt_pread(int fd, void *buf, size_t n, long off) { return RT_SC(__NR_pread64, fd, buf, n, off, 0, 0); }
static inline long rt_pwrite(int fd, const void *buf, size_t n, long off) { return RT_SC(__NR_pwrite64, fd, buf, n, off, 0, 0); }
static inline long rt_readv(int fd, const struct rt_iovec *iov, int n) { return RT_SC(__NR_readv, fd, iov, n, 0, 0, 0); }
static inline long rt_preadv(int fd, const struct rt_iovec *iov, int n, long off) { return RT_SC(__NR_preadv, fd, iov, n, off, 0, 0); }
static inline long rt_pwritev(int fd, const struct rt_iovec *iov, int n, long off) { return RT_SC(__NR_pwritev, fd, iov, n, off, 0, 0); }
static inline long rt_lseek(int fd, long off, int whence) { return RT_SC(__NR_lseek, fd, off, whence, 0, 0, 0); }
static inline long rt_dup(int fd) { return RT_SC(__NR_dup, fd, 0, 0, 0, 0, 0); }
static inline long rt_dup2(int fd, int to) { return RT_SC(__NR_dup2, fd, to, 0, 0, 0, 0); }
static inline long rt_dup3(int fd, int to, int flags) { return RT_SC(__NR_dup3, fd, to, flags, 0, 0, 0); }
static inline long rt_fcntl(int fd, int cmd, long arg) { return RT_SC(__NR_fcntl, fd, cmd, arg, 0, 0, 0); }
static inline long rt_ioctl(int fd, unsigned long req, void *arg) { return RT_SC(__NR_ioctl, fd, req, arg, 0, 0, 0); }
static inline long rt_stat(const char *path, struct stat *st) { return RT_SC(__NR_stat, path, st, 0, 0, 0, 0); }
static inline long rt_lstat(const char *path, struct stat *st) { return RT_SC(__NR_lstat, path, st, 0, 0, 0, 0); }
static inline long rt_fstat(int fd, struct stat *st) { return RT_SC(__NR_fstat, fd, st, 0, 0, 0, 0); }
static inline long rt_fstatat(int dirfd, const char *path, struct stat *st, int flags) { return RT_SC(__NR_newfstatat, dirfd, path, st, flags, 0, 0); }
static inline long rt_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *sx) { return RT_SC(__NR_statx, dirfd, path, flags, mask, sx, 0); }
static inline long rt_getdents64(int fd, void *buf, size_t n) { return RT_SC(__NR_getdents64, fd, buf, n, 0, 0, 0); }
static inline long rt_readlink(const char *path, char *buf, size_t n) { return RT_SC(__NR_readlink, path, buf, n, 0, 0, 0); }
static inline long rt_readlinkat(int dirfd, const char *path, char *buf, size_t n) { return RT_SC(__NR_readlinkat, dirfd, path, buf, n, 0, 0); }
static inline long rt_access(const char *path, int mode) { return RT_SC(__NR_access, path, mode, 0, 0, 0, 0); }
static inline long rt_faccessat(int dirfd, const char *path, int mode) { return RT_SC(__NR_faccessat, dirfd, path, mode, 0, 0, 0); }
static inline long rt_mkdir(const char *path, int mode) { return RT_SC(__NR_mkdir, path, mode, 0, 0, 0, 0); }
static inline long rt_mkdirat(int dirfd, const char *path, int mode) { return RT_SC(__NR_mkdirat, dirfd, path, mode, 0, 0, 0); }
static inline long rt_unlink(const char *path) { return RT_SC(__NR_unlink, path, 0, 0, 0, 0, 0); }
static inline long rt_unlinkat(int dirfd, const char *path, int flags) { return RT_SC(__NR_unlinkat, dirfd, path, flags, 0, 0, 0); }
static inline long rt_rmdir(const char *path) { return RT_SC(__NR_rmdir, path, 0, 0, 0, 0, 0); }
static inline long rt_rename(const char *a, const char *b) { return RT_SC(__NR_rename, a, b, 0, 0, 0, 0); }
static inline long rt_renameat2(int da, const char *a, int db, const char *b, unsigned flags) { return RT_SC(__NR_renameat2, da, a, db, b, flags, 0); }
static inline long rt_link(const char *a, const char *b) { return RT_SC(__NR_link, a, b, 0, 0, 0, 0); }
static inline long rt_symlink(const char *target, const char *path) { return RT_SC(__NR_symlink, target, path, 0, 0, 0, 0); }
static inline long rt_chmod(const char *path, int mode) { return RT_SC(__NR_chmod, path, mode, 0, 0, 0, 0); }
static inline long rt_fchmod(int fd, int mode) { return RT_SC(__NR_fchmod, fd, mode, 0, 0, 0, 0); }
static inline long rt_utimensat(int dirfd, const char *path, const struct __kernel_timespec *ts, int flags) { return RT_SC(__NR_utimensat, dirfd, path, ts, flags, 0, 0); }
static inline long rt_truncate(const char *path, long len) { return RT_SC(__NR_truncate, path, len, 0, 0, 0, 0); }
static inline long rt_ftruncate(int fd, long len) { return RT_SC(__NR_ftruncate, fd, len, 0, 0, 0, 0); }
static inline long rt_fsync(int fd) { return RT_SC(__NR_fsync, fd, 0, 0, 0, 0, 0); }
static inline long rt_pipe2(int fds[2], int flags) { return RT_SC(__NR_pipe2, fds, flags, 0, 0, 0, 0); }
static inline long rt_poll(struct pollfd *fds, unsigned n, int timeout) { return RT_SC(__NR_poll, fds, n, timeout, 0, 0, 0); }
static inline long rt_select(int n, void *r, void *w, void *e, struct rt_timeval *tv) { return RT_SC(__NR_select, n, r, w, e, tv, 0); }
static inline long rt_getcwd(char *buf, size_t n) { return RT_SC(__NR_getcwd, buf, n, 0, 0, 0, 0); }
static inline long rt_chdir(const char *path) { return RT_SC(__NR_chdir, path, 0, 0, 0, 0, 0); }
static inline long rt_fchdir(int fd) { return RT_SC(__NR_fchdir, fd, 0, 0, 0, 0, 0); }
static inline long rt_umask(int mask) { return RT_SC(__NR_umask, mask, 0, 0, 0, 0, 0); }
static inline long rt_sendfile(int out, int in, long *off, size_t n) { return RT_SC(__NR_sendfile, out, in, off, n, 0, 0); }
static inline long rt_copy_file_range(int in, long *inoff, int out, long *outoff, size_t n) { return RT_SC(__NR_copy_file_range, in, inoff, out, outoff, n, 0); }

#endif
