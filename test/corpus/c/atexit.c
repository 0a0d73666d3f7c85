/* atexit handlers run in reverse order at exit, buffered stdout is flushed, exit status kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void first(void) { printf("handler first (registered first, runs last)\n"); }
static void second(void) { printf("handler second\n"); fflush(stdout); fprintf(stderr, "stderr from handler\n"); }
static void third(void) { printf("handler third (registered last, runs first)\n"); }

int main(int argc, char **argv) {
  atexit(first); atexit(second); atexit(third);
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  for (int i = 0; i < 2000; i++) printf("buffered line %d\n", i);
  int code = argc > 1 ? atoi(argv[1]) : 0;
  if (argc > 2 && strcmp(argv[2], "_exit") == 0) { printf("lost in buffer\n"); _Exit(code); }
  if (argc > 2 && strcmp(argv[2], "return") == 0) return code;
  exit(code);
}
