/* errno values from failing calls and their strerror/perror messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <math.h>
#include <sys/stat.h>

int main(void) {
  for (int e = 0; e <= 40; e++) printf("%2d %s\n", e, strerror(e));
  printf("unknown: %s\n", strerror(4000));
  char buf[128]; strerror_r(ENOENT, buf, sizeof buf); printf("strerror_r: %s\n", buf);
  errno = 0; int fd = open("/nonexistent/dir/file", O_RDONLY); printf("open missing fd=%d errno=%d %s\n", fd, errno, strerror(errno));
  errno = 0; fd = open("/", O_WRONLY); printf("open / for writing fd=%d errno=%d\n", fd, errno);
  errno = 0; ssize_t r = read(-1, buf, 1); printf("read(-1)=%zd errno=%d\n", r, errno);
  errno = 0; r = write(9999, buf, 1); printf("write(9999)=%zd errno=%d\n", r, errno);
  errno = 0; printf("close(12345)=%d errno=%d\n", close(12345), errno);
  errno = 0; printf("rmdir missing=%d errno=%d\n", rmdir("/nonexistent-ferry-dir"), errno);
  struct stat st; errno = 0; printf("stat missing=%d errno=%d\n", stat("", &st), errno);
  errno = 0; strtol("99999999999999999999999", NULL, 10); printf("strtol overflow errno=%d\n", errno);
  errno = 0; double l = log(-1.0); printf("log(-1) nan=%d errno=%d\n", isnan(l) != 0, errno);
  errno = EACCES; perror("perror with EACCES");
  errno = 0; perror("perror with 0");
  return 0;
}
