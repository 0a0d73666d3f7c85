/* Whole-program test: the remaining simple syscalls: writev, uname, getpid, and the errors
 * write/read give for a bad descriptor. Only values that are the same on every run are printed. */
#include "rt.h"

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  struct rt_iovec iov[4] = {{"writev ", 7}, {"", 0}, {"joins ", 6}, {"pieces\n", 7}};
  long n = rt_writev(1, iov, 4);
  rt_printf("writev returned %ld\n", n);
  struct rt_iovec err_iov[2] = {{"to stderr ", 10}, {"too\n", 4}};
  rt_printf("writev(2) returned %ld\n", rt_writev(2, err_iov, 2));

  struct rt_utsname u;
  memset(&u, 0, sizeof u);
  long r = rt_uname(&u);
  rt_printf("uname=%ld sysname=%s machine=%s release_nonempty=%d\n", r, u.sysname, u.machine, u.release[0] != 0);

  long pid = rt_getpid();
  rt_printf("pid_positive=%d pid_stable=%d\n", pid > 0, pid == rt_getpid());

  rt_printf("write(bad fd)=%ld read(bad fd)=%ld\n", rt_write(99, "x", 1), rt_read(99, &u, 1));
  rt_printf("write(0 bytes)=%ld\n", rt_write(1, "", 0));
  return 0;
}
