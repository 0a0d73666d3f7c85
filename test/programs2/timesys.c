/* Time syscalls: clock resolutions and errors, clocks that agree with each other, sleeps that last
 * at least as long as asked, times and getrusage. Prints only what must match natively and under Ferry. */
#include "rt-process.h"

#define NCLOCKS 12
#define TIMER_ABSTIME 1

static long ns(const struct rt_timespec *t) { return t->sec * 1000000000L + t->nsec; }
static long now(int clock) {
  struct rt_timespec t;
  rt_syscall3(SYS_clock_gettime, clock, &t, 0);
  return ns(&t);
}

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  struct rt_timespec t = {-1, -1};
  for (int c = 0; c < NCLOCKS; c++) {
    t.sec = t.nsec = -1;
    long r = rt_syscall3(SYS_clock_getres, c, &t, 0);
    rt_printf("clock %d: getres %ld %ld.%09ld", c, r, t.sec, t.nsec);
    t.sec = t.nsec = -1;
    r = rt_syscall3(SYS_clock_gettime, c, &t, 0);
    rt_printf(" gettime %ld valid %d\n", r, r == 0 && t.sec >= 0 && t.nsec >= 0 && t.nsec < 1000000000L);
  }
  rt_printf("getres(NULL) %ld bad clock %ld %ld bad pointer %ld\n", rt_syscall3(SYS_clock_getres, 1, 0, 0),
            rt_syscall3(SYS_clock_getres, 99, &t, 0), rt_syscall3(SYS_clock_gettime, 99, &t, 0),
            rt_syscall3(SYS_clock_gettime, 0, 8, 0));

  /* The clocks against each other: realtime ~ gettimeofday ~ time; monotonic <= boottime; coarse trails. */
  struct { long sec, usec; } tv;
  long real = now(0);
  long gtod = rt_syscall3(SYS_gettimeofday, &tv, 0, 0);
  long seconds = rt_syscall3(SYS_time, 0, 0, 0);
  long stored = 0;
  rt_syscall3(SYS_time, &stored, 0, 0);
  rt_printf("gettimeofday %ld close %d time close %d stored %d\n", gtod, tv.sec * 1000000000L + tv.usec * 1000L - real < 1000000000L,
            seconds - real / 1000000000L <= 1, stored - seconds <= 1);
  long mono1 = now(1), boot = now(7), coarse = now(6), mono2 = now(1), raw = now(4);
  rt_printf("monotonic <= boottime %d ordered %d coarse trails %d raw close %d\n", mono1 <= boot, mono1 <= mono2,
            coarse <= mono2 + 1 && mono2 - coarse < 100000000L, raw - mono2 < 1000000000L && mono2 - raw < 1000000000L);
  long tai = now(11), rcoarse = now(5), real2 = now(0);
  rt_printf("tai - realtime in seconds %ld realtime coarse trails %d\n", (tai - real2 + 500000000L) / 1000000000L,
            rcoarse <= real2 + 1 && real2 - rcoarse < 100000000L);
  long cpu1 = now(2), cpu2 = now(3);
  rt_printf("cpu clocks positive %d\n", cpu1 > 0 && cpu2 > 0);

  /* Sleeps: relative, absolute in the past and future, and the argument errors. */
  struct rt_timespec ten_ms = {0, 10000000}, rem = {7, 7};
  long before = now(1);
  long r = rt_syscall3(SYS_nanosleep, &ten_ms, &rem, 0);
  rt_printf("nanosleep %ld slept>=10ms %d rem untouched %d\n", r, now(1) - before >= 10000000L, rem.sec == 7);
  before = now(1);
  r = rt_syscall4(SYS_clock_nanosleep, 1, 0, &ten_ms, 0);
  rt_printf("clock_nanosleep relative %ld slept>=10ms %d\n", r, now(1) - before >= 10000000L);
  long deadline = now(0) + 20000000L;
  struct rt_timespec abs = {deadline / 1000000000L, deadline % 1000000000L};
  r = rt_syscall4(SYS_clock_nanosleep, 0, TIMER_ABSTIME, &abs, 0);
  rt_printf("clock_nanosleep absolute %ld reached %d\n", r, now(0) >= deadline);
  struct rt_timespec past = {1, 0};
  rt_printf("absolute in the past %ld\n", rt_syscall4(SYS_clock_nanosleep, 1, TIMER_ABSTIME, &past, 0));
  struct rt_timespec bad_ns = {0, 1000000000L}, neg = {-1, 0};
  rt_printf("nanosleep bad nsec %ld negative %ld bad pointer %ld\n", rt_syscall3(SYS_nanosleep, &bad_ns, 0, 0),
            rt_syscall3(SYS_nanosleep, &neg, 0, 0), rt_syscall3(SYS_nanosleep, 8, 0, 0));
  rt_printf("clock_nanosleep thread cputime %ld raw %ld bad clock %ld\n", rt_syscall4(SYS_clock_nanosleep, 3, 0, &ten_ms, 0),
            rt_syscall4(SYS_clock_nanosleep, 4, 0, &ten_ms, 0), rt_syscall4(SYS_clock_nanosleep, 99, 0, &ten_ms, 0));

  long tms[4] = {-1, -1, -1, -1};
  r = rt_syscall3(SYS_times, tms, 0, 0);
  rt_printf("times positive %d children %ld %ld times(NULL) ok %d\n", r > 0 && tms[0] >= 0 && tms[1] >= 0, tms[2], tms[3],
            rt_syscall3(SYS_times, 0, 0, 0) > 0);
  long usage[18];
  memset(usage, 0xff, sizeof usage);
  r = rt_syscall3(SYS_getrusage, 0, usage, 0);
  rt_printf("getrusage self %ld usec valid %d maxrss>0 %d\n", r, usage[1] >= 0 && usage[1] < 1000000 && usage[3] >= 0 && usage[3] < 1000000,
            usage[4] > 0);
  r = rt_syscall3(SYS_getrusage, -1, usage, 0);
  rt_printf("getrusage children %ld utime %ld.%06ld maxrss %ld\n", r, usage[0], usage[1], usage[4]);
  rt_printf("getrusage bad who %ld\n", rt_syscall3(SYS_getrusage, 5, usage, 0));
  return 0;
}
