/* Benchmark kernel: sieve of Eratosthenes over a byte array, repeated: byte stores, strided
 * loops and well-predicted branches. */
#include "krt.h"

#define LIMIT 2000000
static unsigned char composite[LIMIT + 1];

int kmain(int argc, char **argv) {
  (void)argc, (void)argv;
  uint64_t checksum = 0;
  for (int round = 0; round < 10; round++) {
    memset(composite, 0, sizeof composite);
    uint32_t count = 0;
    uint64_t sum = 0;
    for (uint32_t i = 2; i <= LIMIT; i++) {
      if (composite[i]) continue;
      count++, sum += i;
      for (uint64_t j = (uint64_t)i * i; j <= LIMIT; j += i) composite[j] = 1;
    }
    checksum = checksum * 31 + count + (sum << 1);
  }
  kprint_checksum("sieve", checksum);
  return 0;
}
