// The C every mmap oracle starts with: a region of REGION pages whose free address the program finds
// first, results printed relative to it, and /proc/self/maps read whole before any line is printed.
export function mmapOraclePrelude(regionPages: bigint): string {
  return String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
static char script[65536], maps[1 << 20], outbuf[1 << 16];
static unsigned long base, size = ${regionPages}UL * 4096;
static void result(long r) {
  if (r == -1) printf("-%d\n", errno);
  else if ((unsigned long)r >= base && (unsigned long)r < base + size) printf("@%lx\n", (unsigned long)r - base);
  else printf("%ld\n", r);
}
static void read_maps(void) {
  int fd = open("/proc/self/maps", O_RDONLY);
  long n = 0, r;
  while ((r = read(fd, maps + n, sizeof maps - 1 - n)) > 0) n += r;
  maps[n] = 0;
  close(fd);
}
`;
}
