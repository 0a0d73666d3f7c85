/* Whole-program test: an undefined instruction. Output written before ud2 must appear; then
 * natively the process dies of SIGILL (status 132). */
#include "rt.h"

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  rt_puts(1, "before ud2\n");
  __asm__ volatile("ud2");
  rt_puts(1, "not reached\n");
  return 0;
}
