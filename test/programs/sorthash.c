/* Whole-program test: sort and hash a pseudo-random array (quicksort with an insertion-sort cut-off),
 * then an open-addressing hash table. argv[1] seeds the generator. */
#include "rt.h"

#define N 20000
static uint64_t values[N];
static uint32_t table[1 << 15];

static uint32_t rng;
static uint32_t next_random(void) { return rng = rng * 1664525u + 1013904223u; }

static void insertion_sort(uint64_t *a, long n) {
  for (long i = 1; i < n; i++) {
    uint64_t v = a[i];
    long j = i - 1;
    while (j >= 0 && a[j] > v) a[j + 1] = a[j], j--;
    a[j + 1] = v;
  }
}
static void quicksort(uint64_t *a, long n) {
  while (n > 16) {
    uint64_t pivot = a[n / 2];
    long i = 0, j = n - 1;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        uint64_t t = a[i];
        a[i++] = a[j], a[j--] = t;
      }
    }
    if (j + 1 < n - i) quicksort(a, j + 1), a += i, n -= i;
    else quicksort(a + i, n - i), n = j + 1;
  }
  insertion_sort(a, n);
}

static uint64_t fnv1a(const void *data, size_t n) {
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325ULL;
  while (n--) h = (h ^ *p++) * 0x100000001b3ULL;
  return h;
}

int main(int argc, char **argv, char **envp) {
  (void)envp;
  rng = argc > 1 ? (uint32_t)rt_atol(argv[1]) : 1;
  for (int i = 0; i < N; i++) values[i] = ((uint64_t)next_random() << 32 | next_random()) % 1000003u;
  rt_printf("unsorted hash=%016lx\n", (unsigned long)fnv1a(values, sizeof values));
  quicksort(values, N);
  int sorted = 1;
  for (int i = 1; i < N; i++) sorted &= values[i - 1] <= values[i];
  rt_printf("sorted=%d min=%lu median=%lu max=%lu hash=%016lx\n", sorted, (unsigned long)values[0],
            (unsigned long)values[N / 2], (unsigned long)values[N - 1], (unsigned long)fnv1a(values, sizeof values));

  unsigned distinct = 0, probes = 0;
  for (int i = 0; i < N; i++) {
    uint32_t key = (uint32_t)values[i] + 1, slot = (key * 2654435761u) >> 17;
    while (table[slot] && table[slot] != key) slot = (slot + 1) & ((1 << 15) - 1), probes++;
    if (!table[slot]) table[slot] = key, distinct++;
  }
  rt_printf("distinct=%u probes=%u table hash=%016lx\n", distinct, probes, (unsigned long)fnv1a(table, sizeof table));
  return 0;
}
