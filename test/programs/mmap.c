/* Whole-program test: anonymous mmap, munmap, mremap and mprotect with data checks, plus the
 * error numbers for malformed requests. Addresses are only compared, never printed. */
#include "rt.h"

#define PAGE RT_PAGE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static int all_zero(const unsigned char *p, unsigned long n) {
  for (unsigned long i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}
static void pattern(unsigned char *p, unsigned long n, unsigned seed) {
  for (unsigned long i = 0; i < n; i++) p[i] = (unsigned char)((i >> 3) ^ seed ^ i);
}
static int has_pattern(const unsigned char *p, unsigned long n, unsigned seed) {
  for (unsigned long i = 0; i < n; i++)
    if (p[i] != (unsigned char)((i >> 3) ^ seed ^ i)) return 0;
  return 1;
}

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  long a = rt_mmap(0, 3 * PAGE, RW, ANON, -1, 0);
  unsigned char *p = (unsigned char *)a;
  rt_printf("mmap 3 pages: ok=%d aligned=%d zero=%d\n", !rt_is_err(a), (a & (PAGE - 1)) == 0, all_zero(p, 3 * PAGE));
  pattern(p, 3 * PAGE, 1);
  rt_printf("pattern ok=%d\n", has_pattern(p, 3 * PAGE, 1));

  rt_printf("mprotect read-only=%ld\n", rt_mprotect(p, PAGE, PROT_READ));
  rt_printf("still readable=%d\n", has_pattern(p, PAGE, 1));
  rt_printf("mprotect back to rw=%ld\n", rt_mprotect(p, PAGE, RW));
  p[5] = 0x5a;
  rt_printf("written after rw=%d\n", p[5] == 0x5a);
  p[5] = (unsigned char)((5 >> 3) ^ 1 ^ 5);
  rt_printf("mprotect unaligned=%ld\n", rt_mprotect(p + 1, PAGE, PROT_READ));

  long b = rt_mremap(p, 3 * PAGE, 16 * PAGE, MREMAP_MAYMOVE, 0);
  unsigned char *q = (unsigned char *)b;
  rt_printf("mremap grow: ok=%d data kept=%d tail zero=%d\n", !rt_is_err(b), has_pattern(q, 3 * PAGE, 1),
            all_zero(q + 3 * PAGE, 13 * PAGE));
  pattern(q, 16 * PAGE, 2);
  long c = rt_mremap(q, 16 * PAGE, 2 * PAGE, 0, 0);
  rt_printf("mremap shrink in place: same=%d data kept=%d\n", c == b, has_pattern(q, 2 * PAGE, 2));
  rt_printf("mremap grow without MAYMOVE into free space or -ENOMEM: %d\n",
            (int)(rt_mremap(q, 2 * PAGE, 3 * PAGE, 0, 0) == b || rt_mremap(q, 2 * PAGE, 3 * PAGE, 0, 0) == -12));
  rt_printf("munmap=%ld\n", rt_munmap(q, 3 * PAGE));

  /* Punch a hole in the middle, then fill it again with MAP_FIXED. */
  long d = rt_mmap(0, 3 * PAGE, RW, ANON, -1, 0);
  unsigned char *m = (unsigned char *)d;
  pattern(m, 3 * PAGE, 3);
  rt_printf("munmap middle=%ld\n", rt_munmap(m + PAGE, PAGE));
  long f = rt_mmap(m + PAGE, PAGE, RW, ANON | MAP_FIXED, -1, 0);
  rt_printf("fixed into hole: exact=%d zero=%d neighbours kept=%d\n", f == d + (long)PAGE, all_zero(m + PAGE, PAGE),
            has_pattern(m, PAGE, 3) && m[2 * PAGE] == (unsigned char)(((2 * PAGE) >> 3) ^ 3 ^ (2 * PAGE)));
  long g = rt_mmap(m, PAGE, RW, ANON | MAP_FIXED, -1, 0);
  rt_printf("fixed over data: exact=%d zeroed=%d\n", g == d, all_zero(m, PAGE));
  rt_printf("munmap all=%ld\n", rt_munmap(m, 3 * PAGE));

  unsigned char *hint = (unsigned char *)0x200000000000UL;
  long h = rt_mmap(hint, 2 * PAGE, RW, ANON | MAP_FIXED, -1, 0);
  hint[2 * PAGE - 1] = 9;
  rt_printf("fixed at 0x200000000000: exact=%d\n", h == (long)hint && hint[2 * PAGE - 1] == 9);
  rt_printf("munmap fixed=%ld\n", rt_munmap(hint, 2 * PAGE));

  long none = rt_mmap(0, PAGE, PROT_NONE, ANON, -1, 0);
  rt_printf("prot none then rw=%ld\n", rt_mprotect((void *)none, PAGE, RW));
  ((unsigned char *)none)[77] = 1;
  rt_printf("usable=%d\n", ((unsigned char *)none)[77] == 1);
  rt_munmap((void *)none, PAGE);

  const unsigned long big = 64UL << 20;
  long e = rt_mmap(0, big, RW, ANON, -1, 0);
  unsigned long sum = 0;
  for (unsigned long off = 0; off < big; off += 1 << 20) ((unsigned char *)e)[off + (off >> 20)] = (unsigned char)(off >> 20);
  for (unsigned long off = 0; off < big; off += 1 << 20) sum += ((unsigned char *)e)[off + (off >> 20)];
  rt_printf("64MiB sparse touch: ok=%d sum=%lu munmap=%ld\n", !rt_is_err(e), sum, rt_munmap((void *)e, big));

  rt_printf("mmap len 0=%ld\n", rt_mmap(0, 0, RW, ANON, -1, 0));
  rt_printf("munmap unaligned=%ld\n", rt_munmap((void *)(d + 1), PAGE));
  rt_printf("mmap no MAP_PRIVATE/SHARED=%ld\n", rt_mmap(0, PAGE, RW, MAP_ANONYMOUS, -1, 0));
  rt_printf("munmap unmapped range=%ld\n", rt_munmap(hint, PAGE));
  return 0;
}
