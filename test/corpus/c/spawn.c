/* Child processes the way libc starts them: posix_spawn with file actions and with 300 KB of
 * arguments, vfork then execve or _exit, failed execve calls and their errno, a child killed by a
 * signal, system(), and waitpid with no children left. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "wait-status.h"

extern char **environ;

int main(void) {
  int status, fds[2];
  pid_t pid;
  char *sh_argv[] = {"sh", "-c", "echo spawned with $0 $1; exit 5", "first", "second", NULL};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (pipe(fds)) return 1;
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  if (posix_spawn(&pid, "/bin/sh", &actions, NULL, sh_argv, environ) != 0) { puts("posix_spawn failed"); return 1; }
  close(fds[1]);
  collect("posix_spawn sh", fds[0], pid);

  pid = vfork();
  if (pid == 0) { execl("/bin/false", "false", (char *)0); _exit(99); }
  waitpid(pid, &status, 0);
  report("vfork + execl false", status);

  pid = vfork();
  if (pid == 0) _exit(42);
  waitpid(pid, &status, 0);
  report("vfork + _exit", status);

  pid = vfork();
  if (pid == 0) { execl("/nonexistent/program", "x", (char *)0); _exit(7); }
  waitpid(pid, &status, 0);
  report("vfork + failed execl", status);

  /* execve's errors reach the caller: the child passes errno back as its exit status. */
  char junk[] = "/tmp/ferry-spawn-junk-XXXXXX";
  int junk_fd = mkstemp(junk);
  write(junk_fd, "not a program\n", 14);
  fchmod(junk_fd, 0755);
  close(junk_fd);
  const char *bad[] = {"/nonexistent/program", "/etc/passwd", "/", junk};
  for (int i = 0; i < 4; i++) {
    char *args[] = {"x", NULL};
    pid = vfork();
    if (pid == 0) { execve(bad[i], args, environ); _exit(errno); }
    waitpid(pid, &status, 0);
    printf("execve %s: errno %s\n", i == 3 ? "(executable text file)" : bad[i],
           WEXITSTATUS(status) == ENOENT ? "ENOENT" : WEXITSTATUS(status) == EACCES ? "EACCES" :
           WEXITSTATUS(status) == ENOEXEC ? "ENOEXEC" : "other");
  }
  unlink(junk);

  /* Arguments far larger than one host argument may be (128 KiB) still reach the program. */
  static char big[3][100001];
  for (int i = 0; i < 3; i++) { memset(big[i], 'a' + i, 100000); big[i][100000] = 0; }
  char *big_argv[] = {"sh", "-c", "echo big arguments: ${#1} ${#2} ${#3}", "sh", big[0], big[1], big[2], NULL};
  if (posix_spawn(&pid, "/bin/sh", NULL, NULL, big_argv, environ) != 0) puts("posix_spawn with big arguments failed");
  waitpid(pid, &status, 0);
  report("big arguments", status);

  char *kill_argv[] = {"sh", "-c", "kill -TERM $$; sleep 1", NULL};
  posix_spawn(&pid, "/bin/sh", NULL, NULL, kill_argv, environ);
  waitpid(pid, &status, 0);
  report("child that kills itself", status);

  fflush(stdout);
  report("system(\"echo from system; exit 4\")", system("echo from system; exit 4"));
  printf("waitpid with no children: %d\n", waitpid(-1, &status, WNOHANG));
  return 0;
}
