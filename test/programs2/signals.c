/* Signal syscalls: sigaction, sigprocmask, sigpending, sigaltstack and kill/tgkill to self. With
 * an argument naming a signal it ends by sending itself that signal with the default action. */
#include "rt-process.h"

static void show_action(const char *what, long r, const struct rt_sigaction *a) {
  rt_printf("%s %ld handler=%lx flags=%lx restorer=%lx mask=%lx\n", what, r, a->handler, a->flags, a->restorer, a->mask);
}
static void show_stack(const char *what, long r, const struct rt_stack *s) {
  rt_printf("%s %ld sp=%lx flags=%d size=%lx\n", what, r, s->sp, s->flags, s->size);
}

int main(int argc, char **argv, char **envp) {
  (void)envp;
  struct rt_sigaction act = {0x1234, SA_SIGINFO | SA_RESTORER, 0x5678, ~0UL}, old;
  memset(&old, 0xee, sizeof old);
  show_action("initial USR1", rt_syscall4(SYS_rt_sigaction, SIGUSR1, 0, &old, 8), &old);
  show_action("set USR1", rt_syscall4(SYS_rt_sigaction, SIGUSR1, &act, &old, 8), &old);
  show_action("read back", rt_syscall4(SYS_rt_sigaction, SIGUSR1, 0, &old, 8), &old);
  show_action("same buffer", rt_syscall4(SYS_rt_sigaction, SIGUSR1, &old, &old, 8), &old);
  rt_printf("sigaction KILL %ld STOP %ld query KILL %ld sig 0 %ld sig 65 %ld size 4 %ld\n",
            rt_syscall4(SYS_rt_sigaction, SIGKILL, &act, 0, 8), rt_syscall4(SYS_rt_sigaction, SIGSTOP, &act, 0, 8),
            rt_syscall4(SYS_rt_sigaction, SIGKILL, 0, &old, 8), rt_syscall4(SYS_rt_sigaction, 0, 0, &old, 8),
            rt_syscall4(SYS_rt_sigaction, 65, 0, &old, 8), rt_syscall4(SYS_rt_sigaction, SIGUSR1, 0, &old, 4));

  unsigned long all = ~0UL, mask = 0xeeee, none = 0;
  rt_printf("block all %ld old=%lx\n", rt_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, &all, &mask, 8), mask);
  rt_printf("query %ld mask=%lx\n", rt_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &mask, 8), mask);
  rt_printf("bad how %ld bad how no set %ld size 16 %ld\n", rt_syscall4(SYS_rt_sigprocmask, 7, &all, 0, 8),
            rt_syscall4(SYS_rt_sigprocmask, 7, 0, &mask, 8), rt_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, &all, 0, 16));

  long pid = rt_syscall0(SYS_getpid);
  rt_printf("kill USR2 while blocked %ld tgkill USR1 %ld\n", rt_syscall3(SYS_kill, pid, SIGUSR2, 0),
            rt_syscall3(SYS_tgkill, pid, pid, SIGUSR1));
  unsigned long pending = 0xeeee;
  rt_printf("pending %ld set=%lx size 16 %ld\n", rt_syscall3(SYS_rt_sigpending, &pending, 8, 0), pending,
            rt_syscall3(SYS_rt_sigpending, &pending, 16, 0));
  struct rt_sigaction ignore = {1, SA_RESTORER, 0x5678, 0};
  rt_syscall4(SYS_rt_sigaction, SIGUSR2, &ignore, 0, 8);
  rt_syscall4(SYS_rt_sigaction, SIGUSR1, &ignore, 0, 8);
  rt_syscall3(SYS_rt_sigpending, &pending, 8, 0);
  rt_printf("pending after SIG_IGN %lx\n", pending);
  rt_printf("unblock %ld\n", rt_syscall4(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, 8));
  rt_printf("kill 0 %ld no such pid %ld bad signal %ld tgkill 0 %ld CHLD to self %ld ignored USR1 %ld\n",
            rt_syscall3(SYS_kill, pid, 0, 0), rt_syscall3(SYS_kill, 99999999, 0, 0), rt_syscall3(SYS_kill, pid, 65, 0),
            rt_syscall3(SYS_tgkill, 0, pid, 0), rt_syscall3(SYS_kill, pid, SIGCHLD, 0), rt_syscall3(SYS_kill, pid, SIGUSR1, 0));

  struct rt_stack st, prev;
  memset(&prev, 0xee, sizeof prev);
  show_stack("initial altstack", rt_syscall3(SYS_sigaltstack, 0, &prev, 0), &prev);
  st.sp = 0x10000; st.flags = 0; st.size = 1000;
  rt_printf("too small %ld\n", rt_syscall3(SYS_sigaltstack, &st, 0, 0));
  st.flags = 5;
  rt_printf("bad flags %ld\n", rt_syscall3(SYS_sigaltstack, &st, 0, 0));
  st.flags = 0; st.size = 0x4000;
  show_stack("set", rt_syscall3(SYS_sigaltstack, &st, &prev, 0), &prev);
  show_stack("query", rt_syscall3(SYS_sigaltstack, 0, &prev, 0), &prev);
  st.flags = SS_DISABLE;
  rt_syscall3(SYS_sigaltstack, &st, 0, 0);
  show_stack("disabled", rt_syscall3(SYS_sigaltstack, 0, &prev, 0), &prev);

  if (argc > 1) {
    long signal = rt_atol(argv[1]);
    rt_printf("sending %ld\n", signal);
    if (argc > 2) rt_syscall3(SYS_tgkill, pid, rt_syscall0(SYS_gettid), signal);
    else rt_syscall3(SYS_kill, pid, signal, 0);
    rt_printf("still here\n");
    return 1;
  }
  return 0;
}
