/* Whole-program test: self-modifying code. Writes machine code into an RWX mapping, runs it,
 * rewrites it and runs it again (also in a loop), uses a W^X-style RW -> RX flip, and patches an
 * instruction in the program's own text after making that page writable with mprotect. */
#include "rt.h"

/* In the program's own text: mov $1, %eax; ret. The immediate is at smc_text_target + 1. */
__asm__(".text\n.globl smc_text_target\n.type smc_text_target,@function\n.p2align 4\n"
        "smc_text_target:\n  movl $1, %eax\n  ret\n");
extern int smc_text_target(void) __attribute__((visibility("hidden")));

typedef long (*fn2)(long, long);
typedef int (*fn0)(void);

static void emit_mov_eax_ret(unsigned char *p, uint32_t imm) {
  p[0] = 0xb8; /* mov $imm32, %eax */
  memcpy(p + 1, &imm, 4);
  p[5] = 0xc3; /* ret */
}

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  long m = rt_mmap(0, RT_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *code = (unsigned char *)m;
  static const unsigned char add_rdi_rsi[] = {0x48, 0x8d, 0x04, 0x37, 0xc3};             /* lea (%rdi,%rsi),%rax; ret */
  static const unsigned char imul_rdi_rsi[] = {0x48, 0x0f, 0xaf, 0xfe, 0x48, 0x89, 0xf8, 0xc3}; /* imul %rsi,%rdi; mov %rdi,%rax; ret */
  memcpy(code, add_rdi_rsi, sizeof add_rdi_rsi);
  fn2 f = (fn2)(uintptr_t)code;
  rt_printf("rwx add(20, 22) = %ld\n", f(20, 22));
  memcpy(code, imul_rdi_rsi, sizeof imul_rdi_rsi);
  rt_printf("rewritten mul(20, 22) = %ld\n", f(20, 22));

  /* Rewrite just the immediate each time round: a stale translation shows as a wrong sum. */
  fn0 g = (fn0)(uintptr_t)(code + 64);
  long sum = 0;
  for (uint32_t i = 0; i < 200; i++) {
    emit_mov_eax_ret(code + 64, i * 3 + 1);
    sum += g();
  }
  rt_printf("200 rewrites: sum = %ld (expect %ld)\n", sum, 200L * 1 + 3L * 199 * 200 / 2);

  /* Same address, different length of code: the old translation must not be reused. */
  static const unsigned char long_form[] = {0x31, 0xc0, 0x83, 0xc0, 0x07, 0x83, 0xc0, 0x05, 0xc3}; /* xor; add $7; add $5; ret */
  memcpy(code + 64, long_form, sizeof long_form);
  rt_printf("longer code at same address = %d\n", g());

  long w = rt_mmap(0, RT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  emit_mov_eax_ret((unsigned char *)w, 1234);
  rt_printf("rw -> rx mprotect=%ld\n", rt_mprotect((void *)w, RT_PAGE, PROT_READ | PROT_EXEC));
  rt_printf("w^x call = %d\n", ((fn0)(uintptr_t)w)());
  rt_printf("rx -> rw=%ld\n", rt_mprotect((void *)w, RT_PAGE, PROT_READ | PROT_WRITE));
  emit_mov_eax_ret((unsigned char *)w, 5678);
  rt_mprotect((void *)w, RT_PAGE, PROT_READ | PROT_EXEC);
  rt_printf("w^x call after rewrite = %d\n", ((fn0)(uintptr_t)w)());

  fn0 volatile target = smc_text_target;
  rt_printf("own text before = %d\n", target());
  /* Only the page(s) holding the 6 code bytes: the next page may belong to another segment. */
  uintptr_t page = (uintptr_t)smc_text_target & ~(RT_PAGE - 1);
  size_t span = (((uintptr_t)smc_text_target + 6 - page) + RT_PAGE - 1) & ~(RT_PAGE - 1);
  rt_printf("mprotect text rwx=%ld\n", rt_mprotect((void *)page, span, PROT_READ | PROT_WRITE | PROT_EXEC));
  uint32_t imm = 987654;
  memcpy((unsigned char *)(uintptr_t)smc_text_target + 1, &imm, 4);
  rt_printf("own text after patch = %d\n", target());
  imm = 2;
  memcpy((unsigned char *)(uintptr_t)smc_text_target + 1, &imm, 4);
  rt_printf("own text after second patch = %d\n", target());
  rt_printf("mprotect text rx=%ld\n", rt_mprotect((void *)page, span, PROT_READ | PROT_EXEC));
  rt_printf("own text still patched = %d\n", target());
  return 0;
}
