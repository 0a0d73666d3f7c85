/* Benchmark kernel: memcpy/memset-heavy work: block copies and fills of varying sizes and
 * offsets through a 1 MiB buffer, with a light checksum pass over the result. */
#include "krt.h"

#define SIZE (1 << 20)
static unsigned char buf_a[SIZE], buf_b[SIZE];

int kmain(int argc, char **argv) {
  (void)argv;
  for (uint32_t i = 0; i < SIZE; i++) buf_a[i] = (unsigned char)(i * 131 + (uint32_t)argc);
  uint64_t checksum = 0;
  uint32_t seed = 12345;
  for (int round = 0; round < 25000; round++) {
    seed = seed * 1664525u + 1013904223u;
    size_t len = 1024 + (seed >> 12) % 60000;
    size_t from = (seed >> 4) % (SIZE - len) & ~(size_t)7, to = (seed * 7u) % (SIZE - len) & ~(size_t)7;
    memcpy(buf_b + to, buf_a + from, len);
    memset(buf_a + (to ^ 4096) % (SIZE - len), round & 0xff, len / 2);
    checksum = checksum * 31 + buf_b[to + len / 3] + buf_a[(from + len) % SIZE];
  }
  for (uint32_t i = 0; i < SIZE; i += 64) checksum = checksum * 7 + buf_b[i];
  kprint_checksum("memops", checksum);
  return 0;
}
