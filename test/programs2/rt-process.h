/* Syscall numbers, structs and signal helpers (handlers, ucontext, sigsetjmp) for the programs in
 * test/programs2, on top of test/programs/rt.h (which lists only the syscalls of the first programs). */
#ifndef FERRY_TEST_RT_PROCESS_H
#define FERRY_TEST_RT_PROCESS_H

#include "../programs/rt.h"

#define SYS_open 2
#define SYS_close 3
#define SYS_rt_sigaction 13
#define SYS_msync 26
#define SYS_mincore 27
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn 15
#define SYS_sched_yield 24
#define SYS_nanosleep 35

#define SYS_kill 62
#define SYS_unlink 87
#define SYS_gettimeofday 96
#define SYS_getrlimit 97
#define SYS_getrusage 98
#define SYS_sysinfo 99
#define SYS_times 100
#define SYS_getuid 102
#define SYS_getgid 104
#define SYS_geteuid 107
#define SYS_getegid 108
#define SYS_setpgid 109
#define SYS_getppid 110
#define SYS_getpgrp 111
#define SYS_getpgid 121
#define SYS_getsid 124
#define SYS_rt_sigpending 127
#define SYS_sigaltstack 131
#define SYS_prctl 157
#define SYS_setrlimit 160
#define SYS_gettid 186
#define SYS_time 201
#define SYS_sched_getaffinity 204
#define SYS_set_tid_address 218
#define SYS_clock_gettime 228
#define SYS_clock_getres 229
#define SYS_clock_nanosleep 230
#define SYS_tgkill 234
#define SYS_set_robust_list 273
#define SYS_pipe2 293
#define SYS_prlimit64 302
#define SYS_getcpu 309
#define SYS_getrandom 318
#define SYS_rseq 334

#define O_RDONLY 0
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_NONBLOCK 04000
#define MAP_SHARED 0x01
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_FIXED 2
#define MS_SYNC 4

#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGTERM 15
#define SIGCHLD 17
#define SIGSTOP 19
#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_DISABLE 2
#define RT_SIGBIT(sig) (1UL << ((sig) - 1))

#define rt_syscall0(n) rt_syscall6((n), 0, 0, 0, 0, 0, 0)
#define rt_syscall4(n, a, b, c, d) rt_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

struct rt_timespec { long sec, nsec; };
struct rt_rlimit { unsigned long cur, max; };
struct rt_sigaction { unsigned long handler, flags, restorer, mask; };
struct rt_stack { unsigned long sp; int flags; unsigned long size; };
struct rt_sysinfo {
  long uptime; unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
  unsigned short procs, pad; unsigned long totalhigh, freehigh; unsigned int mem_unit; char reserved[4];
};

/* The x86-64 siginfo of a fault: si_addr follows si_signo, si_errno, si_code and padding. */
struct rt_siginfo { int signo, errno_, code, pad; unsigned long addr; char rest[104]; };
/* uc_mcontext.gregs indices (glibc's sys/ucontext.h) and the ucontext layout around them. */
enum {
  REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RDI, REG_RSI, REG_RBP, REG_RBX,
  REG_RDX, REG_RAX, REG_RCX, REG_RSP, REG_RIP, REG_EFL, REG_CSGSFS, REG_ERR, REG_TRAPNO, REG_OLDMASK, REG_CR2, RT_NGREG
};
/* The fxsave image uc_mcontext.fpregs points at: 32 bytes of control words, the x87 stack, then xmm0-15. */
struct rt_fpstate { unsigned short cwd, swd, ftw, fop; unsigned long rip, rdp; unsigned mxcsr, mxcsr_mask;
                    unsigned char st[8][16]; unsigned char xmm[16][16]; unsigned char padding[96]; };
struct rt_ucontext {
  unsigned long flags, link;
  struct rt_stack stack;
  unsigned long gregs[RT_NGREG];
  struct rt_fpstate *fpregs;
  unsigned long reserved1[8];
  unsigned long sigmask;
};
/* Page-fault error code bits as REG_ERR holds them. */
#define PF_PRESENT 1
#define PF_WRITE 2
#define PF_USER 4
#define PF_INSTR 16

/* The restorer every SA_RESTORER handler returns through. */
void rt_sigreturn_stub(void) __attribute__((visibility("hidden")));
__asm__(".text\n"
        ".globl rt_sigreturn_stub\n"
        ".hidden rt_sigreturn_stub\n"
        "rt_sigreturn_stub:\n"
        "  mov $15, %eax\n" /* SYS_rt_sigreturn */
        "  syscall\n"
        "  hlt\n");

typedef void (*rt_sigaction_fn)(int, struct rt_siginfo *, struct rt_ucontext *);
/* Installs an SA_SIGINFO handler (0 = SIG_DFL) with our restorer; mask is the extra signals blocked in it. */
static __attribute__((unused)) long rt_set_handler(int sig, rt_sigaction_fn fn, unsigned long mask) {
  struct rt_sigaction act = {(unsigned long)fn, SA_SIGINFO | SA_RESTORER, (unsigned long)rt_sigreturn_stub, mask};
  return rt_syscall4(SYS_rt_sigaction, sig, &act, 0, 8);
}
static __attribute__((unused)) long rt_sigprocmask(int how, unsigned long set, unsigned long *old) {
  return rt_syscall4(SYS_rt_sigprocmask, how, &set, old, 8);
}

/* sigsetjmp/siglongjmp: callee-saved registers, rsp and the return address, plus the signal mask,
 * which must come back because a handler left by longjmp never reaches rt_sigreturn. */
struct rt_jmp { unsigned long regs[8]; unsigned long mask; };
int rt_setjmp(struct rt_jmp *env) __attribute__((returns_twice, visibility("hidden")));
void rt_longjmp(struct rt_jmp *env, int value) __attribute__((noreturn, visibility("hidden")));
__asm__(".text\n"
        ".globl rt_setjmp\n"
        ".hidden rt_setjmp\n"
        "rt_setjmp:\n"
        "  mov %rbx, 0(%rdi)\n"
        "  mov %rbp, 8(%rdi)\n"
        "  mov %r12, 16(%rdi)\n"
        "  mov %r13, 24(%rdi)\n"
        "  mov %r14, 32(%rdi)\n"
        "  mov %r15, 40(%rdi)\n"
        "  lea 8(%rsp), %rdx\n"
        "  mov %rdx, 48(%rdi)\n"
        "  mov (%rsp), %rdx\n"
        "  mov %rdx, 56(%rdi)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        ".globl rt_longjmp\n"
        ".hidden rt_longjmp\n"
        "rt_longjmp:\n"
        "  mov %esi, %eax\n"
        "  test %eax, %eax\n"
        "  jnz 1f\n"
        "  inc %eax\n"
        "1:\n"
        "  mov 0(%rdi), %rbx\n"
        "  mov 8(%rdi), %rbp\n"
        "  mov 16(%rdi), %r12\n"
        "  mov 24(%rdi), %r13\n"
        "  mov 32(%rdi), %r14\n"
        "  mov 40(%rdi), %r15\n"
        "  mov 48(%rdi), %rsp\n"
        "  jmp *56(%rdi)\n");
#define rt_sigsetjmp(env) (rt_sigprocmask(SIG_BLOCK, 0, &(env)->mask), rt_setjmp(env))
static __attribute__((unused, noreturn)) void rt_siglongjmp(struct rt_jmp *env, int value) {
  rt_syscall4(SYS_rt_sigprocmask, SIG_SETMASK, &env->mask, 0, 8);
  rt_longjmp(env, value);
}

#endif
