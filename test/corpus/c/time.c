/* time/gmtime/localtime/mktime/strftime with fixed values (run with TZ=UTC). */
#include <stdio.h>
#include <time.h>

int main(void) {
  static const time_t ts[] = {0, 1, 86399, 951782400, 1000000000, 1234567890, 1700000000, 2147483647, 4102444800LL, -86400};
  char buf[256];
  for (unsigned i = 0; i < sizeof ts / sizeof ts[0]; i++) {
    struct tm g, l; gmtime_r(&ts[i], &g); localtime_r(&ts[i], &l);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %A %b %B %j %U %W %u %w %y %C %e %D %T %R %p %I %G %V %s %%", &g);
    printf("%lld: %s\n", (long long)ts[i], buf);
    strftime(buf, sizeof buf, "%c | %x | %X | %Z %z", &l);
    struct tm copy = l; time_t back = mktime(&copy);
    printf("   local: %s mktime=%lld yday=%d isdst=%d\n", buf, (long long)back, l.tm_yday, l.tm_isdst);
    printf("   asctime=%s", asctime(&g));
  }
  struct tm t = {0}; t.tm_year = 124; t.tm_mon = 1; t.tm_mday = 30; t.tm_hour = 25;
  time_t norm = mktime(&t); strftime(buf, sizeof buf, "%F %T", &t);
  printf("normalized Feb 30 25:00 2024 -> %s (%lld)\n", buf, (long long)norm);
  printf("difftime=%g\n", difftime(1700000000, 1600000000));
  time_t now = time(NULL); printf("time() plausible=%d\n", now > 1600000000);
  struct timespec ts1; clock_gettime(CLOCK_REALTIME, &ts1); printf("clock_gettime plausible=%d\n", ts1.tv_sec > 1600000000 && ts1.tv_nsec < 1000000000);
  struct timespec m1, m2; clock_gettime(CLOCK_MONOTONIC, &m1); clock_gettime(CLOCK_MONOTONIC, &m2);
  printf("monotonic=%d\n", m2.tv_sec > m1.tv_sec || (m2.tv_sec == m1.tv_sec && m2.tv_nsec >= m1.tv_nsec));
  return 0;
}
