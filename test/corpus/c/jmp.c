/* setjmp/longjmp: nested, through recursion, with preserved volatile locals; sigsetjmp. */
#include <stdio.h>
#include <setjmp.h>

static jmp_buf outer, inner;
static sigjmp_buf sj;
static int depth_reached;

static void recurse(int depth) {
  char pad[256]; pad[depth % 256] = (char)depth;
  if (depth == 500) { depth_reached = depth + pad[depth % 256] * 0; longjmp(outer, depth); }
  recurse(depth + 1);
}
static int thrower(int v) { if (v > 2) longjmp(inner, v * 10); return v; }

int main(void) {
  volatile int attempts = 0;
  int r = setjmp(outer);
  printf("setjmp returned %d (attempt %d)\n", r, attempts);
  if (attempts++ < 1) recurse(0);
  printf("depth reached %d\n", depth_reached);
  volatile long sum = 0;
  for (int i = 0; i < 6; i++) {
    int v = setjmp(inner);
    if (v == 0) sum += thrower(i); else sum += v;
    printf("i=%d v=%d sum=%ld\n", i, v, (long)sum);
  }
  volatile int count = 0;
  if (sigsetjmp(sj, 1) < 3) { count++; siglongjmp(sj, count); }
  printf("sigsetjmp loop count=%d\n", count);
  r = setjmp(outer); if (r == 0) longjmp(outer, 0);
  printf("longjmp(0) gives %d\n", r);
  return 0;
}
