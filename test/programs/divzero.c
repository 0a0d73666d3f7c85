/* Whole-program test: a fault that kills the process. Integer division by zero (or INT64_MIN / -1
 * with argv[1] = "overflow") raises #DE; natively the process dies of SIGFPE (status 136). */
#include "rt.h"

static __attribute__((noinline)) long divide(long a, long b) { return a / b; }

int main(int argc, char **argv, char **envp) {
  (void)envp;
  int overflow = argc > 1 && rt_strcmp(argv[1], "overflow") == 0;
  rt_puts(1, "about to divide\n");
  rt_puts(2, "stderr before the fault\n");
  long r = overflow ? divide(INT64_MIN + argc - 2, -1) : divide(1000, argc - 1);
  rt_printf("not reached: %ld\n", r);
  return 0;
}
