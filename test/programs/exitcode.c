/* Whole-program test: exit statuses. argv[1] is the status; argv[2] picks how the program ends
 * (return from main, or exit_group straight from a nested call). Statuses wrap modulo 256. */
#include "rt.h"

static __attribute__((noinline)) void leave_from_depth(int depth, int code) {
  if (depth == 0) rt_exit(code);
  leave_from_depth(depth - 1, code);
  rt_puts(1, "not reached\n");
}

int main(int argc, char **argv, char **envp) {
  (void)envp;
  int code = argc > 1 ? (int)rt_atol(argv[1]) : 0;
  const char *mode = argc > 2 ? argv[2] : "return";
  rt_printf("exiting with %d via %s\n", code, mode);
  if (rt_strcmp(mode, "exit_group") == 0) leave_from_depth(5, code);
  return code;
}
