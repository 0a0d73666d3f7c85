/* Tiny freestanding x86-64 Linux runtime for Ferry's whole-program tests: _start, raw syscalls,
 * self-relocation for -static-pie, mem/str helpers and a small printf. One header per single-file program. */
#ifndef FERRY_TEST_RT_H
#define FERRY_TEST_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Only the syscalls Ferry implements so far: tests must not use any other. */
#define SYS_read 0
#define SYS_write 1
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_brk 12
#define SYS_writev 20
#define SYS_mremap 25
#define SYS_getpid 39
#define SYS_uname 63
#define SYS_arch_prctl 158
#define SYS_exit_group 231

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MREMAP_MAYMOVE 1
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_RANDOM 25

#define RT_PAGE 4096UL

static inline long rt_syscall6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#define rt_syscall3(n, a, b, c) rt_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

struct rt_iovec { const void *base; size_t len; };
struct rt_utsname { char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65]; };

static inline long rt_read(int fd, void *buf, size_t n) { return rt_syscall3(SYS_read, fd, buf, n); }
static inline long rt_write(int fd, const void *buf, size_t n) { return rt_syscall3(SYS_write, fd, buf, n); }
static inline long rt_writev(int fd, const struct rt_iovec *iov, int cnt) { return rt_syscall3(SYS_writev, fd, iov, cnt); }
static inline long rt_brk(void *addr) { return rt_syscall3(SYS_brk, addr, 0, 0); }
static inline long rt_mmap(void *addr, size_t len, int prot, int flags, int fd, long off) {
  return rt_syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}
static inline long rt_munmap(void *addr, size_t len) { return rt_syscall3(SYS_munmap, addr, len, 0); }
static inline long rt_mprotect(void *addr, size_t len, int prot) { return rt_syscall3(SYS_mprotect, addr, len, prot); }
static inline long rt_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr) {
  return rt_syscall6(SYS_mremap, (long)old, (long)old_len, (long)new_len, flags, (long)new_addr, 0);
}
static inline long rt_arch_prctl(int code, unsigned long addr) { return rt_syscall3(SYS_arch_prctl, code, addr, 0); }
static inline long rt_getpid(void) { return rt_syscall3(SYS_getpid, 0, 0, 0); }
static inline long rt_uname(struct rt_utsname *u) { return rt_syscall3(SYS_uname, u, 0, 0); }
static inline __attribute__((noreturn)) void rt_exit(int code) {
  rt_syscall3(SYS_exit_group, code, 0, 0);
  __builtin_unreachable();
}
/* mmap returns -errno in [-4095, -1]; anything else is an address. */
static inline int rt_is_err(long r) { return r < 0 && r > -4096; }

/* GCC may emit calls to these for struct copies and zeroing, so they must exist as real symbols.
 * Loop-pattern distribution is off so GCC cannot turn their loops back into calls to themselves. */
#define RT_NO_LIBCALL __attribute__((used, noinline, optimize("no-tree-loop-distribute-patterns")))
RT_NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}
RT_NO_LIBCALL void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}
RT_NO_LIBCALL void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}
RT_NO_LIBCALL int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}
RT_NO_LIBCALL size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}
static __attribute__((unused)) int rt_strcmp(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}
static __attribute__((unused)) int rt_starts_with(const char *s, const char *prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return 0;
  return 1;
}
static __attribute__((unused)) long rt_atol(const char *s) {
  long sign = 1, v = 0;
  if (*s == '-') sign = -1, s++;
  while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
  return sign * v;
}

/* ---- output: one write per printf call so stdout/stderr contents never depend on buffering ---- */
struct rt_buf { char data[1024]; size_t len; int fd; };
static __attribute__((unused)) void rt_buf_flush(struct rt_buf *b) {
  size_t off = 0;
  while (off < b->len) {
    long r = rt_write(b->fd, b->data + off, b->len - off);
    if (r <= 0) break;
    off += (size_t)r;
  }
  b->len = 0;
}
static __attribute__((unused)) void rt_buf_putc(struct rt_buf *b, char c) {
  if (b->len == sizeof b->data) rt_buf_flush(b);
  b->data[b->len++] = c;
}
static __attribute__((unused)) void rt_buf_put_unsigned(struct rt_buf *b, unsigned long v, unsigned base, int width, char pad) {
  char digits[32];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  while (width-- > n) rt_buf_putc(b, pad);
  while (n) rt_buf_putc(b, digits[--n]);
}

/* Supports %d %i %u %x %c %s %% with an optional 'l' and a zero-padded or space-padded width. */
static __attribute__((unused)) void rt_vfprintf(int fd, const char *fmt, va_list ap) {
  struct rt_buf b;
  b.len = 0;
  b.fd = fd;
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      rt_buf_putc(&b, *fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    int width = 0, is_long = 0;
    if (*fmt == '0') pad = '0', fmt++;
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    if (*fmt == 'l') is_long = 1, fmt++;
    switch (*fmt) {
    case 'd':
    case 'i': {
      long v = is_long ? va_arg(ap, long) : va_arg(ap, int);
      unsigned long mag = v < 0 ? -(unsigned long)v : (unsigned long)v;
      if (v < 0) rt_buf_putc(&b, '-'), width--;
      rt_buf_put_unsigned(&b, mag, 10, width, pad);
      break;
    }
    case 'u':
      rt_buf_put_unsigned(&b, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, width, pad);
      break;
    case 'x':
      rt_buf_put_unsigned(&b, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, width, pad);
      break;
    case 'c':
      rt_buf_putc(&b, (char)va_arg(ap, int));
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (!s) s = "(null)";
      for (size_t len = strlen(s); (size_t)width > len; width--) rt_buf_putc(&b, pad);
      while (*s) rt_buf_putc(&b, *s++);
      break;
    }
    case '%':
      rt_buf_putc(&b, '%');
      break;
    default:
      rt_buf_putc(&b, '?');
    }
  }
  rt_buf_flush(&b);
}
static __attribute__((unused, format(printf, 2, 3))) void rt_fprintf(int fd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rt_vfprintf(fd, fmt, ap);
  va_end(ap);
}
#define rt_printf(...) rt_fprintf(1, __VA_ARGS__)
static __attribute__((unused)) void rt_puts(int fd, const char *s) { rt_write(fd, s, strlen(s)); }
static __attribute__((unused)) void rt_put_dec(int fd, long v) { rt_fprintf(fd, "%ld", v); }
static __attribute__((unused)) void rt_put_hex(int fd, uint64_t v) { rt_fprintf(fd, "%016lx", (unsigned long)v); }

/* ---- start-up ---- */
typedef struct { int64_t tag; uint64_t val; } rt_elf_dyn;
typedef struct { uint64_t offset, info; int64_t addend; } rt_elf_rela;
typedef struct {
  unsigned char ident[16];
  uint16_t type, machine;
  uint32_t version;
  uint64_t entry, phoff, shoff;
  uint32_t flags;
  uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} rt_elf_ehdr;
typedef struct { uint32_t type, flags; uint64_t offset, vaddr, paddr, filesz, memsz, align; } rt_elf_phdr;

/* Hidden, so that taking its address is RIP-relative and needs no relocation itself. */
extern const rt_elf_ehdr __ehdr_start __attribute__((visibility("hidden")));
extern char _start[] __attribute__((visibility("hidden")));

static long *rt_initial_sp;
static uint64_t *rt_auxv;

/* The static-pie load bias: a PIE (ET_DYN) image is linked at 0, an ET_EXEC one is not moved. */
static inline uintptr_t rt_load_bias(void) { return __ehdr_start.type == 3 ? (uintptr_t)&__ehdr_start : 0; }

/* GCC loads a weak symbol's address from the GOT, which is not relocated yet at this point, so
 * take _DYNAMIC's address RIP-relative in asm. Only the static-pie link defines it. */
__asm__(".weak _DYNAMIC\n.hidden _DYNAMIC\n");
static inline const rt_elf_dyn *rt_dynamic(void) {
  const rt_elf_dyn *d;
  __asm__("lea _DYNAMIC(%%rip), %0" : "=r"(d));
  return d;
}

static __attribute__((unused)) uint64_t rt_getauxval(uint64_t tag, int *found) {
  for (uint64_t *a = rt_auxv; a && a[0] != AT_NULL; a += 2)
    if (a[0] == tag) {
      if (found) *found = 1;
      return a[1];
    }
  if (found) *found = 0;
  return 0;
}

/* There is no dynamic loader under -nostdlib -static-pie, so apply R_X86_64_RELATIVE ourselves
 * before touching any pointer-holding data. Must not use data that needs relocating. */
static __attribute__((noinline)) void rt_self_relocate(void) {
  uintptr_t bias = rt_load_bias();
  if (!bias) return;
  uint64_t rela = 0, relasz = 0, relaent = sizeof(rt_elf_rela);
  for (const rt_elf_dyn *d = rt_dynamic(); d->tag != 0; d++) {
    if (d->tag == 7) rela = d->val;
    else if (d->tag == 8) relasz = d->val;
    else if (d->tag == 9) relaent = d->val;
  }
  for (uint64_t off = 0; rela && off < relasz; off += relaent) {
    const rt_elf_rela *r = (const rt_elf_rela *)(bias + rela + off);
    if ((r->info & 0xffffffff) == 8 /* R_X86_64_RELATIVE */)
      *(uint64_t *)(bias + r->offset) = bias + (uint64_t)r->addend;
  }
}

int main(int argc, char **argv, char **envp);

__attribute__((used, noreturn)) static void rt_start_c(long *sp) {
  rt_self_relocate();
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  char **e = envp;
  while (*e) e++;
  rt_initial_sp = sp;
  rt_auxv = (uint64_t *)(e + 1);
  rt_exit(main(argc, argv, envp));
}

/* The kernel enters with rsp -> argc; keep the ABI's 16-byte alignment for the C code. */
__asm__(".text\n"
        ".globl _start\n"
        ".type _start,@function\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call rt_start_c\n"
        "  hlt\n");

/* Sets up the x86-64 (variant II) TLS block from PT_TLS and points %fs at its thread pointer.
 * Returns the thread pointer, or 0 when the image has no PT_TLS. */
static __attribute__((unused)) uintptr_t rt_setup_tls(void) {
  const rt_elf_ehdr *eh = &__ehdr_start;
  const rt_elf_phdr *ph = (const rt_elf_phdr *)((const char *)eh + eh->phoff);
  for (int i = 0; i < eh->phnum; i++) {
    if (ph[i].type != 7 /* PT_TLS */) continue;
    uint64_t align = ph[i].align ? ph[i].align : 1;
    uint64_t block = (ph[i].memsz + align - 1) & ~(align - 1);
    uint64_t size = (block + align + 64 + RT_PAGE - 1) & ~(RT_PAGE - 1);
    long area = rt_mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rt_is_err(area)) return 0;
    uintptr_t tp = ((uintptr_t)area + block + align - 1) & ~(align - 1);
    memcpy((void *)(tp - block), (const void *)(rt_load_bias() + ph[i].vaddr), ph[i].filesz);
    *(uintptr_t *)tp = tp; /* %fs:0 holds the thread pointer itself (TCB self-pointer) */
    if (rt_arch_prctl(ARCH_SET_FS, tp) != 0) return 0;
    return tp;
  }
  return 0;
}

#endif
