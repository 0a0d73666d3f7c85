/* strtod/strtof/strtold/strtol/strtoull on edge cases; results as exact hex floats. */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

int main(void) {
  static const char *in[] = {"0", "-0", "1", "0.1", "3.141592653589793238462643383279", "1e308", "1e309", "-1e-320",
    "2.2250738585072011e-308", "4.9406564584124654e-324", "123456789012345678901234567890", "0x1.8p3", "0x.Cp-2",
    "inf", "-Infinity", "nan", "  +12.5e+2xyz", "1.7976931348623157e308", "9007199254740993", ".5", "5.", "e5", "",
    "1e-4000", "1e4000", "0.30000000000000004", "1.000000000000000000000000000000001"};
  for (unsigned i = 0; i < sizeof in / sizeof in[0]; i++) {
    char *end; errno = 0;
    double d = strtod(in[i], &end); int e1 = errno, used = (int)(end - in[i]); errno = 0;
    float f = strtof(in[i], NULL); int e2 = errno; errno = 0;
    long double ld = strtold(in[i], NULL); int e3 = errno;
    printf("%-38s d=%.17g (%a) used=%d erange=%d f=%.9g erange=%d ld=%.21Lg erange=%d\n", in[i], d, d, used, e1 == ERANGE, f, e2 == ERANGE, ld, e3 == ERANGE);
  }
  static const char *ints[] = {"0", "-1", "2147483647", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "0x7fFF", "0777", "z", "  -42abc", "18446744073709551615", "18446744073709551616"};
  for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    char *end; errno = 0;
    long l = strtol(ints[i], &end, 0); int e = errno; errno = 0;
    unsigned long long u = strtoull(ints[i], NULL, 0); int eu = errno;
    printf("%-24s l=%ld used=%d erange=%d ull=%llu erange=%d base36=%ld\n", ints[i], l, (int)(end - ints[i]), e == ERANGE, u, eu == ERANGE, strtol(ints[i], NULL, 36));
  }
  printf("atof=%g atoi=%d atol=%ld\n", atof("2.5e1"), atoi("  77z"), atol("-99999999999"));
  return 0;
}
