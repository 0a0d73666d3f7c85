/* Whole-program test: string instructions. Large struct copies and zeroing that GCC expands to
 * rep movs/stos (this file is also built with -mstringop-strategy=rep_byte), plus explicit
 * rep movsb/movsq/stosq, a backward (std) overlapping copy, repe cmpsb and repne scasb. */
#include "rt.h"

struct big { uint64_t words[40]; char text[333]; uint32_t tail; };
struct huge { unsigned char bytes[9000]; };

static struct big src_big, dst_big[4];
static struct huge src_huge, dst_huge;
static unsigned char buf[20000];

static uint64_t fnv1a(const void *data, size_t n) {
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325ULL;
  while (n--) h = (h ^ *p++) * 0x100000001b3ULL;
  return h;
}

static __attribute__((noinline)) struct big make_big(uint32_t seed) {
  struct big b = {0};
  for (int i = 0; i < 40; i++) b.words[i] = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)i;
  for (int i = 0; i < 332; i++) b.text[i] = (char)('a' + (seed + (uint32_t)i) % 26);
  b.tail = seed;
  return b;
}
static __attribute__((noinline)) void copy_big(struct big *d, const struct big *s) { *d = *s; }
static __attribute__((noinline)) void copy_huge(struct huge *d, const struct huge *s) { *d = *s; }
static __attribute__((noinline)) void clear_big(struct big *d) { *d = (struct big){0}; }

static void rep_movsb(void *d, const void *s, size_t n) {
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static void rep_movsq(void *d, const void *s, size_t n) {
  __asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static void rep_stosq(void *d, uint64_t v, size_t n) {
  __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}
static void rep_stosb(void *d, unsigned char v, size_t n) {
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}
/* Overlapping copy to a higher address: walk backwards with the direction flag set. */
static void backward_move(void *d, const void *s, size_t n) {
  unsigned char *de = (unsigned char *)d + n - 1;
  const unsigned char *se = (const unsigned char *)s + n - 1;
  __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(de), "+S"(se), "+c"(n) : : "memory");
}
static long repe_cmpsb(const void *a, const void *b, size_t n) { /* index of first difference, or -1 */
  const unsigned char *pa = a, *pb = b;
  size_t left = n;
  unsigned char equal;
  if (!n) return -1;
  __asm__ volatile("repe cmpsb" : "+S"(pa), "+D"(pb), "+c"(left), "=@cce"(equal) : : "memory");
  return equal ? -1 : (long)(n - left - 1);
}
static size_t scasb_strlen(const char *s) {
  size_t count = (size_t)-1;
  __asm__ volatile("repne scasb" : "+D"(s), "+c"(count) : "a"(0) : "memory");
  return ~count - 1;
}

int main(int argc, char **argv, char **envp) {
  (void)envp;
  uint32_t seed = argc > 1 ? (uint32_t)rt_atol(argv[1]) : 5;
  src_big = make_big(seed);
  for (int i = 0; i < 4; i++) copy_big(&dst_big[i], &src_big), dst_big[i].tail += (uint32_t)i;
  rt_printf("struct copies: equal=%d hash=%016lx\n", memcmp(&dst_big[0], &src_big, sizeof src_big) == 0,
            (unsigned long)fnv1a(dst_big, sizeof dst_big));
  clear_big(&dst_big[2]);
  rt_printf("struct clear: hash=%016lx\n", (unsigned long)fnv1a(dst_big, sizeof dst_big));
  for (int i = 0; i < 9000; i++) src_huge.bytes[i] = (unsigned char)(i * 7 + seed);
  copy_huge(&dst_huge, &src_huge);
  rt_printf("huge copy: hash=%016lx\n", (unsigned long)fnv1a(&dst_huge, sizeof dst_huge));

  for (int i = 0; i < 20000; i++) buf[i] = (unsigned char)(i ^ (i >> 7));
  rep_movsb(buf + 10001, buf + 3, 5000);
  rep_movsq(buf + 16, buf + 8000, 300);
  rep_stosq(buf + 2400, 0x0123456789abcdefULL, 100);
  rep_stosb(buf + 19000, 0xee, 999);
  rep_movsb(buf, buf, 0); /* count 0 does nothing */
  rt_printf("rep forms: hash=%016lx\n", (unsigned long)fnv1a(buf, sizeof buf));
  backward_move(buf + 100, buf + 50, 1000);
  rt_printf("backward overlapping move: hash=%016lx\n", (unsigned long)fnv1a(buf, sizeof buf));
  unsigned long flags;
  __asm__ volatile("pushfq\n\tpop %0" : "=r"(flags));
  rt_printf("direction flag clear again=%d\n", (flags & 0x400) == 0);

  memcpy(buf + 5000, buf + 200, 64);
  rt_printf("cmpsb equal=%ld diff at=%ld\n", repe_cmpsb(buf + 5000, buf + 200, 64), repe_cmpsb(buf + 5000, buf + 200, 65));
  rt_printf("scasb strlen=%lu strlen(argv[0]) same=%d\n", (unsigned long)scasb_strlen("twenty-one characters"),
            scasb_strlen(argv[0]) == strlen(argv[0]));
  return 0;
}
