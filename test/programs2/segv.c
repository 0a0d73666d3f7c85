/* A write to a page made read-only ends the program with SIGSEGV; with an argument, the page was
 * mapped read-only from the start. */
#include "rt-process.h"

int main(int argc, char **argv, char **envp) {
  (void)envp;
  (void)argv;
  long page = rt_mmap(0, RT_PAGE, argc > 1 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rt_is_err(page)) return 2;
  volatile char *p = (volatile char *)page;
  if (argc == 1) {
    p[1] = 5;
    rt_printf("mprotect %ld\n", rt_mprotect((void *)page, RT_PAGE, PROT_READ));
  }
  rt_printf("read %d\n", p[1]);
  p[0] = 1;
  rt_printf("wrote to a read-only page\n");
  return 0;
}
