/* Whole-program test: stdin until EOF, written back upper-cased, with odd-sized reads so input
 * chunks never line up with pipe writes. A byte/line count goes to stderr. */
#include "rt.h"

static char buf[1000];

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  unsigned long total = 0, lines = 0;
  for (;;) {
    long n = rt_read(0, buf, sizeof buf - 7);
    if (n < 0) {
      rt_fprintf(2, "read failed: %ld\n", n);
      return 1;
    }
    if (n == 0) break;
    for (long i = 0; i < n; i++) {
      char c = buf[i];
      if (c >= 'a' && c <= 'z') buf[i] = (char)(c - 32);
      if (c == '\n') lines++;
    }
    for (long off = 0; off < n;) {
      long w = rt_write(1, buf + off, (size_t)(n - off));
      if (w <= 0) return 2;
      off += w;
    }
    total += (unsigned long)n;
  }
  rt_fprintf(2, "bytes=%lu lines=%lu\n", total, lines);
  long again = rt_read(0, buf, 10);
  rt_fprintf(2, "read after EOF=%ld\n", again);
  return 0;
}
