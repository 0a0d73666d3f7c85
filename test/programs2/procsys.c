/* Process syscalls: ids, resource limits, sysinfo, getrandom, prctl, affinity, getcpu and the
 * start-up calls glibc makes. Prints only what must be the same natively and under Ferry. */
#include "rt-process.h"

#define PR_GET_DUMPABLE 3
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16

static int bit_set(const unsigned char *mask, long cpu) { return (mask[cpu >> 3] >> (cpu & 7)) & 1; }

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  long pid = rt_syscall0(SYS_getpid), ppid = rt_syscall0(SYS_getppid);
  rt_printf("uid=%ld euid=%ld gid=%ld egid=%ld\n", rt_syscall0(SYS_getuid), rt_syscall0(SYS_geteuid),
            rt_syscall0(SYS_getgid), rt_syscall0(SYS_getegid));
  rt_printf("tid==pid %d set_tid_address==pid %d\n", rt_syscall0(SYS_gettid) == pid,
            rt_syscall3(SYS_set_tid_address, &pid, 0, 0) == pid);
  long pgrp = rt_syscall0(SYS_getpgrp);
  rt_printf("getpgid(0)==getpgrp %d getpgid(self)==getpgrp %d pgid(parent)==pgrp %d\n",
            rt_syscall3(SYS_getpgid, 0, 0, 0) == pgrp, rt_syscall3(SYS_getpgid, pid, 0, 0) == pgrp,
            rt_syscall3(SYS_getpgid, ppid, 0, 0) == pgrp);
  rt_printf("getsid(0)==getsid(parent) %d getsid(0)>0 %d\n", rt_syscall3(SYS_getsid, 0, 0, 0) == rt_syscall3(SYS_getsid, ppid, 0, 0),
            rt_syscall3(SYS_getsid, 0, 0, 0) > 0);
  rt_printf("getpgid(no such) %ld getsid(no such) %ld\n", rt_syscall3(SYS_getpgid, 99999999, 0, 0), rt_syscall3(SYS_getsid, 99999999, 0, 0));
  rt_printf("setpgid(0,0) %ld then getpgrp==pid %d\n", rt_syscall3(SYS_setpgid, 0, 0, 0), rt_syscall0(SYS_getpgrp) == pid);
  rt_printf("setpgid(0,-1) %ld setpgid(other) %ld\n", rt_syscall3(SYS_setpgid, 0, -1, 0), rt_syscall3(SYS_setpgid, 99999999, 0, 0));

  struct rt_rlimit lim, old;
  for (int r = 0; r < RLIM_NLIMITS; r++) {
    long res = rt_syscall3(SYS_getrlimit, r, &lim, 0);
    rt_printf("rlimit %d: %ld %lx %lx\n", r, res, lim.cur, lim.max);
  }
  rt_printf("getrlimit(16) %ld prlimit64(other) %ld\n", rt_syscall3(SYS_getrlimit, 16, &lim, 0),
            rt_syscall4(SYS_prlimit64, 99999999, RLIMIT_NOFILE, 0, &lim));
  rt_syscall3(SYS_getrlimit, RLIMIT_NOFILE, &lim, 0);
  struct rt_rlimit bad = { lim.max, lim.max - 1 }, lower = { 64, lim.max };
  rt_printf("setrlimit soft>hard %ld\n", rt_syscall3(SYS_setrlimit, RLIMIT_NOFILE, &bad, 0));
  rt_printf("prlimit64 lower %ld old==getrlimit %d\n", rt_syscall4(SYS_prlimit64, 0, RLIMIT_NOFILE, &lower, &old),
            old.cur == lim.cur && old.max == lim.max);
  rt_syscall3(SYS_getrlimit, RLIMIT_NOFILE, &lim, 0);
  rt_printf("read back %lx %lx\n", lim.cur, lim.max);

  struct rt_sysinfo info;
  rt_printf("sysinfo %ld mem_unit=%u totalram=%lx totalswap=%lx procs>0 %d uptime>0 %d\n", rt_syscall3(SYS_sysinfo, &info, 0, 0),
            info.mem_unit, info.totalram, info.totalswap, info.procs > 0, info.uptime > 0);

  unsigned char random[64] = {0};
  rt_printf("getrandom %ld %ld %ld %ld %ld\n", rt_syscall3(SYS_getrandom, random, 32, 0), rt_syscall3(SYS_getrandom, random, 32, 1),
            rt_syscall3(SYS_getrandom, random, 16, 3), rt_syscall3(SYS_getrandom, random, 16, 8), rt_syscall3(SYS_getrandom, random, 16, 6));
  int nonzero = 0;
  for (int i = 0; i < 32; i++) nonzero += random[i] != 0;
  rt_printf("random bytes mostly nonzero %d getrandom(0) %ld getrandom(bad ptr) %ld\n", nonzero > 20,
            rt_syscall3(SYS_getrandom, random, 0, 0), rt_syscall3(SYS_getrandom, 8, 16, 0));

  char name[32];
  rt_printf("prctl dumpable %ld set name %ld\n", rt_syscall3(SYS_prctl, PR_GET_DUMPABLE, 0, 0),
            rt_syscall3(SYS_prctl, PR_SET_NAME, "a-rather-long-thread-name", 0));
  memset(name, 'x', sizeof name);
  rt_printf("get name %ld [%s] byte15=%d unknown %ld\n", rt_syscall3(SYS_prctl, PR_GET_NAME, name, 0), name, name[15],
            rt_syscall3(SYS_prctl, 9999, 0, 0));

  unsigned char mask[128];
  memset(mask, 0, sizeof mask);
  long got = rt_syscall3(SYS_sched_getaffinity, 0, sizeof mask, mask);
  rt_printf("sched_getaffinity %ld mask %x %x\n", got, mask[0], mask[1]);
  rt_printf("sched_getaffinity len 4 %ld len 9 %ld other %ld\n", rt_syscall3(SYS_sched_getaffinity, 0, 4, mask),
            rt_syscall3(SYS_sched_getaffinity, 0, 9, mask), rt_syscall3(SYS_sched_getaffinity, 99999999, sizeof mask, mask));
  rt_syscall3(SYS_sched_getaffinity, 0, sizeof mask, mask);
  unsigned cpu = 999, node = 999;
  long r = rt_syscall3(SYS_getcpu, &cpu, &node, 0);
  rt_printf("getcpu %ld allowed %d node %u sched_yield %ld\n", r, bit_set(mask, cpu), node, rt_syscall0(SYS_sched_yield));

  static long robust[3];
  rt_printf("set_robust_list %ld %ld\n", rt_syscall3(SYS_set_robust_list, robust, 24, 0), rt_syscall3(SYS_set_robust_list, robust, 23, 0));
  return 0;
}
