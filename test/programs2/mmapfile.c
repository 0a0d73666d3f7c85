/* File mappings: argv[1] is a file of at least two pages whose bytes are i*7+3. Maps it private
 * (changes stay in memory) and shared (changes reach the file: one page through msync, one only
 * because the program exits), and /dev/zero. The test then compares the files. */
#include "rt-process.h"

static long map_file(const char *path, int mode, int prot, int flags, long offset) {
  long fd = rt_syscall3(SYS_open, path, mode, 0);
  if (fd < 0) return fd;
  long addr = rt_mmap(0, 2 * RT_PAGE, prot, flags, (int)fd, offset);
  rt_syscall3(SYS_close, fd, 0, 0); /* the mapping keeps the file */
  return addr;
}

int main(int argc, char **argv, char **envp) {
  (void)envp;
  if (argc < 2) return 2;
  unsigned char *priv = (unsigned char *)map_file(argv[1], O_RDONLY, PROT_READ | PROT_WRITE, MAP_PRIVATE, RT_PAGE);
  if (rt_is_err((long)priv)) return 3;
  rt_printf("private from page 1: %x %x, past the end of the file: %x\n", priv[0], priv[1], priv[2500]);
  priv[0] = 0xaa;
  rt_printf("shared writable on a read-only fd: %ld\n", map_file(argv[1], O_RDONLY, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
  unsigned char *shared = (unsigned char *)map_file(argv[1], O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
  if (rt_is_err((long)shared)) return 4;
  memcpy(shared + 10, "synced", 6);
  rt_printf("msync %ld\n", rt_syscall3(SYS_msync, shared, RT_PAGE, MS_SYNC));
  memcpy(shared + RT_PAGE + 10, "at exit", 7);
  unsigned char *zero = (unsigned char *)map_file("/dev/zero", O_RDWR, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
  rt_printf("/dev/zero %d %d\n", rt_is_err((long)zero), rt_is_err((long)zero) ? -1 : zero[5]);
  return 0;
}
