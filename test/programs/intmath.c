/* Whole-program test: integer arithmetic at plain -O2 (baseline x86-64): 8/16/32/64-bit mul, div,
 * mod and shifts, 128-bit arithmetic, overflow builtins and bit tricks, over edge and pseudo-random values. */
#include "rt.h"

static uint64_t state;
static uint64_t next_random(void) { /* xorshift64*: deterministic operands the compiler cannot fold */
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

static uint64_t checksum;
static void mix(uint64_t v) { checksum = (checksum ^ v) * 0x100000001b3ULL + (checksum >> 29); }

static const uint64_t edges[] = {0, 1, 2, 3, 7, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
                                 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
                                 0xfffffffffffffffeULL, 0xffffffffffffffffULL, 0x123456789abcdef0ULL, 10, 1000000007};
#define NEDGES (sizeof edges / sizeof edges[0])

static __attribute__((noinline)) void ops64(uint64_t a, uint64_t b) {
  int64_t sa = (int64_t)a, sb = (int64_t)b;
  mix(a + b), mix(a - b), mix(a * b), mix((uint64_t)(sa * sb));
  mix(a & b), mix(a | b), mix(a ^ b), mix(~a), mix(-a);
  if (b) mix(a / b), mix(a % b);
  if (sb && !(sa == INT64_MIN && sb == -1)) mix((uint64_t)(sa / sb)), mix((uint64_t)(sa % sb));
  unsigned s = (unsigned)b & 63;
  mix(a << s), mix(a >> s), mix((uint64_t)(sa >> s));
  mix((a << s) | (a >> ((64 - s) & 63)));
  mix(sa < sb), mix(a < b), mix(sa > sb ? a : b), mix(a >= b ? a - b : b - a);
  uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
  int32_t sa32 = (int32_t)a32, sb32 = (int32_t)b32;
  mix(a32 * b32), mix((uint64_t)(int64_t)(sa32 * sb32)), mix(a32 + b32), mix((uint64_t)(int64_t)sa32);
  if (b32) mix(a32 / b32), mix(a32 % b32);
  if (sb32 && !(sa32 == INT32_MIN && sb32 == -1)) mix((uint64_t)(int64_t)(sa32 / sb32)), mix((uint64_t)(int64_t)(sa32 % sb32));
  mix(a32 << (b32 & 31)), mix(a32 >> (b32 & 31)), mix((uint64_t)(int64_t)(sa32 >> (b32 & 31)));
  uint16_t a16 = (uint16_t)a, b16 = (uint16_t)b;
  mix((uint16_t)(a16 * b16)), mix((uint64_t)(int64_t)(int16_t)a16);
  if (b16) mix(a16 / b16), mix((uint64_t)(int64_t)((int16_t)a16 % (int16_t)(b16 | 1)));
  uint8_t a8 = (uint8_t)a, b8 = (uint8_t)b;
  mix((uint8_t)(a8 * b8)), mix((uint64_t)(int64_t)(int8_t)a8);
  if (b8) mix(a8 / b8), mix(a8 % b8);

  unsigned __int128 p = (unsigned __int128)a * b;
  __int128 sp = (__int128)sa * sb;
  mix((uint64_t)p), mix((uint64_t)(p >> 64)), mix((uint64_t)(sp >> 64));
  unsigned __int128 wide = ((unsigned __int128)a << 64) | b;
  mix((uint64_t)(wide >> (s + 1))), mix((uint64_t)((wide << s) >> 64));
  mix((uint64_t)(wide + p)), mix((uint64_t)((wide + p) >> 64)), mix((uint64_t)((wide - p) >> 64));
  if (b) mix((uint64_t)(wide / b)), mix((uint64_t)(wide % b)), mix((uint64_t)((__int128)wide / (__int128)sb));

  uint64_t r;
  mix(__builtin_add_overflow(a, b, &r)), mix(r);
  mix(__builtin_sub_overflow(sa, sb, (int64_t *)&r)), mix(r);
  mix(__builtin_mul_overflow(sa, sb, (int64_t *)&r)), mix(r);
  mix(__builtin_mul_overflow(a, b, &r)), mix(r);

  mix((uint64_t)__builtin_popcountll(a)), mix((uint64_t)__builtin_popcount(a32)), mix((uint64_t)__builtin_parityll(a));
  if (a) mix((uint64_t)__builtin_ctzll(a)), mix((uint64_t)__builtin_clzll(a));
  if (a32) mix((uint64_t)__builtin_ctz(a32)), mix((uint64_t)__builtin_clz(a32));
  mix((uint64_t)__builtin_clrsbll(sa)), mix((uint64_t)__builtin_ffsll(sa));
  mix(__builtin_bswap64(a)), mix(__builtin_bswap32(a32)), mix(__builtin_bswap16(a16));
  mix(a & (a - 1)), mix(a & -a), mix(a ^ (a >> 1));
}

int main(int argc, char **argv, char **envp) {
  (void)envp;
  state = argc > 1 ? (uint64_t)rt_atol(argv[1]) : 88172645463325252ULL;
  if (!state) state = 1;
  for (unsigned i = 0; i < NEDGES; i++) {
    for (unsigned j = 0; j < NEDGES; j++) ops64(edges[i], edges[j]);
    rt_printf("edge row %2u: %016lx\n", i, (unsigned long)checksum);
  }
  for (int i = 0; i < 4000; i++) {
    uint64_t a = next_random(), b = next_random();
    ops64(a, b >> (a & 63));
    if ((i & 1023) == 1023) rt_printf("random %4d: %016lx\n", i + 1, (unsigned long)checksum);
  }
  uint64_t fact = 1;
  unsigned __int128 fact128 = 1;
  for (unsigned i = 1; i <= 30; i++) fact *= i, fact128 *= i;
  rt_printf("30! mod 2^64=%lu 30! = %lu*2^64+%lu\n", (unsigned long)fact, (unsigned long)(uint64_t)(fact128 >> 64),
            (unsigned long)(uint64_t)fact128);
  rt_printf("popcount(argc*0xf0f0)=%d ctz(argc*0x80)=%d clz(argc)=%d\n", __builtin_popcount((unsigned)argc * 0xf0f0u),
            __builtin_ctz((unsigned)argc * 0x80u), __builtin_clzll((unsigned long)argc));
  return 0;
}
