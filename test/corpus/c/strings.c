/* string.h on many lengths and alignments (glibc picks SIMD versions), checked against plain loops. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>

static unsigned char a[8192 + 128], b[8192 + 128];
static unsigned long errors, checks;
static void check(int ok, const char *what, size_t n, size_t al) {
  checks++;
  if (!ok && errors++ < 20) printf("MISMATCH %s len=%zu align=%zu\n", what, n, al);
}
static int sign(int v) { return (v > 0) - (v < 0); }

int main(void) {
  static const size_t lens[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 95, 127, 128, 129,
                                255, 256, 257, 511, 1023, 1024, 4095, 4096, 4097};
  uint64_t hash = 1469598103934665603ULL;
  for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
    size_t n = lens[li];
    for (size_t al = 0; al < 17; al += (al < 9 ? 1 : 7)) {
      for (size_t i = 0; i < sizeof a; i++) { a[i] = (unsigned char)(1 + (i * 7 + al) % 250); b[i] = 0xee; }
      unsigned char *s = a + al, *d = b + (al * 3) % 16;
      s[n] = 0;
      check(strlen((char *)s) == n, "strlen", n, al);
      check(strnlen((char *)s, n / 2) == n / 2, "strnlen", n, al);
      memcpy(d, s, n + 1);
      check(memcmp(d, s, n + 1) == 0, "memcpy", n, al);
      check(strcmp((char *)d, (char *)s) == 0, "strcmp eq", n, al);
      if (n) {
        d[n - 1]++;
        check(sign(memcmp(d, s, n)) == 1 && sign(strcmp((char *)d, (char *)s)) == 1, "memcmp/strcmp gt", n, al);
        check(sign(strncmp((char *)d, (char *)s, n - 1)) == 0, "strncmp prefix", n, al);
        d[n - 1]--;
      }
      memset(d, 'q', n); d[n] = 0;
      size_t bad = 0; for (size_t i = 0; i < n; i++) bad += d[i] != 'q';
      check(bad == 0 && d[n] == 0, "memset", n, al);
      unsigned char c = n ? s[n * 2 / 3] : 1;
      unsigned char *naive = NULL; for (size_t i = 0; i < n; i++) if (s[i] == c) { naive = s + i; break; }
      check(memchr(s, c, n) == naive, "memchr", n, al);
      check((unsigned char *)strchr((char *)s, c) == (naive ? naive : (c == 0 ? s + n : NULL)), "strchr", n, al);
      unsigned char *last = NULL; for (size_t i = 0; i < n; i++) if (s[i] == c) last = s + i;
      check((unsigned char *)strrchr((char *)s, c) == last || (!n), "strrchr", n, al);
      strcpy((char *)d, (char *)s); check(strcmp((char *)d, (char *)s) == 0, "strcpy", n, al);
      unsigned char first = s[0], lastc = n ? s[n - 1] : 0;
      memmove(s + 1, s, n); check(n == 0 || (s[1] == first && s[n] == lastc), "memmove up", n, al);
      memmove(s, s + 1, n); check(n == 0 || (s[0] == first && s[n - 1] == lastc), "memmove down", n, al);
      if (n > 8) {
        char needle[5]; memcpy(needle, s + n - 6, 4); needle[4] = 0;
        char *found = strstr((char *)s, needle);
        check(found != NULL && memcmp(found, needle, 4) == 0, "strstr", n, al);
      }
      for (size_t i = 0; i < n + 1; i++) hash = (hash ^ d[i]) * 1099511628211ULL;
    }
  }
  char buf[256];
  strcpy(buf, "alpha,beta;;gamma delta");
  int tokens = 0; for (char *t = strtok(buf, ",; "); t; t = strtok(NULL, ",; ")) { printf("token %d: %s\n", tokens++, t); }
  printf("strspn=%zu strcspn=%zu strpbrk=%s\n", strspn("aaabbc", "ab"), strcspn("hello world", " "), strpbrk("find-the dash", " -"));
  char *dup = strdup("duplicated"); printf("strdup=%s strndup=", dup); free(dup);
  dup = strndup("duplicated", 3); printf("%s\n", dup); free(dup);
  printf("strcasecmp=%d strncasecmp=%d\n", sign(strcasecmp("HeLLo", "hello")), sign(strncasecmp("abcX", "ABCY", 4)));
  printf("checks=%lu errors=%lu hash=%016llx\n", checks, errors, (unsigned long long)hash);
  return errors != 0;
}
