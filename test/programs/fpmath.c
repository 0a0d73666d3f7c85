/* Whole-program test: SSE2 scalar float and double arithmetic, sqrt, min/max, comparisons with NaN,
 * and int/float conversions incl. out-of-range ones. Results are printed as raw bits, so no libm is needed. */
#include "rt.h"

static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static double from_bits(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static const uint64_t special[] = {
    0x0000000000000000ULL, 0x8000000000000000ULL, 0x3ff0000000000000ULL, 0xbff0000000000000ULL,
    0x4000000000000000ULL, 0x3fe0000000000000ULL, 0x400921fb54442d18ULL, 0xc05ec00000000000ULL,
    0x7ff0000000000000ULL, 0xfff0000000000000ULL, 0x7ff8000000000000ULL, 0x0000000000000001ULL,
    0x000fffffffffffffULL, 0x7fefffffffffffffULL, 0x43e0000000000000ULL, 0xc3e0000000000001ULL,
    0x41dfffffffc00000ULL, 0x3fb999999999999aULL, 0x4415af1d78b58c40ULL, 0x3ff8000000000000ULL,
};
#define NSPECIAL (sizeof special / sizeof special[0])

static uint64_t checksum;
static void mix(uint64_t v) { checksum = (checksum ^ v) * 0x100000001b3ULL + (checksum >> 31); }

static __attribute__((noinline)) double dmin(double a, double b) { return a < b ? a : b; }
static __attribute__((noinline)) double dmax(double a, double b) { return a > b ? a : b; }
static __attribute__((noinline)) float fmin_(float a, float b) { return a < b ? a : b; }
static __attribute__((noinline)) long cvtsd2si(double d) { long r; __asm__("cvtsd2si %1, %0" : "=r"(r) : "x"(d)); return r; }

static __attribute__((noinline)) void pair(double a, double b) {
  mix(dbits(a + b)), mix(dbits(a - b)), mix(dbits(a * b)), mix(dbits(a / b));
  mix(dbits(dmin(a, b))), mix(dbits(dmax(a, b)));
  mix((uint64_t)((a < b) | (a <= b) << 1 | (a == b) << 2 | (a != b) << 3 | (a > b) << 4 | (a >= b) << 5 |
                 __builtin_isunordered(a, b) << 6));
  float fa = (float)a, fb = (float)b;
  mix(fbits(fa)), mix(fbits(fa + fb)), mix(fbits(fa * fb)), mix(fbits(fa / fb)), mix(fbits(fmin_(fa, fb)));
  mix(dbits((double)(fa - fb))), mix(dbits(a * b + a));
}

static __attribute__((noinline)) void single(double a) {
  mix(dbits(__builtin_sqrt(a))), mix(fbits(__builtin_sqrtf((float)a)));
  mix((uint64_t)(long)a);          /* cvttsd2si: out of range gives 0x8000000000000000 */
  mix((uint64_t)(int)a);           /* 32-bit: 0x80000000 */
  mix((uint64_t)cvtsd2si(a));      /* round to nearest even */
  mix((uint64_t)(unsigned long)(a > 0 && a < 1.8e19 ? a : 0));
  mix(dbits(-a)), mix(dbits(__builtin_fabs(a))), mix(dbits(__builtin_copysign(1.0, a)));
}

int main(int argc, char **argv, char **envp) {
  (void)argv, (void)envp;
  for (unsigned i = 0; i < NSPECIAL; i++) {
    double a = from_bits(special[i]);
    single(a);
    for (unsigned j = 0; j < NSPECIAL; j++) pair(a, from_bits(special[j]));
    rt_printf("row %2u %016lx: %016lx\n", i, (unsigned long)special[i], (unsigned long)checksum);
  }
  rt_printf("0.0/0.0 = %016lx (x86 default NaN is negative)\n", (unsigned long)dbits(from_bits(0) / from_bits(0)));
  rt_printf("inf-inf = %016lx\n", (unsigned long)dbits(from_bits(special[8]) + from_bits(special[9])));
  rt_printf("sqrt(-1) = %016lx\n", (unsigned long)dbits(__builtin_sqrt(-(double)argc)));
  rt_printf("(long)1e30 = %016lx (int)-1e10 = %08x\n", (unsigned long)(long)from_bits(special[18]),
            (unsigned)(int)(-1e10 * argc));

  double sum = 0, x = 2.0;
  for (int i = 1; i <= 20000; i++) sum += 1.0 / ((double)i * i);
  for (int i = 0; i < 8; i++) x = 0.5 * (x + 2.0 / x);
  rt_printf("basel partial=%016lx newton sqrt2=%016lx\n", (unsigned long)dbits(sum), (unsigned long)dbits(x));
  float fs = 0;
  for (int i = 1; i <= 5000; i++) fs += (float)i * 0.001f;
  rt_printf("float series=%08x\n", fbits(fs));
  uint64_t big = 0xfffffffffffff800ULL >> (argc - 1);
  rt_printf("u64->double=%016lx double->u64=%016lx i32->float=%08x\n", (unsigned long)dbits((double)big),
            (unsigned long)(uint64_t)(double)big, fbits((float)(-123456789 * argc)));
  return 0;
}
