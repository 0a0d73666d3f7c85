/* fork: the child gets a copy of memory (its writes stay its own), the fds (a pipe works across),
 * its own pid with the parent as ppid; exit statuses, a signal, fork in a child, fork then exec. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "wait-status.h"

static int counter = 10;

int main(void) {
  int status, fds[2];
  char *heap = malloc(64);
  strcpy(heap, "parent heap");
  if (pipe(fds)) return 1;
  pid_t parent = getpid();
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) { puts("fork failed"); return 1; }
  if (pid == 0) {
    counter += 5;
    strcpy(heap, "child heap");
    char line[160];
    snprintf(line, sizeof line, "child: counter %d, heap %s, ppid is parent %d, own pid differs %d\n",
             counter, heap, getppid() == parent, getpid() != parent);
    write(fds[1], line, strlen(line));
    _exit(3);
  }
  close(fds[1]);
  collect("child", fds[0], pid);
  printf("parent still has: counter %d, heap %s\n", counter, heap);

  fflush(stdout);
  pid = fork();
  if (pid == 0) { raise(SIGTERM); _exit(0); }
  waitpid(pid, &status, 0);
  report("child raising SIGTERM", status);

  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    pid_t grandchild = fork();
    if (grandchild == 0) _exit(7);
    int s;
    waitpid(grandchild, &s, 0);
    _exit(WEXITSTATUS(s) + 1);
  }
  waitpid(pid, &status, 0);
  report("child that waited for its own child", status);

  fflush(stdout);
  pid = fork();
  if (pid == 0) { execl("/bin/sh", "sh", "-c", "echo exec from a forked child; exit 6", (char *)0); _exit(127); }
  waitpid(pid, &status, 0);
  report("fork + exec sh", status);
  printf("no children left: %d\n", wait(&status));
  return 0;
}
