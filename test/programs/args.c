/* Whole-program test: the initial stack. Prints argv and envp exactly and in order, and checks the
 * auxiliary vector entries a static program relies on (without printing addresses, which vary). */
#include "rt.h"

int main(int argc, char **argv, char **envp) {
  rt_printf("argc=%d sp_aligned=%d argc_on_stack=%d\n", argc, ((uintptr_t)rt_initial_sp & 15) == 0,
            rt_initial_sp[0] == argc);
  for (int i = 0; i < argc; i++) rt_printf("argv[%d] (%lu) = [%s]\n", i, (unsigned long)strlen(argv[i]), argv[i]);
  rt_printf("argv[argc] is null: %d\n", argv[argc] == 0);
  int envc = 0;
  for (char **e = envp; *e; e++, envc++) rt_printf("env[%d] = [%s]\n", envc, *e);
  rt_printf("envc=%d\n", envc);

  int found;
  uint64_t pagesz = rt_getauxval(AT_PAGESZ, &found);
  rt_printf("AT_PAGESZ present=%d value=%lu\n", found, (unsigned long)pagesz);
  uint64_t entry = rt_getauxval(AT_ENTRY, &found);
  rt_printf("AT_ENTRY present=%d is_start=%d\n", found, entry == (uintptr_t)_start);
  const rt_elf_ehdr *eh = &__ehdr_start;
  uint64_t phdr = rt_getauxval(AT_PHDR, &found);
  rt_printf("AT_PHDR present=%d points_at_phdrs=%d\n", found, phdr == (uintptr_t)eh + eh->phoff);
  uint64_t phent = rt_getauxval(AT_PHENT, &found);
  rt_printf("AT_PHENT present=%d value=%lu\n", found, (unsigned long)phent);
  uint64_t phnum = rt_getauxval(AT_PHNUM, &found);
  rt_printf("AT_PHNUM present=%d matches=%d\n", found, phnum == eh->phnum);
  const unsigned char *random = (const unsigned char *)rt_getauxval(AT_RANDOM, &found);
  unsigned sum = 0;
  for (int i = 0; found && random && i < 16; i++) sum += random[i]; /* readable: must not fault */
  rt_printf("AT_RANDOM present=%d readable=%d\n", found, random != 0 && sum < 16 * 256);
  return 0;
}
