/* Hardware faults delivered as signals: one case per argv[1] (SIGSEGV of each kind, SIGBUS, SIGFPE, SIGILL,
 * SIGTRAP), printing siginfo and ucontext as offsets and booleans; handlers longjmp, fix the page, or skip. */
#include "rt-process.h"

/* What the handler saw, copied out so that main prints it. */
static struct {
  int count, signo, code;
  unsigned long addr;
  unsigned long gregs[RT_NGREG];
  int has_fpregs;
  unsigned char xmm[3][16];
} seen;

enum { ACT_LONGJMP, ACT_MPROTECT_RW, ACT_SKIP, ACT_RETURN, ACT_SKIP_AND_MODIFY };
static int action;
static unsigned long skip_to;  /* ACT_SKIP: the new RIP, or 0 for "the faulting RIP + skip_bytes" */
static unsigned long skip_bytes;
static void *fix_page;
static struct rt_jmp jump;

/* The segv-skip case's register patterns, loaded by its asm right before the fault; indexed by x86 register
 * number (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15; the rsp slot is unused). */
__attribute__((used, visibility("hidden"))) unsigned long skip_expect[16] = {
  0x1111111111111100UL, 0x2222222222222201UL, 0x3333333333333302UL, 0x4444444444444403UL,
  0, 0x6666666666666605UL, 0x7777777777777706UL, 0x8888888888888807UL,
  0x9999999999999908UL, 0xaaaaaaaaaaaaaa09UL, 0xbbbbbbbbbbbbbb0aUL, 0xcccccccccccccc0bUL,
  0xdddddddddddddd0cUL, 0xeeeeeeeeeeeeee0dUL, 0xffffffffffffff0eUL, 0x0123456789abcd0fUL,
};
__attribute__((used, visibility("hidden"), aligned(16))) unsigned char skip_xmm_expect[3][16] = {
  {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f},
  {0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f},
  {0x55, 0xaa, 0x55, 0xaa, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44},
};
/* What the segv-skip handler writes into the context: rbx and xmm2, which rt_sigreturn must then load. */
#define SKIP_NEW_RBX 0x600d600d600d600dUL
static const unsigned char skip_new_xmm2[16] = {0xc0, 0xff, 0xee, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
/* Registers and flags as the code after the faulting instruction found them. */
__attribute__((used, visibility("hidden"))) unsigned long skip_rsp, skip_after_regs[16], skip_after_flags;
__attribute__((used, visibility("hidden"), aligned(16))) unsigned char skip_after_xmm[3][16];

#define HIDDEN_LABEL(name) ".globl " #name "\n.hidden " #name "\n" #name ":\n"
extern char maperr_insn[], accerr_insn[], guard_insn[], bus_insn[], fpe_insn[], fpe_after[], ill_insn[], ill_after[],
  trap_insn[], trap_after[], skip_insn[], skip_after[] __attribute__((visibility("hidden")));
void skip_test(void) __attribute__((visibility("hidden")));

static void handler(int sig, struct rt_siginfo *si, struct rt_ucontext *uc) {
  seen.count++;
  if (seen.count > 3) {
    rt_printf("handler entered %d times: giving up\n", seen.count);
    rt_exit(99);
  }
  seen.signo = sig == si->signo ? si->signo : -sig;
  seen.code = si->code;
  seen.addr = si->addr;
  memcpy(seen.gregs, uc->gregs, sizeof seen.gregs);
  seen.has_fpregs = uc->fpregs != 0;
  if (uc->fpregs) memcpy(seen.xmm, uc->fpregs->xmm, sizeof seen.xmm);
  switch (action) {
  case ACT_LONGJMP:
    rt_siglongjmp(&jump, 1);
  case ACT_MPROTECT_RW:
    rt_mprotect(fix_page, RT_PAGE, PROT_READ | PROT_WRITE);
    break;
  case ACT_SKIP_AND_MODIFY:
    uc->gregs[REG_RBX] = SKIP_NEW_RBX;
    if (uc->fpregs) memcpy(uc->fpregs->xmm[2], skip_new_xmm2, 16);
    /* fall through */
  case ACT_SKIP:
    uc->gregs[REG_RIP] = skip_to ? skip_to : uc->gregs[REG_RIP] + skip_bytes;
    break;
  case ACT_RETURN:
    break;
  }
}

static void install(int sig, int act) {
  action = act;
  long r = rt_set_handler(sig, handler, 0);
  if (r != 0) {
    rt_printf("sigaction %d failed %ld\n", sig, r);
    rt_exit(2);
  }
}

/* A page that was mapped and is unmapped again, so nothing is there. */
static unsigned char *unmapped_page(void) {
  long p = rt_mmap(0, RT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rt_is_err(p) || rt_munmap((void *)p, RT_PAGE) != 0) rt_exit(3);
  return (unsigned char *)p;
}

/* CR2 is only the fault address after a page fault: other traps leave the last page fault's in it. */
static void print_fault(const char *what, unsigned long base, int page_fault) {
  rt_printf("%s: count=%d signo=%d code=%d addr-base=%ld\n", what, seen.count, seen.signo, seen.code, (long)(seen.addr - base));
  rt_printf("err=%lx trapno=%ld", seen.gregs[REG_ERR], seen.gregs[REG_TRAPNO]);
  if (page_fault) rt_printf(" cr2-base=%ld", (long)(seen.gregs[REG_CR2] - base));
  rt_printf("\n");
}

static __attribute__((noinline, noclone)) unsigned char read_maperr(const unsigned char *p) {
  unsigned char v;
  __asm__ volatile(HIDDEN_LABEL(maperr_insn) "movb (%1), %0" : "=q"(v) : "r"(p) : "memory");
  return v;
}
static __attribute__((noinline, noclone)) void write_accerr(unsigned char *p, unsigned char v) {
  __asm__ volatile(HIDDEN_LABEL(accerr_insn) "movb %1, (%0)" : : "r"(p), "q"(v) : "memory");
}
static __attribute__((noinline, noclone)) unsigned char read_guard(const unsigned char *p) {
  unsigned char v;
  __asm__ volatile(HIDDEN_LABEL(guard_insn) "movb (%1), %0" : "=q"(v) : "r"(p) : "memory");
  return v;
}
static __attribute__((noinline, noclone)) unsigned char read_bus(const unsigned char *p) {
  unsigned char v;
  __asm__ volatile(HIDDEN_LABEL(bus_insn) "movb (%1), %0" : "=q"(v) : "r"(p) : "memory");
  return v;
}

static int segv_maperr(void) {
  unsigned char *page = unmapped_page();
  install(SIGSEGV, ACT_LONGJMP);
  if (rt_sigsetjmp(&jump) == 0) {
    unsigned char v = read_maperr(page + 0x10);
    rt_printf("read an unmapped page: %d\n", v);
    return 1;
  }
  print_fault("segv-maperr", (unsigned long)page, 1);
  rt_printf("rip at insn %d\n", seen.gregs[REG_RIP] == (unsigned long)maperr_insn);
  /* The mask the handler left by siglongjmp is back: a second fault is delivered too. */
  if (rt_sigsetjmp(&jump) == 0) read_maperr(page + 0x20);
  rt_printf("second: count=%d addr-base=%ld\n", seen.count, (long)(seen.addr - (unsigned long)page));
  return 0;
}

static int segv_accerr_fix(void) {
  long p = rt_mmap(0, RT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rt_is_err(p)) return 3;
  unsigned char *page = (unsigned char *)p;
  page[0] = 0x11; /* present from here on: the fault below is a protection fault */
  rt_printf("mprotect read-only %ld\n", rt_mprotect(page, RT_PAGE, PROT_READ));
  fix_page = page;
  install(SIGSEGV, ACT_MPROTECT_RW);
  write_accerr(page + 8, 0x42);
  print_fault("segv-accerr-fix", (unsigned long)page, 1);
  unsigned long err = seen.gregs[REG_ERR];
  rt_printf("write bit %lu present bit %lu rip at insn %d\n", (err & PF_WRITE) >> 1, err & PF_PRESENT,
            seen.gregs[REG_RIP] == (unsigned long)accerr_insn);
  rt_printf("value after retry %x first byte %x\n", ((volatile unsigned char *)page)[8], page[0]);
  return 0;
}

/* Pushes the callee-saved registers, loads every GPR from skip_expect and xmm0-2 from skip_xmm_expect after a
 * cmp that sets CF, SF, OF and PF, reads address 0x10 (never mapped) at skip_insn, then at skip_after stores
 * every register and the flags into skip_after_regs, skip_after_flags and skip_after_xmm. */
__asm__(".text\n"
        HIDDEN_LABEL(skip_test)
        "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  mov %rsp, skip_rsp(%rip)\n"
        "  movdqu skip_xmm_expect(%rip), %xmm0\n"
        "  movdqu skip_xmm_expect+16(%rip), %xmm1\n"
        "  movdqu skip_xmm_expect+32(%rip), %xmm2\n"
        "  mov $1, %eax\n"
        "  cmp $0x80000001, %eax\n"
        "  mov skip_expect+0(%rip), %rax\n"
        "  mov skip_expect+8(%rip), %rcx\n"
        "  mov skip_expect+16(%rip), %rdx\n"
        "  mov skip_expect+24(%rip), %rbx\n"
        "  mov skip_expect+40(%rip), %rbp\n"
        "  mov skip_expect+48(%rip), %rsi\n"
        "  mov skip_expect+56(%rip), %rdi\n"
        "  mov skip_expect+64(%rip), %r8\n"
        "  mov skip_expect+72(%rip), %r9\n"
        "  mov skip_expect+80(%rip), %r10\n"
        "  mov skip_expect+88(%rip), %r11\n"
        "  mov skip_expect+96(%rip), %r12\n"
        "  mov skip_expect+104(%rip), %r13\n"
        "  mov skip_expect+112(%rip), %r14\n"
        "  mov skip_expect+120(%rip), %r15\n"
        HIDDEN_LABEL(skip_insn)
        "  movb 0x10, %al\n"
        HIDDEN_LABEL(skip_after)
        "  mov %rax, skip_after_regs+0(%rip)\n"
        "  pushfq\n"
        "  pop %rax\n"
        "  mov %rax, skip_after_flags(%rip)\n"
        "  mov %rcx, skip_after_regs+8(%rip)\n"
        "  mov %rdx, skip_after_regs+16(%rip)\n"
        "  mov %rbx, skip_after_regs+24(%rip)\n"
        "  mov %rsp, skip_after_regs+32(%rip)\n"
        "  mov %rbp, skip_after_regs+40(%rip)\n"
        "  mov %rsi, skip_after_regs+48(%rip)\n"
        "  mov %rdi, skip_after_regs+56(%rip)\n"
        "  mov %r8, skip_after_regs+64(%rip)\n"
        "  mov %r9, skip_after_regs+72(%rip)\n"
        "  mov %r10, skip_after_regs+80(%rip)\n"
        "  mov %r11, skip_after_regs+88(%rip)\n"
        "  mov %r12, skip_after_regs+96(%rip)\n"
        "  mov %r13, skip_after_regs+104(%rip)\n"
        "  mov %r14, skip_after_regs+112(%rip)\n"
        "  mov %r15, skip_after_regs+120(%rip)\n"
        "  movdqu %xmm0, skip_after_xmm(%rip)\n"
        "  movdqu %xmm1, skip_after_xmm+16(%rip)\n"
        "  movdqu %xmm2, skip_after_xmm+32(%rip)\n"
        "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
        "  ret\n");

static const char *const REG_NAMES[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
static const int GREG_OF[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
#define FLAGS_MASK 0x8d5UL /* CF PF AF ZF SF OF */

/* Prints the names of the registers in regs (x86 order, or gregs order when greg_order) that differ. */
static void print_mismatches(const char *what, const unsigned long *values, int greg_order, unsigned long new_rbx,
                             const unsigned char (*xmm)[16], const unsigned char *xmm2) {
  char line[200];
  int n = 0, bad = 0;
  for (int r = 0; r < 16; r++) {
    unsigned long want = r == 4 ? skip_rsp : r == 3 ? new_rbx : skip_expect[r];
    unsigned long got = values[greg_order ? GREG_OF[r] : r];
    if (got == want) continue;
    bad++;
    for (const char *s = REG_NAMES[r]; *s; s++) line[n++] = *s;
    line[n++] = ' ';
  }
  for (int x = 0; x < 3; x++) {
    if (memcmp(xmm[x], x == 2 ? xmm2 : skip_xmm_expect[x], 16) == 0) continue;
    bad++;
    line[n++] = 'x', line[n++] = 'm', line[n++] = 'm', line[n++] = (char)('0' + x), line[n++] = ' ';
  }
  line[n] = 0;
  rt_printf("%s: %d mismatched %s\n", what, bad, bad ? line : "(none)");
}

static int segv_skip(void) {
  skip_to = (unsigned long)skip_after;
  install(SIGSEGV, ACT_SKIP_AND_MODIFY);
  skip_test();
  rt_printf("continued after the faulting instruction (%ld bytes)\n", (long)(skip_after - skip_insn));
  print_fault("segv-skip", 0, 1);
  rt_printf("rip at insn %d fpregs %d\n", seen.gregs[REG_RIP] == (unsigned long)skip_insn, seen.has_fpregs);
  print_mismatches("registers in the context", seen.gregs, 1, skip_expect[3], seen.xmm, skip_xmm_expect[2]);
  print_mismatches("registers after rt_sigreturn", skip_after_regs, 0, SKIP_NEW_RBX, skip_after_xmm, skip_new_xmm2);
  rt_printf("flags in the context %lx after %lx\n", seen.gregs[REG_EFL] & FLAGS_MASK, skip_after_flags & FLAGS_MASK);
  return 0;
}

static int segv_guard(void) {
  long p = rt_mmap(0, 4 * RT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rt_is_err(p)) return 3;
  unsigned char *guard = (unsigned char *)p, *body = guard + RT_PAGE;
  rt_printf("guard mprotect %ld\n", rt_mprotect(guard, RT_PAGE, PROT_NONE));
  body[0] = 7;
  body[3 * RT_PAGE - 1] = 9;
  rt_printf("body reads %d %d\n", body[0], body[3 * RT_PAGE - 1]);
  install(SIGSEGV, ACT_LONGJMP);
  if (rt_sigsetjmp(&jump) == 0) {
    read_guard(body - 8);
    rt_printf("read the guard page\n");
    return 1;
  }
  print_fault("segv-guard", (unsigned long)body, 1);
  rt_printf("rip at insn %d\n", seen.gregs[REG_RIP] == (unsigned long)guard_insn);
  return 0;
}

static int segv_exec(void) {
  long p = rt_mmap(0, RT_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rt_is_err(p)) return 3;
  unsigned char *page = (unsigned char *)p;
  page[0] = 0xc3; /* ret */
  install(SIGSEGV, ACT_LONGJMP);
  if (rt_sigsetjmp(&jump) == 0) {
    ((void (*)(void))page)();
    rt_printf("ran code in a non-executable page\n");
    return 1;
  }
  print_fault("segv-exec", (unsigned long)page, 1);
  unsigned long err = seen.gregs[REG_ERR];
  rt_printf("instruction fetch bit %lu rip-base=%ld\n", (err & PF_INSTR) >> 4, (long)(seen.gregs[REG_RIP] - (unsigned long)page));
  return 0;
}

static int bus(void) {
  char path[64];
  const char *prefix = "/tmp/ferry-faults-";
  int n = 0;
  for (const char *s = prefix; *s; s++) path[n++] = *s;
  long pid = rt_getpid();
  char digits[24];
  int d = 0;
  do digits[d++] = (char)('0' + pid % 10), pid /= 10; while (pid);
  while (d) path[n++] = digits[--d];
  path[n] = 0;
  long fd = rt_syscall3(SYS_open, path, O_CREAT | O_RDWR | O_TRUNC, 0600);
  if (fd < 0) {
    rt_printf("open %ld\n", fd);
    return 3;
  }
  unsigned char data[100];
  for (int i = 0; i < 100; i++) data[i] = (unsigned char)(i * 3 + 1);
  rt_printf("write %ld\n", rt_write((int)fd, data, sizeof data));
  long m = rt_mmap(0, 2 * RT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
  rt_syscall3(SYS_close, fd, 0, 0);
  rt_printf("unlink %ld\n", rt_syscall3(SYS_unlink, path, 0, 0)); /* the mapping keeps the file */
  if (rt_is_err(m)) {
    rt_printf("mmap %ld\n", m);
    return 3;
  }
  const unsigned char *map = (const unsigned char *)m;
  rt_printf("page 0: %d %d, past the end in page 0: %d\n", map[0], map[99], map[200]);
  install(SIGBUS, ACT_LONGJMP);
  if (rt_sigsetjmp(&jump) == 0) {
    read_bus(map + RT_PAGE + 0x20);
    rt_printf("read page 1 of a 100-byte file\n");
    return 1;
  }
  print_fault("bus", m, 1);
  rt_printf("rip at insn %d\n", seen.gregs[REG_RIP] == (unsigned long)bus_insn);
  return 0;
}

static int fpe(void) {
  skip_to = (unsigned long)fpe_after;
  install(SIGFPE, ACT_SKIP);
  unsigned eax;
  __asm__ volatile("xor %%ecx, %%ecx\n"
                   "mov $7, %%eax\n"
                   "xor %%edx, %%edx\n"
                   HIDDEN_LABEL(fpe_insn) "divl %%ecx\n"
                   HIDDEN_LABEL(fpe_after)
                   : "=a"(eax) : : "rcx", "rdx", "cc");
  rt_printf("continued, eax %u\n", eax);
  print_fault("fpe", (unsigned long)fpe_insn, 0);
  rt_printf("addr at insn %d rip at insn %d\n", seen.addr == (unsigned long)fpe_insn, seen.gregs[REG_RIP] == (unsigned long)fpe_insn);
  return 0;
}

static int ill(void) {
  skip_to = 0;
  skip_bytes = 2;
  install(SIGILL, ACT_SKIP);
  __asm__ volatile(HIDDEN_LABEL(ill_insn) "ud2\n" HIDDEN_LABEL(ill_after) ::: "memory");
  rt_printf("continued, ud2 is %ld bytes\n", (long)(ill_after - ill_insn));
  print_fault("ill", (unsigned long)ill_insn, 0);
  rt_printf("addr at insn %d rip at insn %d\n", seen.addr == (unsigned long)ill_insn, seen.gregs[REG_RIP] == (unsigned long)ill_insn);
  return 0;
}

static int trap(void) {
  install(SIGTRAP, ACT_RETURN);
  __asm__ volatile(HIDDEN_LABEL(trap_insn) "int3\n" HIDDEN_LABEL(trap_after) ::: "memory");
  rt_printf("continued\n");
  rt_printf("trap: count=%d signo=%d code=%x addr=%lx err=%lx trapno=%ld\n", seen.count, seen.signo, seen.code, seen.addr,
            seen.gregs[REG_ERR], seen.gregs[REG_TRAPNO]);
  rt_printf("rip after int3 %d (insn+%ld)\n", seen.gregs[REG_RIP] == (unsigned long)trap_after,
            (long)(seen.gregs[REG_RIP] - (unsigned long)trap_insn));
  return 0;
}

static int nohandler_segv(void) {
  unsigned char *page = unmapped_page();
  rt_printf("reading an unmapped page with no handler\n");
  read_maperr(page);
  rt_printf("survived\n");
  return 1;
}

static int blocked_segv(void) {
  unsigned char *page = unmapped_page();
  install(SIGSEGV, ACT_RETURN);
  unsigned long old = 0;
  rt_printf("block %ld\n", rt_sigprocmask(SIG_BLOCK, RT_SIGBIT(SIGSEGV), &old));
  rt_printf("reading an unmapped page with SIGSEGV blocked\n");
  read_maperr(page);
  rt_printf("survived, handler count %d\n", seen.count);
  return 1;
}

int main(int argc, char **argv, char **envp) {
  (void)envp;
  static const struct { const char *name; int (*run)(void); } CASES[] = {
    {"segv-maperr", segv_maperr}, {"segv-accerr-fix", segv_accerr_fix}, {"segv-skip", segv_skip},
    {"segv-guard", segv_guard}, {"segv-exec", segv_exec}, {"bus", bus}, {"fpe", fpe}, {"ill", ill},
    {"trap", trap}, {"nohandler-segv", nohandler_segv}, {"blocked-segv", blocked_segv},
  };
  if (argc < 2) {
    rt_printf("usage: faults CASE\n");
    return 2;
  }
  for (unsigned i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    if (rt_strcmp(argv[1], CASES[i].name) != 0) continue;
    int r = CASES[i].run();
    if (r == 0) rt_printf("done\n");
    return r;
  }
  rt_printf("no case %s\n", argv[1]);
  return 2;
}
