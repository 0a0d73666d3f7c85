/* Benchmark kernel: an integer hash loop (multiply, xor-shift, rotate) with a small lookup table,
 * the kind of register-heavy ALU work where translation quality shows most directly. */
#include "krt.h"

static uint64_t table[256];

int kmain(int argc, char **argv) {
  (void)argv;
  uint64_t h = 0x9e3779b97f4a7c15ULL * (uint64_t)argc, acc = 0;
  for (int i = 0; i < 256; i++) table[i] = (uint64_t)i * 0xff51afd7ed558ccdULL ^ 0xc4ceb9fe1a85ec53ULL;
  for (uint32_t i = 0; i < 12000000; i++) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
    h += table[h & 255] + i;
    h = (h << 13) | (h >> 51);
    acc += h ^ (acc >> 7);
  }
  kprint_checksum("hash", h ^ acc);
  return 0;
}
