/* malloc/calloc/realloc/free stress with a fixed PRNG; checks every block keeps its contents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint64_t state = 88172645463325252ULL;
static uint64_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }

#define SLOTS 512
int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20000;
  unsigned char *p[SLOTS] = {0}; size_t len[SLOTS] = {0}; unsigned char tag[SLOTS] = {0};
  unsigned long errors = 0, allocs = 0, reallocs = 0, frees = 0; uint64_t checksum = 0;
  for (int r = 0; r < rounds; r++) {
    int s = next() % SLOTS; uint64_t op = next() % 10;
    size_t want = (next() % 16 == 0) ? next() % 100000 : next() % 1000;
    if (p[s] && op < 3) {
      for (size_t i = 0; i < len[s]; i++) if (p[s][i] != (unsigned char)(tag[s] + i)) { errors++; break; }
      free(p[s]); p[s] = NULL; frees++;
    } else if (p[s] && op < 6) {
      unsigned char *q = realloc(p[s], want + 1);
      if (!q) { errors++; continue; }
      size_t keep = len[s] < want + 1 ? len[s] : want + 1;
      for (size_t i = 0; i < keep; i++) if (q[i] != (unsigned char)(tag[s] + i)) { errors++; break; }
      for (size_t i = keep; i < want + 1; i++) q[i] = (unsigned char)(tag[s] + i);
      p[s] = q; len[s] = want + 1; reallocs++;
    } else if (!p[s]) {
      tag[s] = next();
      if (op == 9) { p[s] = calloc(want + 1, 1); for (size_t i = 0; i <= want; i++) if (p[s][i]) { errors++; break; } }
      else p[s] = malloc(want + 1);
      if (!p[s]) { errors++; continue; }
      for (size_t i = 0; i <= want; i++) p[s][i] = (unsigned char)(tag[s] + i);
      len[s] = want + 1; allocs++;
    }
    if (p[s]) checksum = checksum * 31 + p[s][len[s] / 2] + len[s];
  }
  for (int s = 0; s < SLOTS; s++) free(p[s]);
  void *big = malloc(16 << 20); memset(big, 0x5a, 16 << 20);
  printf("big block last byte=%d\n", ((unsigned char *)big)[(16 << 20) - 1]); free(big);
  printf("rounds=%d allocs=%lu reallocs=%lu frees=%lu errors=%lu checksum=%016llx\n",
         rounds, allocs, reallocs, frees, errors, (unsigned long long)checksum);
  return errors != 0;
}
