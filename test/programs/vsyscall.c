/* Calls the legacy vsyscall page (time at +0x400, gettimeofday at +0) the way old static binaries do,
 * and prints whether the answers agree with each other and with the time syscall. */
#include "rt.h"

struct timeval_ { long sec, usec; };

int main(int argc, char **argv, char **envp) {
  (void)argc; (void)argv; (void)envp;
  long (*vtime)(long *) = (long (*)(long *))0xffffffffff600400UL;
  long (*vgettimeofday)(struct timeval_ *, void *) = (long (*)(struct timeval_ *, void *))0xffffffffff600000UL;
  long stored = 0;
  long t = vtime(&stored);
  struct timeval_ tv = { 0, -1 };
  long r = vgettimeofday(&tv, 0);
  long sys = rt_syscall3(201, 0, 0, 0);
  rt_fprintf(1, "time: plausible=%d stored=%d\n", t > 1600000000L, stored == t);
  rt_fprintf(1, "gettimeofday: ret=%ld close=%d usec_ok=%d\n", r, tv.sec - t >= 0 && tv.sec - t < 5, tv.usec >= 0 && tv.usec < 1000000);
  rt_fprintf(1, "syscall time close=%d\n", sys - t >= 0 && sys - t < 5);
  return 0;
}
