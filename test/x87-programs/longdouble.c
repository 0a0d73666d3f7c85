/* Whole-program test for the x87: long double arithmetic as compiled C does it (fld/fstp of every
 * size, fild/fistp/fisttp, fadd..fdivr, fsqrt, fchs/fabs, fcomi/fucomi, fcmov, fxam, frndint,
 * fscale, fxtract, fprem/fprem1, fnstcw/fldcw with every rounding and precision control), plus a
 * decimal printer written the way printf's long double path works. Results print as hex bits. */
#include "rt.h"

typedef long double ld;

static void put_ld(const char *what, ld v) {
  unsigned char b[16];
  memcpy(b, &v, 10);
  uint64_t sig;
  uint16_t se;
  memcpy(&sig, b, 8);
  memcpy(&se, b + 8, 2);
  rt_fprintf(1, "%s %04x:%016lx\n", what, (unsigned)se, (unsigned long)sig);
}

static ld from_bits(uint16_t se, uint64_t sig) {
  ld v = 0;
  unsigned char b[16] = {0};
  memcpy(b, &sig, 8);
  memcpy(b + 8, &se, 2);
  memcpy(&v, b, 10);
  return v;
}

static void set_cw(uint16_t cw) { __asm__ volatile("fldcw %0" : : "m"(cw)); }
static uint16_t get_cw(void) { uint16_t cw; __asm__ volatile("fnstcw %0" : "=m"(cw)); return cw; }
static uint16_t get_sw(void) { uint16_t sw; __asm__ volatile("fnstsw %0" : "=a"(sw)); return sw; }
static void clear_ex(void) { __asm__ volatile("fnclex"); }

static ld fprem(ld a, ld b, int ieee) {
  ld r;
  if (ieee) __asm__("1: fprem1; fnstsw %%ax; testw $0x400, %%ax; jnz 1b" : "=t"(r) : "0"(a), "u"(b) : "ax", "cc");
  else __asm__("1: fprem; fnstsw %%ax; testw $0x400, %%ax; jnz 1b" : "=t"(r) : "0"(a), "u"(b) : "ax", "cc");
  return r;
}
static ld fscale(ld a, ld n) { ld r; __asm__("fscale" : "=t"(r) : "0"(a), "u"(n)); return r; }
static ld frndint(ld a) { ld r; __asm__("frndint" : "=t"(r) : "0"(a)); return r; }
static void fxtract(ld a, ld *e, ld *s) { ld x, y; __asm__("fxtract" : "=t"(y), "=u"(x) : "0"(a)); *e = x; *s = y; }
static unsigned fxam(ld a) { uint16_t sw; __asm__("fxam; fnstsw %0" : "=a"(sw) : "t"(a)); return sw & 0x4700; }

static __attribute__((noinline)) ld series_e(void) {
  ld e = 1, term = 1;
  for (int k = 1; k < 30; k++) { term /= k; e += term; }
  return e;
}
static __attribute__((noinline)) ld series_pi(void) {
  /* Machin: pi = 16 atan(1/5) - 4 atan(1/239). */
  ld s1 = 0, s2 = 0, p1 = 1.0L / 5, p2 = 1.0L / 239;
  for (int k = 0; k < 40; k++) {
    ld t1 = p1 / (2 * k + 1), t2 = p2 / (2 * k + 1);
    if (k & 1) { s1 -= t1; s2 -= t2; } else { s1 += t1; s2 += t2; }
    p1 /= 25; p2 /= 239 * 239;
  }
  return 16 * s1 - 4 * s2;
}

/* Decimal digits of a positive long double, as printf's %Lf path does (scale, then peel digits). */
static void put_decimal(ld v) {
  char buf[80];
  int n = 0;
  int exp10 = 0;
  while (v >= 10) { v /= 10; exp10++; }
  while (v < 1 && v > 0) { v *= 10; exp10--; }
  for (int i = 0; i < 20; i++) {
    int d = (int)v;
    buf[n++] = (char)('0' + d);
    v = (v - d) * 10;
  }
  buf[n] = 0;
  rt_fprintf(1, "decimal %se%d\n", buf, exp10);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) { rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17; return rng_state; }

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  static const uint16_t cws[] = {0x037f, 0x027f, 0x007f, 0x077f, 0x0b7f, 0x0f7f, 0x0e7f, 0x047f};
  put_ld("e", series_e());
  put_ld("pi", series_pi());
  put_decimal(series_pi());
  put_decimal(1e4000L / 7);
  put_ld("sqrt2", __builtin_sqrtl(2.0L));
  put_ld("tiny", from_bits(0x0001, 0x8000000000000000ULL) / 3);
  put_ld("huge", from_bits(0x7ffe, 0xffffffffffffffffULL) * 2);
  for (unsigned c = 0; c < sizeof cws / sizeof cws[0]; c++) {
    set_cw(cws[c]);
    clear_ex();
    rt_fprintf(1, "cw %04x\n", get_cw());
    uint64_t acc = 0;
    for (int k = 0; k < 200; k++) {
      uint64_t r1 = next(), r2 = next();
      ld a = from_bits((uint16_t)(0x3fff + (int)(r1 >> 58) - 32 + ((r1 & 1) << 15)), r2 | (1ULL << 63));
      ld b = (ld)(int64_t)next() / (ld)(next() | 1);
      ld s = a + b, d = a - b, p = a * b, q = a / b, sq = __builtin_sqrtl(a < 0 ? -a : a);
      double dd = (double)q;
      float ff = (float)p;
      long li = (long)d;
      unsigned long ul = (unsigned long)(a < 0 ? -a : a);
      uint64_t bits[5];
      memcpy(&bits[0], &s, 8), memcpy(&bits[1], &p, 8), memcpy(&bits[2], &q, 8), memcpy(&bits[3], &sq, 8), memcpy(&bits[4], &dd, 8);
      uint32_t fb;
      memcpy(&fb, &ff, 4);
      acc = (acc ^ bits[0] ^ bits[1] * 3 ^ bits[2] * 5 ^ bits[3] * 7 ^ bits[4] * 11 ^ fb ^ (uint64_t)li ^ ul) * 0x100000001b3ULL;
      acc += (a < b) + 2 * (a == b) + 4 * (s > d);
      if (k < 3) { put_ld("  s", s); put_ld("  q", q); put_ld("  rint", frndint(q)); put_ld("  rem", fprem(a, b, 0)); put_ld("  rem1", fprem(a, b, 1)); }
    }
    rt_fprintf(1, "  acc %016lx sw %04x\n", (unsigned long)acc, get_sw() & 0x3f);
  }
  set_cw(0x037f);
  ld e, s;
  fxtract(1e300L * 1e300L, &e, &s);
  put_ld("xtract e", e);
  put_ld("xtract s", s);
  put_ld("scale", fscale(3.0L, 100.0L));
  put_ld("scale-", fscale(3.0L, -16500.0L));
  ld specials[] = {0.0L, -0.0L, 1.0L / 0.0L, __builtin_nanl(""), from_bits(0, 5), from_bits(0x4000, 0x4000000000000000ULL), 42.0L};
  for (unsigned i = 0; i < sizeof specials / sizeof specials[0]; i++) rt_fprintf(1, "fxam %04x\n", fxam(specials[i]));
  ld nan = __builtin_nanl("");
  rt_fprintf(1, "cmp %d %d %d %d\n", nan < 1.0L, nan == nan, 1.0L <= 2.0L, -0.0L == 0.0L);
  rt_fprintf(1, "toint %ld %ld %lu\n", (long)1e30L, (long)-2.5L, (unsigned long)1.8e19L);
  return 0;
}
