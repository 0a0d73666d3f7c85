/* Whole-program test: calls and the stack. Naive recursive fib, Ackermann, non-tail mutual
 * recursion, deep recursion with large frames, and recursion through a table of function pointers. */
#include "rt.h"

static __attribute__((noinline)) uint64_t fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static __attribute__((noinline)) unsigned long ackermann(unsigned long m, unsigned long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

static __attribute__((noinline)) int is_odd(unsigned n);
static __attribute__((noinline)) int is_even(unsigned n) { return n == 0 ? 1 : !is_odd(n - 1); }
static __attribute__((noinline)) int is_odd(unsigned n) { return n == 0 ? 0 : !is_even(n - 1); }

/* Each frame holds a 256-byte array, so 4000 levels use about 1.2 MiB of stack. */
static __attribute__((noinline)) uint64_t deep(unsigned depth, uint64_t seed) {
  volatile unsigned char frame[256];
  for (int i = 0; i < 256; i += 32) frame[i] = (unsigned char)(seed + (uint64_t)i);
  if (depth == 0) return seed;
  uint64_t below = deep(depth - 1, seed * 6364136223846793005ULL + 1442695040888963407ULL);
  uint64_t mine = 0;
  for (int i = 0; i < 256; i += 32) mine += frame[i];
  return below ^ (mine << (depth & 31));
}

typedef uint64_t (*step_fn)(unsigned n);
static uint64_t step_a(unsigned n);
static uint64_t step_b(unsigned n);
static uint64_t step_c(unsigned n);
static step_fn volatile steps[3] = {step_a, step_b, step_c};
static __attribute__((noinline)) uint64_t step_a(unsigned n) { return n ? 3 + steps[n % 3](n - 1) : 1; }
static __attribute__((noinline)) uint64_t step_b(unsigned n) { return n ? 5 * steps[(n * 7) % 3](n - 1) : 2; }
static __attribute__((noinline)) uint64_t step_c(unsigned n) { return n ? steps[(n + 1) % 3](n - 1) - 11 : 3; }

int main(int argc, char **argv, char **envp) {
  (void)envp;
  unsigned n = argc > 1 ? (unsigned)rt_atol(argv[1]) : 24;
  rt_printf("fib(%u) = %lu\n", n, (unsigned long)fib(n));
  rt_printf("ackermann(2, %u) = %lu, ackermann(3, 5) = %lu\n", n, ackermann(2, n), ackermann(3, 5));
  rt_printf("is_even(%u) = %d, is_odd(777) = %d\n", 10 * n, is_even(10 * n), is_odd(777));
  rt_printf("deep(4000) = %016lx\n", (unsigned long)deep(4000, n));
  rt_printf("indirect chain(60) = %016lx\n", (unsigned long)steps[0](60));
  return 0;
}
