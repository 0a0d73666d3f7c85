/* Syscall numbers and structs for the process, signal and time programs in test/programs2, on top of
 * test/programs/rt.h (which lists only the syscalls of the first programs). */
#ifndef FERRY_TEST_RT_PROCESS_H
#define FERRY_TEST_RT_PROCESS_H

#include "../programs/rt.h"

#define SYS_open 2
#define SYS_close 3
#define SYS_rt_sigaction 13
#define SYS_msync 26
#define SYS_rt_sigprocmask 14
#define SYS_sched_yield 24
#define SYS_nanosleep 35

#define SYS_kill 62
#define SYS_gettimeofday 96
#define SYS_getrlimit 97
#define SYS_getrusage 98
#define SYS_sysinfo 99
#define SYS_times 100
#define SYS_getuid 102
#define SYS_getgid 104
#define SYS_geteuid 107
#define SYS_getegid 108
#define SYS_setpgid 109
#define SYS_getppid 110
#define SYS_getpgrp 111
#define SYS_getpgid 121
#define SYS_getsid 124
#define SYS_rt_sigpending 127
#define SYS_sigaltstack 131
#define SYS_prctl 157
#define SYS_setrlimit 160
#define SYS_gettid 186
#define SYS_time 201
#define SYS_sched_getaffinity 204
#define SYS_set_tid_address 218
#define SYS_clock_gettime 228
#define SYS_clock_getres 229
#define SYS_clock_nanosleep 230
#define SYS_tgkill 234
#define SYS_set_robust_list 273
#define SYS_prlimit64 302
#define SYS_getcpu 309
#define SYS_getrandom 318
#define SYS_rseq 334

#define O_RDONLY 0
#define O_RDWR 2
#define MAP_SHARED 0x01
#define MS_SYNC 4

#define rt_syscall0(n) rt_syscall6((n), 0, 0, 0, 0, 0, 0)
#define rt_syscall4(n, a, b, c, d) rt_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

struct rt_timespec { long sec, nsec; };
struct rt_rlimit { unsigned long cur, max; };
struct rt_sigaction { unsigned long handler, flags, restorer, mask; };
struct rt_stack { unsigned long sp; int flags; unsigned long size; };
struct rt_sysinfo {
  long uptime; unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
  unsigned short procs, pad; unsigned long totalhigh, freehigh; unsigned int mem_unit; char reserved[4];
};

#endif
