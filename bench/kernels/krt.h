/* Freestanding runtime for the benchmark kernels, for both x86-64 and AArch64 Linux: _start, raw
 * write/exit_group syscalls, memcpy/memset, and printing of the checksum every runner must reproduce. */
#ifndef FERRY_BENCH_KRT_H
#define FERRY_BENCH_KRT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
#define KSYS_WRITE 1
#define KSYS_EXIT_GROUP 231
static inline long ksyscall3(long n, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "  xor %ebp, %ebp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call kstart\n  hlt\n");
#elif defined(__aarch64__)
#define KSYS_WRITE 64
#define KSYS_EXIT_GROUP 94
static inline long ksyscall3(long n, long a, long b, long c) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
        "  mov x29, #0\n  mov x30, #0\n  mov x0, sp\n  bl kstart\n  brk #0\n");
#else
#error "krt.h supports x86-64 and AArch64 only"
#endif

/* GCC emits calls to these for big copies; word-at-a-time loops, kept from being turned back into
 * calls to themselves. */
#define KRT_NO_LIBCALL __attribute__((used, noinline, optimize("no-tree-loop-distribute-patterns")))
KRT_NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
    for (; n >= 32; n -= 32, d += 32, s += 32) {
      uint64_t a = ((const uint64_t *)s)[0], b = ((const uint64_t *)s)[1];
      uint64_t c = ((const uint64_t *)s)[2], e = ((const uint64_t *)s)[3];
      ((uint64_t *)d)[0] = a, ((uint64_t *)d)[1] = b, ((uint64_t *)d)[2] = c, ((uint64_t *)d)[3] = e;
    }
    for (; n >= 8; n -= 8, d += 8, s += 8) *(uint64_t *)d = *(const uint64_t *)s;
  }
  while (n--) *d++ = *s++;
  return dst;
}
KRT_NO_LIBCALL void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  uint64_t v = 0x0101010101010101ULL * (unsigned char)c;
  for (; n && ((uintptr_t)d & 7); n--) *d++ = (unsigned char)c;
  for (; n >= 32; n -= 32, d += 32) ((uint64_t *)d)[0] = v, ((uint64_t *)d)[1] = v, ((uint64_t *)d)[2] = v, ((uint64_t *)d)[3] = v;
  for (; n >= 8; n -= 8, d += 8) *(uint64_t *)d = v;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

static void kprint_checksum(const char *name, uint64_t value) {
  char line[80];
  size_t n = 0;
  while (*name) line[n++] = *name++;
  line[n++] = ' ';
  for (int shift = 60; shift >= 0; shift -= 4) line[n++] = "0123456789abcdef"[(value >> shift) & 15];
  line[n++] = '\n';
  ksyscall3(KSYS_WRITE, 1, (long)line, (long)n);
}

int kmain(int argc, char **argv);

__attribute__((used, noreturn)) void kstart(long *sp) {
  int status = kmain((int)sp[0], (char **)(sp + 1));
  ksyscall3(KSYS_EXIT_GROUP, status, 0, 0);
  __builtin_unreachable();
}

#endif
