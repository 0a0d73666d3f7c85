/* printf/scanf family: integer, float and long double conversions, snprintf, sscanf, scanf on stdin. */
#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>

int main(void) {
  printf("[%d] [%5d] [%-5d] [%05d] [%+d] [% d]\n", 42, 42, 42, 42, 42, 42);
  printf("[%u] [%x] [%X] [%#x] [%o] [%#o]\n", 4000000000u, 0xbeefu, 0xbeefu, 255u, 8u, 8u);
  printf("[%ld] [%lld] [%" PRId64 "] [%" PRIu64 "]\n", -1234567890123L, -9223372036854775807LL - 1, INT64_MAX, UINT64_MAX);
  printf("[%hhd] [%hd] [%zu] [%c] [%%]\n", (signed char)200, (short)70000, sizeof(long double), 'Z');
  printf("[%s] [%10s] [%-10s] [%.3s] [%*d] [%-*d]\n", "abc", "right", "left", "truncate", 6, 7, 6, 7);
  double ds[] = {0.0, -0.0, 1.0, 0.1, 1e-300, 123456789.123456789, 2.5e300, 1.0 / 3.0, 6.02214076e23};
  for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++)
    printf("%%f=%f %%e=%e %%g=%g %%.17g=%.17g %%a=%a\n", ds[i], ds[i], ds[i], ds[i], ds[i]);
  long double ls[] = {0.0L, 1.0L, 0.1L, 1.0L / 3.0L, 3.14159265358979323846264338327950288L, 1e4000L, -2.5e-4000L};
  for (unsigned i = 0; i < sizeof ls / sizeof ls[0]; i++)
    printf("%%Lf=%Lf %%Le=%.20Le %%Lg=%Lg\n", ls[i], ls[i], ls[i]);
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%s-%d-%.2f", "snprintf", 99, 2.345);
  printf("snprintf n=%d buf=%s\n", n, buf);
  n = snprintf(buf, 8, "%s", "truncated output here");
  printf("snprintf trunc n=%d buf=%s\n", n, buf);
  int a, b; double d; long double ld; char word[32]; unsigned x;
  n = sscanf("17 -4 2.75 1.25e3 token ff", "%d %d %lf %Lf %31s %x", &a, &b, &d, &ld, word, &x);
  printf("sscanf n=%d a=%d b=%d d=%g ld=%Lg word=%s x=%u\n", n, a, b, d, ld, word, x);
  long sum = 0; double fsum = 0; int count = 0; char tok[64];
  while ((n = scanf("%63s", tok)) == 1) {
    long v; double f;
    if (sscanf(tok, "%ld", &v) == 1 && strchr(tok, '.') == NULL) sum += v;
    else if (sscanf(tok, "%lf", &f) == 1) fsum += f;
    count++;
  }
  printf("scanf tokens=%d int sum=%ld float sum=%.6f\n", count, sum, fsum);
  fprintf(stderr, "stderr: %s %d\n", "done", count);
  return 0;
}
