// Oracle for Ferry's initial stack: a freestanding static program that prints what the kernel
// put on its stack (argc, argv, envp, auxv, string placement); test/loader.test.ts compares it.
// Build: gcc -nostdlib -static -fno-stack-protector -O1 -o auxv-dump auxv-dump.c
// Output, one item per line:
//   rsp_mod16 N | stack_top 0x.. | argc N | argv I STRING | envp I STRING
//   auxv TYPE 0xVALUE   (TYPE decimal; AT_EXECFN/AT_PLATFORM: the string; AT_RANDOM: "present")
//   below_execfn WHAT N (bytes from WHAT up to the AT_EXECFN string: argv0, platform, random, rsp)

typedef unsigned long u64;

#define AT_NULL 0
#define AT_PLATFORM 15
#define AT_RANDOM 25
#define AT_EXECFN 31

// The kernel enters _start with rsp pointing at argc; hand that pointer to C untouched.
__asm__(".globl _start\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call dump\n"
        "  hlt\n");

static long sys3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}

static char out[1 << 16];
static u64 used;

static void put(const char *s) {
  while (*s && used < sizeof out) out[used++] = *s++;
}

static void put_dec(u64 v) {
  char buf[24];
  int n = 0;
  do buf[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
  while (n) { char c[2] = {buf[--n], 0}; put(c); }
}

static void put_hex(u64 v) {
  char buf[20];
  int n = 0;
  do buf[n++] = "0123456789abcdef"[v & 15]; while ((v >>= 4) != 0);
  put("0x");
  while (n) { char c[2] = {buf[--n], 0}; put(c); }
}

static u64 length(const char *s) {
  u64 n = 0;
  while (s[n]) n++;
  return n;
}

static void below_execfn(const char *what, u64 execfn, u64 address) {
  put("below_execfn "); put(what); put(" "); put_dec(execfn - address); put("\n");
}

__attribute__((used)) void dump(u64 *sp) {
  u64 argc = sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  put("rsp_mod16 "); put_dec((u64)sp % 16); put("\n");
  put("argc "); put_dec(argc); put("\n");
  for (u64 i = 0; i < argc; i++) { put("argv "); put_dec(i); put(" "); put(argv[i]); put("\n"); }
  u64 envc = 0;
  for (; envp[envc]; envc++) { put("envp "); put_dec(envc); put(" "); put(envp[envc]); put("\n"); }
  u64 *auxv = (u64 *)(envp + envc + 1);
  u64 execfn = 0, platform = 0, random = 0;
  for (u64 *entry = auxv;; entry += 2) {
    put("auxv "); put_dec(entry[0]); put(" ");
    if (entry[0] == AT_EXECFN) { execfn = entry[1]; put((const char *)entry[1]); }
    else if (entry[0] == AT_PLATFORM) { platform = entry[1]; put((const char *)entry[1]); }
    else if (entry[0] == AT_RANDOM) { random = entry[1]; put("present"); }
    else put_hex(entry[1]);
    put("\n");
    if (entry[0] == AT_NULL) break;
  }
  // The kernel leaves one pointer-sized hole above the execfn string, at the top of the stack.
  put("stack_top "); put_hex(execfn + length((const char *)execfn) + 1 + sizeof(u64)); put("\n");
  below_execfn("argv0", execfn, (u64)argv[0]);
  below_execfn("platform", execfn, platform);
  below_execfn("random", execfn, random);
  below_execfn("rsp", execfn, (u64)sp);
  sys3(1, 1, (long)out, (long)used);
  sys3(60, 0, 0, 0);
}
