/* qsort and bsearch on integers, strings and structs with a fixed PRNG. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned seed = 12345;
static unsigned rnd(void) { seed = seed * 1103515245u + 12345u; return (seed >> 8) & 0xffffff; }
static int cmp_int(const void *x, const void *y) { int a = *(const int *)x, b = *(const int *)y; return (a > b) - (a < b); }
static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }
struct rec { int key; int order; char name[12]; };
static int cmp_rec(const void *x, const void *y) {
  const struct rec *a = x, *b = y;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return a->order - b->order;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 50000;
  int *v = malloc(n * sizeof *v);
  for (int i = 0; i < n; i++) v[i] = (int)rnd() - 8000000;
  qsort(v, n, sizeof *v, cmp_int);
  int sorted = 1; for (int i = 1; i < n; i++) if (v[i - 1] > v[i]) sorted = 0;
  int found = 0; for (int i = 0; i < 1000; i++) { int k = v[rnd() % n] + (i & 1); found += bsearch(&k, v, n, sizeof *v, cmp_int) != NULL; }
  printf("ints: n=%d sorted=%d min=%d max=%d median=%d bsearch found=%d\n", n, sorted, v[0], v[n - 1], v[n / 2], found);
  int m = 2000; char **s = malloc(m * sizeof *s);
  for (int i = 0; i < m; i++) { s[i] = malloc(16); int len = 1 + rnd() % 10; for (int j = 0; j < len; j++) s[i][j] = 'a' + rnd() % 26; s[i][len] = 0; }
  qsort(s, m, sizeof *s, cmp_str);
  printf("strings: first=%s second=%s last=%s\n", s[0], s[1], s[m - 1]);
  char *key = s[777]; char **hit = bsearch(&key, s, m, sizeof *s, cmp_str);
  printf("bsearch string %s -> %s\n", key, hit ? *hit : "(none)");
  struct rec r[300];
  for (int i = 0; i < 300; i++) { r[i].key = rnd() % 20; r[i].order = i; snprintf(r[i].name, sizeof r[i].name, "r%03d", i); }
  qsort(r, 300, sizeof r[0], cmp_rec);
  for (int i = 0; i < 300; i += 37) printf("rec[%d] key=%d %s\n", i, r[i].key, r[i].name);
  return !sorted;
}
