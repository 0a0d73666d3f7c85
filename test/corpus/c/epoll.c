/* epoll on pipes: nothing ready, a readable end with its data word, edge-triggered events, MOD and
 * DEL, epoll_pwait with a timeout, and the errors for a regular file, a bad op and a non-epoll fd. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static void show(const char *what, int r) {
  if (r < 0) printf("%s: -1 %s\n", what, errno == EPERM ? "EPERM" : errno == EINVAL ? "EINVAL" : errno == EBADF ? "EBADF" : errno == EEXIST ? "EEXIST" : errno == ENOENT ? "ENOENT" : "other");
  else printf("%s: %d\n", what, r);
}

int main(void) {
  int fds[2];
  if (pipe(fds)) return 1;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  printf("epoll_create1 gives an fd: %d, close-on-exec %d\n", ep >= 0, (fcntl(ep, F_GETFD) & FD_CLOEXEC) != 0);
  struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1122334455667788ULL };
  show("add the read end", epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev));
  show("add it again", epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev));
  struct epoll_event out[4];
  show("wait with nothing written", epoll_wait(ep, out, 4, 0));
  write(fds[1], "ab", 2);
  int n = epoll_wait(ep, out, 4, 1000);
  printf("after a write: %d event(s), events %#x, data %#llx\n", n, out[0].events, (unsigned long long)out[0].data.u64);
  ev.events = EPOLLOUT;
  ev.data.fd = fds[1];
  show("add the write end", epoll_ctl(ep, EPOLL_CTL_ADD, fds[1], &ev));
  n = epoll_wait(ep, out, 4, 0);
  printf("both ready: %d events\n", n);
  show("delete the write end", epoll_ctl(ep, EPOLL_CTL_DEL, fds[1], NULL));
  show("delete it again", epoll_ctl(ep, EPOLL_CTL_DEL, fds[1], NULL));
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u32 = 7;
  show("modify to edge-triggered", epoll_ctl(ep, EPOLL_CTL_MOD, fds[0], &ev));
  n = epoll_wait(ep, out, 4, 0);
  printf("first edge wait: %d, data %u\n", n, out[0].data.u32);
  show("second edge wait", epoll_wait(ep, out, 4, 0));
  char buf[4];
  read(fds[0], buf, 2);
  show("epoll_pwait with a 10 ms timeout", epoll_pwait(ep, out, 4, 10, NULL));
  int file = open("/etc/hostname", O_RDONLY);
  show("add a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev));
  show("bad op", epoll_ctl(ep, 99, fds[0], &ev));
  show("wait on a pipe fd", epoll_wait(fds[0], out, 4, 0));
  show("wait for 0 events", epoll_wait(ep, out, 0, 0));
  show("epoll_create(0)", epoll_create(0));
  return 0;
}
