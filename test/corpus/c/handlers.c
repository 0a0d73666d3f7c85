/* Guest signal handlers: SA_SIGINFO with si_code from kill and raise, floating point state kept
 * across the handler, a blocked signal delivered on unblock, and a SIGPIPE handler that re-raises. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int hits;
static volatile double kept = 1.5;

static void on_usr1(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  hits++;
  double x = kept * 2; /* the handler uses XMM registers too */
  printf("handler: signal %d, code %d, from this process %d, x %.1f\n", sig, si->si_code, si->si_pid == getpid(), x);
}

static void on_pipe(int sig) {
  printf("SIGPIPE handler %d: re-raising with the default action\n", sig);
  fflush(stdout);
  signal(sig, SIG_DFL);
  raise(sig);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  double y = 3.25;
  kill(getpid(), SIGUSR1);
  raise(SIGUSR1);
  printf("after two signals: hits %d, y %.2f\n", hits, y);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGUSR1);
  printf("while blocked: hits %d\n", hits);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("after unblocking: hits %d\n", hits);
  signal(SIGPIPE, on_pipe);
  int fds[2];
  if (pipe(fds)) return 1;
  close(fds[0]);
  fflush(stdout);
  write(fds[1], "x", 1);
  printf("not reached: SIGPIPE's default action ends the process\n");
  return 0;
}
