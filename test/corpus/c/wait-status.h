/* Prints how a child ended, from a wait status: shared by the corpus programs that start children. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int status) {
  if (WIFEXITED(status)) printf("%s: exited %d\n", what, WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) printf("%s: killed by signal %d\n", what, WTERMSIG(status));
  else printf("%s: status %#x\n", what, status);
}

/* Prints what the child wrote to the pipe's read end, then waits for it and reports how it ended. */
static void collect(const char *what, int read_fd, pid_t pid) {
  char buf[200];
  ssize_t n = read(read_fd, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  printf("through the pipe: %s", buf);
  int status;
  printf("waitpid returns the child: %d\n", waitpid(pid, &status, 0) == pid);
  report(what, status);
}
