/* Whole-program test: instructions that Ferry runs in its interpreter (long rep stos/movs, lods,
 * x87 stores, cmpxchg16b, MMX stores) must honour page permissions: each mode touches a page it
 * may not, so natively the process dies of SIGSEGV (status 139) after "before". */
#include "rt.h"

int main(int argc, char **argv, char **envp) {
  (void)envp;
  const char *mode = argc > 1 ? argv[1] : "";
  char *page = (char *)rt_mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rt_is_err((long)page)) { rt_puts(2, "mmap failed\n"); return 1; }
  int none = rt_strcmp(mode, "lods") == 0 || rt_strcmp(mode, "movs-from") == 0;
  /* The second page loses its rights; accesses start in the first so some elements succeed. */
  rt_mprotect(page + 4096, 4096, none ? PROT_NONE : PROT_READ);
  char *edge = page + 4096 - 100;
  rt_puts(1, "before\n");
  long count = 1000, scratch = 0;
  if (rt_strcmp(mode, "stos") == 0) {
    __asm__ volatile("rep stosb" : "+D"(edge), "+c"(count) : "a"(0x41) : "memory");
  } else if (rt_strcmp(mode, "movs-to") == 0) {
    char *from = page;
    count = 200;  /* 1,600 bytes: the copy stays inside the mapping, so only the permission stops it */
    __asm__ volatile("rep movsq" : "+D"(edge), "+S"(from), "+c"(count) : : "memory");
  } else if (rt_strcmp(mode, "movs-from") == 0) {
    char *to = page;
    __asm__ volatile("rep movsb" : "+D"(to), "+S"(edge), "+c"(count) : : "memory");
  } else if (rt_strcmp(mode, "lods") == 0) {
    __asm__ volatile("rep lodsb" : "+S"(edge), "+c"(count), "=a"(scratch) : : "memory");
  } else if (rt_strcmp(mode, "x87") == 0) {
    __asm__ volatile("fldpi; fstpt %0" : "=m"(*(char (*)[10])(page + 4096)) : : "memory");
  } else if (rt_strcmp(mode, "cmpxchg16b") == 0) {
    __asm__ volatile("lock cmpxchg16b %0" : "+m"(*(__int128 *)(page + 4096)) : "a"(0), "d"(0), "b"(1), "c"(2) : "memory", "cc");
  } else if (rt_strcmp(mode, "mmx") == 0) {
    __asm__ volatile("pxor %%mm0, %%mm0; movq %%mm0, %0; emms" : "=m"(*(long *)(page + 4096)) : : "memory");
  }
  rt_printf("not reached: %ld %ld\n", count, scratch);
  return 0;
}
