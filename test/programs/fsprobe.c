/* File syscalls through raw syscalls: run natively and under Ferry in a fresh empty directory
 * (argv[1]; 'noproc' as argv[2] skips /proc and /dev); both runs must print the same lines. Prints relations (same inode, sizes) rather than
 * values that differ between two directories (inode numbers, times). */
#include "rt_fs.h"

static char buf[8192];

static void show(const char *what, long r) { rt_printf("%s = %ld\n", what, r); }

static void show_stat(const char *what, const struct stat *st) {
  rt_printf("%s: mode=%x nlink=%lu size=%ld blocks=%ld blksize=%ld\n", what, (unsigned)st->st_mode,
            (unsigned long)st->st_nlink, (long)st->st_size, (long)st->st_blocks, (long)st->st_blksize);
}

/* Names and types of a directory, sorted, with whether d_ino matches lstat's inode. */
static void list_dir(const char *path) {
  int fd = (int)rt_open(path, O_RDONLY | O_DIRECTORY, 0);
  char names[64][64];
  int types[64], inode_ok[64], n = 0;
  for (;;) {
    long got = rt_getdents64(fd, buf, 200); /* small buffer: several calls */
    if (got <= 0) {
      if (got < 0) show("getdents64 error", got);
      break;
    }
    for (long off = 0; off < got;) {
      struct rt_dirent64 *d = (struct rt_dirent64 *)(buf + off);
      if (n < 64) {
        size_t len = strlen(d->d_name);
        memcpy(names[n], d->d_name, len + 1);
        types[n] = d->d_type;
        char full[512];
        size_t plen = strlen(path);
        memcpy(full, path, plen);
        full[plen] = '/';
        memcpy(full + plen + 1, d->d_name, len + 1);
        struct stat st;
        inode_ok[n] = rt_lstat(full, &st) == 0 && st.st_ino == d->d_ino;
        n++;
      }
      off += d->d_reclen;
    }
  }
  /* rewinddir: a second pass from offset 0 sees the same number of entries */
  long again = 0;
  show("rewind", rt_lseek(fd, 0, SEEK_SET));
  for (long got; (got = rt_getdents64(fd, buf, sizeof buf)) > 0;)
    for (long off = 0; off < got; off += ((struct rt_dirent64 *)(buf + off))->d_reclen) again++;
  rt_printf("second pass same count: %d\n", again == n);
  rt_close(fd);
  for (int i = 0; i < n; i++) /* insertion sort by name */
    for (int j = i; j > 0 && rt_strcmp(names[j - 1], names[j]) > 0; j--) {
      char t[64];
      memcpy(t, names[j], 64), memcpy(names[j], names[j - 1], 64), memcpy(names[j - 1], t, 64);
      int x = types[j]; types[j] = types[j - 1]; types[j - 1] = x;
      x = inode_ok[j]; inode_ok[j] = inode_ok[j - 1]; inode_ok[j - 1] = x;
    }
  rt_printf("dir %s:", path);
  for (int i = 0; i < n; i++) rt_printf(" %s(%d%s)", names[i], types[i], inode_ok[i] ? "" : ",ino?");
  rt_printf("\n");
}

static void file_io(void) {
  show("umask(022) old", rt_umask(022));
  int fd = (int)rt_open("a.txt", O_CREAT | O_RDWR | O_TRUNC, 0666);
  show("open a.txt", fd);
  show("write", rt_write(fd, "hello world\n", 12));
  show("lseek cur", rt_lseek(fd, 0, SEEK_CUR));
  show("lseek set 6", rt_lseek(fd, 6, SEEK_SET));
  long n = rt_read(fd, buf, sizeof buf);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("read %ld [%s]\n", n, buf);
  show("read at eof", rt_read(fd, buf, 10));
  show("pwrite at 0", rt_pwrite(fd, "HELLO", 5, 0));
  n = rt_pread(fd, buf, 100, 0);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("pread %ld [%s]\n", n, buf);
  show("lseek end", rt_lseek(fd, 0, SEEK_END));
  struct rt_iovec wv[3] = {{"one ", 4}, {"", 0}, {"two\n", 4}};
  show("writev", rt_writev(fd, wv, 3));
  char a[5] = {0}, b[64] = {0};
  struct rt_iovec rv[2] = {{a, 4}, {b, 63}};
  show("preadv at 12", rt_preadv(fd, rv, 2, 12));
  rt_printf("preadv parts [%s] [%s]\n", a, b);
  struct rt_iovec pw[1] = {{"xyz", 3}};
  show("pwritev at 100 (hole)", rt_pwritev(fd, pw, 1, 100));
  struct stat st, st2;
  show("fstat", rt_fstat(fd, &st));
  show_stat("fstat a.txt", &st);
  show("stat", rt_stat("a.txt", &st2));
  rt_printf("same inode and dev: %d\n", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
  struct statx sx;
  show("statx", rt_statx(AT_FDCWD, "a.txt", 0, STATX_BASIC_STATS, &sx));
  rt_printf("statx: basic=%d mode=%x size=%lu ino same=%d dev same=%d mtime same=%d\n",
            (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, sx.stx_mode, (unsigned long)sx.stx_size,
            sx.stx_ino == st.st_ino, ((unsigned long)sx.stx_dev_major << 8 | sx.stx_dev_minor) == (st.st_dev & 0xfffff),
            sx.stx_mtime.tv_sec == st.st_mtime && sx.stx_mtime.tv_nsec == st.st_mtime_nsec);
  show("ftruncate 7", rt_ftruncate(fd, 7));
  show("fsync", rt_fsync(fd));
  rt_fstat(fd, &st);
  rt_printf("size after ftruncate %ld\n", (long)st.st_size);
  show("truncate 3", rt_truncate("a.txt", 3));
  rt_fstat(fd, &st);
  rt_printf("size after truncate %ld\n", (long)st.st_size);

  /* descriptors */
  long d = rt_dup(fd);
  show("dup", d);
  rt_lseek(fd, 1, SEEK_SET);
  show("dup shares offset", rt_lseek((int)d, 0, SEEK_CUR));
  show("dup2 to 20", rt_dup2(fd, 20));
  show("dup3 to 21 cloexec", rt_dup3(fd, 21, O_CLOEXEC));
  show("F_GETFD 21", rt_fcntl(21, F_GETFD, 0));
  show("F_GETFD 20", rt_fcntl(20, F_GETFD, 0));
  show("F_DUPFD 30", rt_fcntl(fd, F_DUPFD, 30));
  show("F_DUPFD_CLOEXEC 30", rt_fcntl(fd, F_DUPFD_CLOEXEC, 30));
  show("F_GETFL", rt_fcntl(fd, F_GETFL, 0));
  show("F_SETFL append", rt_fcntl(fd, F_SETFL, O_APPEND));
  show("F_GETFL after", rt_fcntl(fd, F_GETFL, 0));
  show("F_GETFL stdout has O_APPEND", (rt_fcntl(1, F_GETFL, 0) & O_APPEND) != 0);
  rt_lseek(fd, 0, SEEK_SET);
  rt_write(fd, "!", 1);
  show("append lands at end", rt_lseek(fd, 0, SEEK_CUR));
  show("dup3 same fd", rt_dup3(fd, fd, 0));
  show("close 20", rt_close(20));
  show("close 20 again", rt_close(20));
  int t;
  show("ioctl TCGETS file", rt_ioctl(fd, TCGETS, buf));
  show("ioctl FIONREAD file", rt_ioctl(fd, FIONREAD, &t));
  show("close", rt_close(fd));
  int wo = (int)rt_open("a.txt", O_WRONLY, 0);
  show("read on O_WRONLY", rt_read(wo, buf, 4));
  rt_close(wo);

  /* sendfile and copy_file_range */
  int src = (int)rt_open("src.txt", O_CREAT | O_RDWR, 0600);
  for (int i = 0; i < 300; i++) rt_write(src, "0123456789", 10);
  int dst = (int)rt_open("dst.txt", O_CREAT | O_RDWR, 0600);
  long off = 5;
  show("sendfile", rt_sendfile(dst, src, &off, 1000));
  show("sendfile offset", off);
  show("src offset untouched", rt_lseek(src, 0, SEEK_CUR));
  long inoff = 2990, outoff = 0;
  show("copy_file_range", rt_copy_file_range(src, &inoff, dst, &outoff, 100));
  rt_printf("copy_file_range offsets %ld %ld\n", inoff, outoff);
  n = rt_pread(dst, buf, 20, 0);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("dst starts [%s]\n", buf);
  /* Lengths far past any file (cat passes one) copy what there is. */
  inoff = 100;
  outoff = 0;
  show("copy_file_range huge length", rt_copy_file_range(src, &inoff, dst, &outoff, 0x7fffffffc0000000L));
  off = 2000;
  show("sendfile huge count", rt_sendfile(dst, src, &off, 0x7fffffffc0000000L));
  rt_close(src);
  rt_close(dst);
}

static void paths(void) {
  struct stat st;
  show("mkdir sub", rt_mkdir("sub", 0777));
  rt_stat("sub", &st);
  rt_printf("sub mode %x\n", (unsigned)st.st_mode);
  show("mkdir sub again", rt_mkdir("sub", 0777));
  show("mkdirat sub/deep", rt_mkdirat(AT_FDCWD, "sub/deep", 0700));
  show("symlink link->a.txt", rt_symlink("a.txt", "link"));
  show("symlink abs", rt_symlink("/nonexistent/target", "dangling"));
  show("symlink loop1", rt_symlink("loop2", "loop1"));
  show("symlink loop2", rt_symlink("loop1", "loop2"));
  show("symlink subl->sub", rt_symlink("sub", "subl"));
  long n = rt_readlink("link", buf, sizeof buf);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("readlink link %ld [%s]\n", n, buf);
  n = rt_readlink("link", buf, 3);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("readlink short %ld [%s]\n", n, buf);
  show("readlink on file", rt_readlink("a.txt", buf, 10));
  show("lstat link", rt_lstat("link", &st));
  rt_printf("link mode %x size %ld\n", (unsigned)st.st_mode, (long)st.st_size);
  show("stat link", rt_stat("link", &st));
  rt_printf("link target mode %x size %ld\n", (unsigned)st.st_mode, (long)st.st_size);
  show("stat loop", rt_stat("loop1", &st));
  show("open loop", rt_open("loop1", O_RDONLY, 0));
  show("open dangling", rt_open("dangling", O_RDONLY, 0));
  show("open nofollow link", rt_open("link", O_RDONLY | O_NOFOLLOW, 0));
  show("stat a.txt/x", rt_stat("a.txt/x", &st));
  show("stat missing/x", rt_stat("missing/x", &st));
  show("stat a.txt/", rt_stat("a.txt/", &st));
  show("stat subl/deep", rt_stat("subl/deep", &st));
  show("stat sub/deep/../../a.txt", rt_stat("sub/deep/../../a.txt", &st));
  show("open excl existing", rt_open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0600));
  show("open dir for write", rt_open("sub", O_WRONLY, 0));
  show("open file O_DIRECTORY", rt_open("a.txt", O_RDONLY | O_DIRECTORY, 0));
  show("link a.txt hard", rt_link("a.txt", "hard"));
  rt_stat("a.txt", &st);
  rt_printf("nlink after link %lu\n", (unsigned long)st.st_nlink);
  show("rename hard->sub/moved", rt_rename("hard", "sub/moved"));
  show("renameat2 noreplace", rt_renameat2(AT_FDCWD, "sub/moved", AT_FDCWD, "a.txt", 1));
  show("access a.txt R_OK", rt_access("a.txt", 4));
  show("access missing", rt_access("missing", 0));
  show("access bad mode", rt_access("a.txt", 64));
  show("chmod 0604", rt_chmod("a.txt", 0604));
  rt_stat("a.txt", &st);
  rt_printf("mode after chmod %x\n", (unsigned)st.st_mode);
  struct __kernel_timespec ts[2] = {{1000000000, 500000000}, {1234567890, 250000000}};
  show("utimensat", rt_utimensat(AT_FDCWD, "a.txt", ts, 0));
  rt_stat("a.txt", &st);
  rt_printf("times %ld.%09ld %ld.%09ld\n", (long)st.st_atime, (long)st.st_atime_nsec, (long)st.st_mtime, (long)st.st_mtime_nsec);
  struct __kernel_timespec omit[2] = {{0, UTIME_OMIT}, {42, 0}};
  show("utimensat omit atime", rt_utimensat(AT_FDCWD, "a.txt", omit, 0));
  rt_stat("a.txt", &st);
  rt_printf("times %ld.%09ld %ld.%09ld\n", (long)st.st_atime, (long)st.st_atime_nsec, (long)st.st_mtime, (long)st.st_mtime_nsec);

  /* *at calls relative to a directory fd */
  int dfd = (int)rt_open("sub", O_RDONLY | O_DIRECTORY, 0);
  int f = (int)rt_openat(dfd, "inner.txt", O_CREAT | O_WRONLY, 0644);
  show("openat dirfd", f >= 0);
  rt_write(f, "inner", 5);
  rt_close(f);
  show("fstatat dirfd", rt_fstatat(dfd, "inner.txt", &st, 0));
  rt_printf("inner size %ld\n", (long)st.st_size);
  show("fstatat empty path", rt_fstatat(dfd, "", &st, AT_EMPTY_PATH));
  rt_printf("dirfd is dir %d\n", (st.st_mode & S_IFMT) == S_IFDIR);
  show("openat file as dirfd", rt_openat(0x7fff, "x", O_RDONLY, 0));
  int ffd = (int)rt_open("a.txt", O_RDONLY, 0);
  show("openat non-dir dirfd", rt_openat(ffd, "x", O_RDONLY, 0));
  rt_close(ffd);
  show("faccessat", rt_faccessat(dfd, "inner.txt", 0));
  list_dir(".");
  list_dir("sub");
  show("unlinkat dir without flag", rt_unlinkat(dfd, "deep", 0));
  show("rmdir nonempty", rt_rmdir("sub"));
  show("unlink dir", rt_unlink("sub"));
  show("rmdir file", rt_rmdir("a.txt"));
  show("unlinkat inner", rt_unlinkat(dfd, "inner.txt", 0));
  show("unlinkat deep removedir", rt_unlinkat(dfd, "deep", AT_REMOVEDIR));

  /* cwd */
  char cwd[512];
  long len = rt_getcwd(cwd, sizeof cwd);
  show("getcwd length ok", len == (long)strlen(cwd) + 1);
  show("getcwd too small", rt_getcwd(cwd, 2));
  show("chdir sub", rt_chdir("sub"));
  show("stat moved via cwd", rt_stat("moved", &st));
  show("chdir ..", rt_chdir(".."));
  show("fchdir", rt_fchdir(dfd));
  show("stat moved via fchdir", rt_stat("moved", &st));
  show("chdir file", rt_chdir("../a.txt"));
  rt_chdir("..");
  rt_close(dfd);
}

static void proc_and_dev(int argc, char **argv) {
  long n = rt_readlink("/proc/self/exe", buf, sizeof buf);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("exe %ld [%s]\n", n, buf);
  int fd = (int)rt_open("/proc/self/cmdline", O_RDONLY, 0);
  n = rt_read(fd, buf, sizeof buf);
  rt_close(fd);
  int args = 0;
  for (long i = 0; i < n; i++) args += buf[i] == 0;
  rt_printf("cmdline nul-terminated args=%d (argc %d) last=%s\n", args, argc, argc > 2 ? argv[argc - 1] : "-");
  fd = (int)rt_open("/proc/self/status", O_RDONLY, 0);
  n = rt_read(fd, buf, sizeof buf - 1);
  rt_close(fd);
  buf[n > 0 ? n : 0] = 0;
  char *nl = buf;
  while (*nl && *nl != '\n') nl++;
  *nl = 0;
  rt_printf("status first line [%s]\n", buf);
  fd = (int)rt_open("a.txt", O_RDONLY, 0);
  char link[32] = "/proc/self/fd/";
  link[14] = (char)('0' + fd / 10), link[15] = (char)('0' + fd % 10), link[16] = 0;
  if (fd < 10) link[14] = (char)('0' + fd), link[15] = 0;
  char cwd[512];
  rt_getcwd(cwd, sizeof cwd);
  n = rt_readlink(link, buf, sizeof buf);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("fd link is cwd/a.txt: %d\n", rt_starts_with(buf, cwd) && rt_strcmp(buf + strlen(cwd), "/a.txt") == 0);
  struct stat st1, st2;
  rt_fstat(fd, &st1);
  rt_stat(link, &st2);
  rt_printf("stat via fd link same inode: %d\n", st1.st_ino == st2.st_ino);
  int again = (int)rt_open(link, O_RDONLY, 0);
  n = rt_read(again, buf, 3);
  rt_printf("reopen via fd link reads %ld\n", n);
  rt_close(again);
  n = rt_readlink("/proc/self/cwd", buf, sizeof buf);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("proc cwd matches getcwd: %d\n", rt_strcmp(buf, cwd) == 0);
  n = rt_readlink("/proc/self/root", buf, sizeof buf);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("proc root [%s]\n", buf);
  rt_close(fd);

  int out = (int)rt_open("/dev/stdout", O_WRONLY, 0);
  show("open /dev/stdout", out > 2);
  rt_write(out, "written via /dev/stdout\n", 24);
  rt_close(out);
  /* /proc/self/fd lists 0, 1, 2 and the directory's own fd */
  int dirfd = (int)rt_open("/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
  int seen = 0;
  for (long got; (got = rt_getdents64(dirfd, buf, sizeof buf)) > 0;)
    for (long off = 0; off < got; off += ((struct rt_dirent64 *)(buf + off))->d_reclen) {
      const char *name = ((struct rt_dirent64 *)(buf + off))->d_name;
      long v = name[0] >= '0' && name[0] <= '9' ? rt_atol(name) : -1;
      if (v == 0 || v == 1 || v == 2) seen++;
      if (v == dirfd) seen += 10;
    }
  rt_close(dirfd);
  rt_printf("proc fd listing has stdio and itself: %d\n", seen == 13);
  fd = (int)rt_open("/dev/null", O_RDWR, 0);
  show("write /dev/null", rt_write(fd, "abc", 3));
  show("read /dev/null", rt_read(fd, buf, 3));
  rt_close(fd);
  fd = (int)rt_open("/dev/zero", O_RDONLY, 0);
  buf[0] = 1, buf[99] = 1;
  show("read /dev/zero", rt_read(fd, buf, 100));
  rt_printf("zeros %d\n", buf[0] == 0 && buf[99] == 0);
  rt_close(fd);
  fd = (int)rt_open("/dev/urandom", O_RDONLY, 0);
  show("read /dev/urandom", rt_read(fd, buf, 64));
  rt_close(fd);
  struct stat st;
  rt_stat("/dev/null", &st);
  rt_printf("/dev/null chr %d rdev %lx\n", (st.st_mode & S_IFMT) == S_IFCHR, (unsigned long)st.st_rdev);
}

static void pipes(void) {
  int p[2];
  show("pipe2", rt_pipe2(p, O_CLOEXEC));
  show("pipe cloexec", rt_fcntl(p[0], F_GETFD, 0));
  show("pipe read end flags", rt_fcntl(p[0], F_GETFL, 0));
  show("pipe write end flags", rt_fcntl(p[1], F_GETFL, 0));
  struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  show("poll empty", rt_poll(pf, 1, 0));
  show("lseek pipe", rt_lseek(p[0], 0, SEEK_SET));
  show("write pipe", rt_write(p[1], "ping", 4));
  int avail = 0;
  show("FIONREAD pipe", rt_ioctl(p[0], FIONREAD, &avail));
  rt_printf("available %d\n", avail);
  show("poll ready", rt_poll(pf, 2, 0));
  rt_printf("revents %x %x\n", pf[0].revents, pf[1].revents);
  unsigned long rset[16] = {0}, wset[16] = {0};
  rset[0] = 1UL << p[0];
  wset[0] = 1UL << p[1];
  struct rt_timeval tv = {0, 0};
  show("select", rt_select(p[1] + 1, rset, wset, 0, &tv));
  rt_printf("select sets %d %d\n", (rset[0] >> p[0]) & 1, (int)((wset[0] >> p[1]) & 1));
  long n = rt_read(p[0], buf, 100);
  buf[n > 0 ? n : 0] = 0;
  rt_printf("read pipe %ld [%s]\n", n, buf);
  show("F_SETFL nonblock", rt_fcntl(p[0], F_SETFL, O_NONBLOCK));
  show("read empty nonblocking", rt_read(p[0], buf, 10));
  show("close write end", rt_close(p[1]));
  show("poll hup", rt_poll(pf, 1, 0));
  rt_printf("revents %x\n", pf[0].revents);
  show("read eof", rt_read(p[0], buf, 10));
  show("ioctl TCGETS pipe", rt_ioctl(p[0], TCGETS, buf));
  int file = (int)rt_open("a.txt", O_RDONLY, 0);
  struct pollfd fp = {file, POLLIN | POLLOUT, 0};
  show("poll regular file", rt_poll(&fp, 1, 1000));
  rt_printf("file revents %x\n", fp.revents);
  struct pollfd bad = {999, POLLIN, 0};
  show("poll bad fd", rt_poll(&bad, 1, 0));
  rt_printf("bad revents %x\n", bad.revents);
  rt_close(file);
  rt_close(p[0]);
  show("fcntl closed", rt_fcntl(p[0], F_GETFD, 0));
}

int main(int argc, char **argv, char **envp) {
  (void)envp;
  if (argc < 2) {
    rt_printf("usage: fsprobe DIR [noproc] [ARGS...]\n");
    return 2;
  }
  show("chdir DIR", rt_chdir(argv[1]));
  file_io();
  paths();
  /* A native chroot oracle has no /proc or /dev inside it. */
  if (argc < 3 || rt_strcmp(argv[2], "noproc") != 0) proc_and_dev(argc, argv);
  pipes();
  return 0;
}
