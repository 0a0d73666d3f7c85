/* Whole-program test: the smallest program, writing to both stdout and stderr.
 * Checks that the two streams stay separate and that main's return value becomes the exit status. */
#include "rt.h"

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  rt_puts(1, "Hello, world!\n");
  rt_puts(2, "hello on stderr\n");
  rt_printf("%s %d %u %x %ld %05d|%5s|\n", "fmt", -42, 4000000000u, 0xc0ffeeu, -1234567890123L, 42, "ab");
  return 0;
}
