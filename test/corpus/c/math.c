/* math.h in double and long double: results printed as exact hex floats and rounded decimals. */
#include <stdio.h>
#include <math.h>

int main(void) {
  static const double xs[] = {0.0, 0.5, 1.0, 2.0, 3.14159265358979, 10.0, 100.5, 1e-10, 1e10, -0.75, -7.25};
  for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    double x = xs[i];
    printf("x=%g sqrt=%a sin=%a cos=%a tan=%a exp=%a log=%a log10=%a pow=%a fmod=%a atan2=%a\n", x, sqrt(fabs(x)), sin(x), cos(x), tan(x),
           exp(x > 700 ? 700 : x), log(fabs(x) + 1e-300), log10(fabs(x) + 1), pow(fabs(x), 1.5), fmod(x, 0.7), atan2(x, 1.5));
    printf("  floor=%g ceil=%g round=%g trunc=%g cbrt=%a hypot=%a expm1=%a log1p=%a sinh=%a tanh=%a erf=%a lgamma=%a\n", floor(x), ceil(x), round(x), trunc(x),
           cbrt(x), hypot(x, 3), expm1(x / 10), log1p(fabs(x)), sinh(x / 10), tanh(x), erf(x / 4), lgamma(fabs(x) + 0.5));
  }
  static const long double ls[] = {0.0L, 0.5L, 1.0L, 2.0L, 3.14159265358979323846L, 10.0L, 1e-10L, 1e100L, -0.75L};
  for (unsigned i = 0; i < sizeof ls / sizeof ls[0]; i++) {
    long double x = ls[i];
    printf("lx=%Lg sqrtl=%La sinl=%La cosl=%La expl=%La logl=%La powl=%La fmodl=%La atanl=%La\n", x, sqrtl(fabsl(x)), sinl(x), cosl(x),
           expl(x > 1000 ? 1000 : x), logl(fabsl(x) + 1e-300L), powl(fabsl(x), 1.5L), fmodl(x, 0.7L), atanl(x));
  }
  printf("nan=%g inf=%g -inf=%g isnan=%d isinf=%d signbit(-0)=%d\n", NAN, INFINITY, -INFINITY, isnan(sqrt(-1.0)) != 0, isinf(1 / 0.0) != 0, signbit(-0.0) != 0);
  double acc = 0; for (int i = 1; i <= 100000; i++) acc += sin(i) * exp(-i * 1e-5) / sqrt((double)i);
  long double lacc = 0; for (int i = 1; i <= 20000; i++) lacc += 1.0L / ((long double)i * i);
  printf("series=%.15g zeta2=%.18Lg pi^2/6=%.18Lg\n", acc, lacc, 3.14159265358979323846264338327950288L * 3.14159265358979323846264338327950288L / 6);
  return 0;
}
