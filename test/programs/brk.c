/* Whole-program test: the program break. Grows it in uneven steps, uses the memory, shrinks it,
 * checks that released pages come back zeroed and that an invalid request leaves it unchanged. */
#include "rt.h"

#define MB (1024UL * 1024UL)

static unsigned long fill(unsigned char *p, unsigned long n, unsigned seed) {
  unsigned long sum = 0;
  for (unsigned long i = 0; i < n; i++) {
    p[i] = (unsigned char)(i * 31 + seed);
    sum += p[i];
  }
  return sum;
}
static unsigned long sum_of(const unsigned char *p, unsigned long n) {
  unsigned long sum = 0;
  for (unsigned long i = 0; i < n; i++) sum += p[i];
  return sum;
}

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  uintptr_t start = (uintptr_t)rt_brk(0);
  rt_printf("brk(0) again: same=%d\n", (uintptr_t)rt_brk(0) == start);

  uintptr_t r = (uintptr_t)rt_brk((void *)(start + MB));
  rt_printf("grow 1MiB: delta=%ld\n", (long)(r - start));
  unsigned long written = fill((unsigned char *)start, MB, 7);
  rt_printf("1MiB fill sum ok=%d\n", written == sum_of((unsigned char *)start, MB));

  /* Uneven sizes: the break itself need not be page aligned. */
  r = (uintptr_t)rt_brk((void *)(start + MB + 12345));
  rt_printf("grow +12345: delta=%ld\n", (long)(r - start));
  ((unsigned char *)start)[MB + 12344] = 0xab;
  r = (uintptr_t)rt_brk((void *)(start + 3 * MB + 1));
  rt_printf("grow to 3MiB+1: delta=%ld last_byte_zero=%d\n", (long)(r - start), ((unsigned char *)start)[3 * MB] == 0);
  written = fill((unsigned char *)start + MB, 2 * MB, 3);
  rt_printf("2MiB fill ok=%d\n", written == sum_of((unsigned char *)start + MB, 2 * MB));

  r = (uintptr_t)rt_brk((void *)(start + 64 * 1024));
  rt_printf("shrink to 64KiB: delta=%ld\n", (long)(r - start));
  r = (uintptr_t)rt_brk((void *)(start + 2 * MB));
  rt_printf("regrow to 2MiB: delta=%ld\n", (long)(r - start));
  uintptr_t released = ((start + 64 * 1024 + RT_PAGE - 1) & ~(RT_PAGE - 1)) + RT_PAGE;
  rt_printf("released pages read back zero=%d\n", sum_of((unsigned char *)released, start + 2 * MB - released) == 0);
  rt_printf("kept bytes intact=%d\n", ((unsigned char *)start)[100] == (unsigned char)(100 * 31 + 7));

  r = (uintptr_t)rt_brk((void *)(start - 16 * MB));
  rt_printf("below start refused: delta=%ld\n", (long)(r - start));
  r = (uintptr_t)rt_brk(0);
  rt_printf("brk(0) after all: delta=%ld\n", (long)(r - start));
  return 0;
}
