/* Native oracle for Ferry's instruction tests: runs batches of x86-64 snippets on the real CPU
   and reports the final registers and memory, or the signal a snippet raised.

   Wire format (all integers little-endian; mirrored in test/harness/native-runner.ts):

   stdin, one batch:
     u32 magic 'FSRB' (0x42525346), u32 version (2), u32 case_count, u32 timeout_ms (per case; 0 = none)
     case_count times:
       u32 code_len (at most MAX_CODE_LEN), code_len bytes of code
       16 x u64 GPRs in encoding order (rax rcx rdx rbx rsp rbp rsi rdi r8..r15)
       u64 rflags (only CF PF AF ZF SF DF OF are used)
       16 x 16 bytes XMM0..XMM15
       u32 chunk_count, then chunk_count times: u64 address, u32 length, length bytes
         (initial memory; every chunk lies inside the data or the stack region, the rest is zero)

   stdout:
     u32 magic 'FSRR' (0x52525346), u32 case_count
     case_count times:
       u32 status: 0 = the snippet ran to its end, otherwise the signal number it raised
                   (SIGILL SIGTRAP SIGBUS SIGFPE SIGSEGV, or SIGALRM when it ran past timeout_ms)
       then the state at the end, or for a signal as the kernel reported it in the handler's ucontext
       (registers at the faulting instruction; after it for int3) with the regions as they were then:
         u64 rip as an offset from the code start (code_len when the snippet ran to its end)
         16 x u64 GPRs, u64 rflags (raw), 16 x 16 bytes XMM0..XMM15
         x87 state (fxsave64 right after the snippet; every snippet starts from fninit with all
         eight registers holding +0): u16 FCW, u16 FSW, u8 abridged FTW, 3 zero bytes,
         8 x 10 bytes ST0..ST7 (80-bit, in stack order)
         u32 MXCSR (every snippet starts from 0x1f80)
         u32 run_count, then run_count times: u64 address, u32 length, length bytes
           (the data and stack bytes that differ from the initial memory)

   On malformed input the runner prints one line to stderr and exits with status 2. */

#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_ADDRESS 0x10000000UL
#define CODE_SIZE 0x1000UL
#define DATA_ADDRESS 0x20000000UL
#define DATA_SIZE 0x10000UL
#define STACK_ADDRESS 0x30000000UL
#define STACK_SIZE 0x10000UL

/* The snippet returns through `jmp qword ptr [rip+0]; .quad snippet_exit`, which touches no register. */
#define TRAILER_LEN 14
#define MAX_CODE_LEN (CODE_SIZE - TRAILER_LEN)

#define INPUT_MAGIC 0x42525346u
#define OUTPUT_MAGIC 0x52525346u
#define FORMAT_VERSION 2u

/* Only these flags are loaded; bit 1 is architecturally always set and IF is what user mode has. */
#define RFLAGS_LOADABLE 0x0CD5UL /* CF PF AF ZF SF DF OF */
#define RFLAGS_FIXED 0x0202UL

/* Offsets of this struct are hard-coded in the trampoline below. */
struct guest_registers {
  uint64_t gpr[16];   /* offset 0 */
  uint64_t rflags;    /* offset 128 */
  uint64_t padding;   /* keeps xmm 16-byte aligned */
  uint8_t xmm[16][16]; /* offset 144 */
};
_Static_assert(__builtin_offsetof(struct guest_registers, rflags) == 128, "rflags offset");
_Static_assert(__builtin_offsetof(struct guest_registers, xmm) == 144, "xmm offset");

/* Shared with the trampoline, which can use no register of its own while the snippet's are live. */
struct guest_registers *guest_registers_ptr;
uint64_t host_rsp;
uint64_t saved_rax;
uint64_t snippet_entry = CODE_ADDRESS;
uint32_t host_mxcsr;
uint32_t snippet_mxcsr = 0x1f80;
/* fxsave64 image taken right after the snippet, or the kernel's copy of it at a signal. */
uint8_t x87_area[512] __attribute__((aligned(16)));
volatile uint8_t snippet_active;

extern void run_snippet(struct guest_registers *registers);
extern char snippet_exit[];

/* run_snippet saves the host's callee-saved registers and rsp, loads every guest register and jumps
   to the code page; snippet_exit (reached through the code trailer) stores every guest register back
   and returns to the caller of run_snippet as if it had returned normally. */
__asm__(
    ".intel_syntax noprefix\n"
    ".text\n"
    ".globl run_snippet\n"
    ".type run_snippet, @function\n"
    "run_snippet:\n"
    "  push rbx\n  push rbp\n  push r12\n  push r13\n  push r14\n  push r15\n"
    "  stmxcsr [rip + host_mxcsr]\n"
  "  ldmxcsr [rip + snippet_mxcsr]\n"
    "  mov [rip + host_rsp], rsp\n"
    "  mov [rip + guest_registers_ptr], rdi\n"
    /* A known x87 state: every physical register +0 and empty, control word 0x037f. */
    "  fninit\n  fldz\n  fldz\n  fldz\n  fldz\n  fldz\n  fldz\n  fldz\n  fldz\n  fninit\n"
    "  movdqu xmm0, [rdi + 144 + 0*16]\n  movdqu xmm1, [rdi + 144 + 1*16]\n"
    "  movdqu xmm2, [rdi + 144 + 2*16]\n  movdqu xmm3, [rdi + 144 + 3*16]\n"
    "  movdqu xmm4, [rdi + 144 + 4*16]\n  movdqu xmm5, [rdi + 144 + 5*16]\n"
    "  movdqu xmm6, [rdi + 144 + 6*16]\n  movdqu xmm7, [rdi + 144 + 7*16]\n"
    "  movdqu xmm8, [rdi + 144 + 8*16]\n  movdqu xmm9, [rdi + 144 + 9*16]\n"
    "  movdqu xmm10, [rdi + 144 + 10*16]\n  movdqu xmm11, [rdi + 144 + 11*16]\n"
    "  movdqu xmm12, [rdi + 144 + 12*16]\n  movdqu xmm13, [rdi + 144 + 13*16]\n"
    "  movdqu xmm14, [rdi + 144 + 14*16]\n  movdqu xmm15, [rdi + 144 + 15*16]\n"
    "  push qword ptr [rdi + 128]\n"
    "  popfq\n"
    /* From here on only mov, which leaves the flags alone; rdi is the base, so it goes last. */
    "  mov rax, [rdi + 0]\n  mov rcx, [rdi + 8]\n  mov rdx, [rdi + 16]\n  mov rbx, [rdi + 24]\n"
    "  mov rsp, [rdi + 32]\n  mov rbp, [rdi + 40]\n  mov rsi, [rdi + 48]\n"
    "  mov r8, [rdi + 64]\n  mov r9, [rdi + 72]\n  mov r10, [rdi + 80]\n  mov r11, [rdi + 88]\n"
    "  mov r12, [rdi + 96]\n  mov r13, [rdi + 104]\n  mov r14, [rdi + 112]\n  mov r15, [rdi + 120]\n"
    "  mov rdi, [rdi + 56]\n"
    "  mov byte ptr [rip + snippet_active], 1\n"
    "  jmp qword ptr [rip + snippet_entry]\n"
    ".size run_snippet, . - run_snippet\n"
    "\n"
    ".globl snippet_exit\n"
    "snippet_exit:\n"
    "  mov byte ptr [rip + snippet_active], 0\n"
    "  mov [rip + saved_rax], rax\n"
    "  mov rax, [rip + guest_registers_ptr]\n"
    "  mov [rax + 8], rcx\n  mov [rax + 16], rdx\n  mov [rax + 24], rbx\n  mov [rax + 32], rsp\n"
    "  mov [rax + 40], rbp\n  mov [rax + 48], rsi\n  mov [rax + 56], rdi\n"
    "  mov [rax + 64], r8\n  mov [rax + 72], r9\n  mov [rax + 80], r10\n  mov [rax + 88], r11\n"
    "  mov [rax + 96], r12\n  mov [rax + 104], r13\n  mov [rax + 112], r14\n  mov [rax + 120], r15\n"
    "  mov rsp, [rip + host_rsp]\n"
    "  pushfq\n"
    "  pop qword ptr [rax + 128]\n"
    "  mov rcx, [rip + saved_rax]\n"
    "  mov [rax + 0], rcx\n"
    "  movdqu [rax + 144 + 0*16], xmm0\n  movdqu [rax + 144 + 1*16], xmm1\n"
    "  movdqu [rax + 144 + 2*16], xmm2\n  movdqu [rax + 144 + 3*16], xmm3\n"
    "  movdqu [rax + 144 + 4*16], xmm4\n  movdqu [rax + 144 + 5*16], xmm5\n"
    "  movdqu [rax + 144 + 6*16], xmm6\n  movdqu [rax + 144 + 7*16], xmm7\n"
    "  movdqu [rax + 144 + 8*16], xmm8\n  movdqu [rax + 144 + 9*16], xmm9\n"
    "  movdqu [rax + 144 + 10*16], xmm10\n  movdqu [rax + 144 + 11*16], xmm11\n"
    "  movdqu [rax + 144 + 12*16], xmm12\n  movdqu [rax + 144 + 13*16], xmm13\n"
    "  movdqu [rax + 144 + 14*16], xmm14\n  movdqu [rax + 144 + 15*16], xmm15\n"
    "  fxsave64 [rip + x87_area]\n"
    /* The C ABI needs DF clear, and the snippet may have changed MXCSR or left the x87 stack used. */
    "  cld\n"
    "  ldmxcsr [rip + host_mxcsr]\n"
    "  fninit\n"
    "  pop r15\n  pop r14\n  pop r13\n  pop r12\n  pop rbp\n  pop rbx\n"
    "  ret\n"
    ".att_syntax prefix\n");

static sigjmp_buf fault_return;
static uint64_t fault_rip;

/* The snippet's registers at a signal, from the kernel's ucontext, in the runner's own layout. */
static void save_fault_state(const ucontext_t *context) {
  static const int gpr_slot[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                   REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  const greg_t *gregs = context->uc_mcontext.gregs;
  for (int i = 0; i < 16; i++) guest_registers_ptr->gpr[i] = (uint64_t)gregs[gpr_slot[i]];
  guest_registers_ptr->rflags = (uint64_t)gregs[REG_EFL];
  fault_rip = (uint64_t)gregs[REG_RIP];
  memcpy(x87_area, context->uc_mcontext.fpregs, sizeof x87_area);
  memcpy(guest_registers_ptr->xmm, x87_area + 160, sizeof guest_registers_ptr->xmm);
}

/* Regions are reset per case touching only the 4 KiB blocks that can be non-zero (those the last
   case's initial memory or its stores reached), so thousands of small cases stay cheap. */
#define BLOCK_SIZE 4096UL
#define MAX_REGION_BLOCKS 16
struct region {
  uint64_t address;
  size_t size;
  uint8_t initial[DATA_SIZE > STACK_SIZE ? DATA_SIZE : STACK_SIZE]; /* this case's initial contents */
  uint8_t initial_nonzero[MAX_REGION_BLOCKS]; /* block of `initial` may be non-zero */
  uint8_t live_nonzero[MAX_REGION_BLOCKS];    /* block of the mapped region may be non-zero */
};
_Static_assert(DATA_SIZE / BLOCK_SIZE <= MAX_REGION_BLOCKS && STACK_SIZE / BLOCK_SIZE <= MAX_REGION_BLOCKS, "blocks");
static struct region regions[2] = {{.address = DATA_ADDRESS, .size = DATA_SIZE}, {.address = STACK_ADDRESS, .size = STACK_SIZE}};
static uint8_t alternate_signal_stack[64 * 1024];

static const int caught_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGALRM};

static void fail(const char *message) {
  fprintf(stderr, "snippet-runner: %s\n", message);
  exit(2);
}

/* Runs on the alternate stack because the snippet's rsp may point anywhere. */
static void on_signal(int signal_number, siginfo_t *info, void *context) {
  (void)info;
  if (snippet_active) {
    snippet_active = 0;
    save_fault_state((const ucontext_t *)context);
    siglongjmp(fault_return, signal_number);
  }
  if (signal_number == SIGALRM) return; /* the timer fired in the runner itself: harmless */
  /* A fault outside the snippet is a bug in the runner: die with the signal so it is seen. */
  signal(signal_number, SIG_DFL);
  raise(signal_number);
}

static void install_signal_handlers(void) {
  stack_t alternate = {.ss_sp = alternate_signal_stack, .ss_size = sizeof alternate_signal_stack, .ss_flags = 0};
  if (sigaltstack(&alternate, NULL) != 0) fail("sigaltstack failed");
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_signal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++) {
    if (sigaction(caught_signals[i], &action, NULL) != 0) fail("sigaction failed");
  }
}

static void map_region(uint64_t address, uint64_t size, int protection) {
  void *mapped = mmap((void *)address, size, protection, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (mapped == MAP_FAILED || (uint64_t)mapped != address) {
    fprintf(stderr, "snippet-runner: cannot map 0x%lx (%lu bytes): %s\n", (unsigned long)address,
            (unsigned long)size, mapped == MAP_FAILED ? strerror(errno) : "kernel chose another address");
    exit(2);
  }
}

/* --- input --- */

static uint8_t *input;
static size_t input_length;
static size_t input_position;

static void read_all_input(void) {
  size_t capacity = 1 << 20;
  input = malloc(capacity);
  if (!input) fail("out of memory reading input");
  for (;;) {
    if (input_length == capacity) {
      capacity *= 2;
      input = realloc(input, capacity);
      if (!input) fail("out of memory reading input");
    }
    ssize_t got = read(0, input + input_length, capacity - input_length);
    if (got < 0) {
      if (errno == EINTR) continue;
      fail("cannot read stdin");
    }
    if (got == 0) break;
    input_length += (size_t)got;
  }
}

static const uint8_t *take(size_t length) {
  if (input_length - input_position < length) fail("input ends in the middle of a case");
  const uint8_t *at = input + input_position;
  input_position += length;
  return at;
}

static uint32_t take_u32(void) {
  uint32_t value;
  memcpy(&value, take(4), 4);
  return value;
}

static uint64_t take_u64(void) {
  uint64_t value;
  memcpy(&value, take(8), 8);
  return value;
}

/* Copies one initial-memory chunk into the initial contents of the region that holds it. */
static void place_chunk(uint64_t address, uint32_t length, const uint8_t *bytes) {
  for (int i = 0; i < 2; i++) {
    struct region *region = &regions[i];
    if (address < region->address || address - region->address > region->size ||
        length > region->size - (address - region->address)) {
      continue;
    }
    size_t offset = address - region->address;
    memcpy(region->initial + offset, bytes, length);
    if (length == 0) return;
    for (size_t block = offset / BLOCK_SIZE; block <= (offset + length - 1) / BLOCK_SIZE; block++) {
      region->initial_nonzero[block] = 1;
    }
    return;
  }
  fprintf(stderr, "snippet-runner: memory chunk 0x%lx (+%u bytes) is outside the data and stack regions\n",
          (unsigned long)address, length);
  exit(2);
}

static void clear_initial_contents(void) {
  for (int i = 0; i < 2; i++) {
    struct region *region = &regions[i];
    for (size_t block = 0; block < region->size / BLOCK_SIZE; block++) {
      if (!region->initial_nonzero[block]) continue;
      memset(region->initial + block * BLOCK_SIZE, 0, BLOCK_SIZE);
      region->initial_nonzero[block] = 0;
    }
  }
}

/* Makes the mapped regions equal to their initial contents. */
static void load_initial_contents(void) {
  for (int i = 0; i < 2; i++) {
    struct region *region = &regions[i];
    uint8_t *live = (uint8_t *)region->address;
    for (size_t block = 0; block < region->size / BLOCK_SIZE; block++) {
      if (!region->live_nonzero[block] && !region->initial_nonzero[block]) continue;
      memcpy(live + block * BLOCK_SIZE, region->initial + block * BLOCK_SIZE, BLOCK_SIZE);
      region->live_nonzero[block] = region->initial_nonzero[block];
    }
  }
}

/* --- output --- */

static void put(const void *bytes, size_t length) {
  if (fwrite(bytes, 1, length, stdout) != length) fail("cannot write stdout");
}

static void put_u32(uint32_t value) { put(&value, 4); }
static void put_u64(uint64_t value) { put(&value, 8); }

/* Counts (and when `write`, emits) the byte runs of a region that differ from its initial contents;
   equal blocks are skipped with one memcmp each. Blocks with changes are remembered as non-zero. */
static uint32_t count_or_write_changes(struct region *region, int write) {
  const uint8_t *now = (const uint8_t *)region->address;
  const uint8_t *before = region->initial;
  uint32_t runs = 0;
  size_t offset = 0;
  while (offset < region->size) {
    if (offset % BLOCK_SIZE == 0 && memcmp(now + offset, before + offset, BLOCK_SIZE) == 0) {
      offset += BLOCK_SIZE;
      continue;
    }
    if (now[offset] == before[offset]) {
      offset++;
      continue;
    }
    size_t end = offset + 1;
    while (end < region->size && now[end] != before[end]) end++;
    for (size_t block = offset / BLOCK_SIZE; block <= (end - 1) / BLOCK_SIZE; block++) region->live_nonzero[block] = 1;
    if (write) {
      put_u64(region->address + offset);
      put_u32((uint32_t)(end - offset));
      put(now + offset, end - offset);
    }
    runs++;
    offset = end;
  }
  return runs;
}

static void write_memory_changes(void) {
  put_u32(count_or_write_changes(&regions[0], 0) + count_or_write_changes(&regions[1], 0));
  count_or_write_changes(&regions[0], 1);
  count_or_write_changes(&regions[1], 1);
}

/* --- one case --- */

static void set_timer(uint32_t timeout_ms) {
  /* The interval re-arms the timer in case it first fires while the runner, not the snippet, runs. */
  struct itimerval timer = {
      .it_interval = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000},
      .it_value = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000},
  };
  setitimer(ITIMER_REAL, &timer, NULL);
}

static void run_case(uint32_t timeout_ms) {
  static struct guest_registers registers __attribute__((aligned(16)));
  static const uint8_t trailer_jump[6] = {0xFF, 0x25, 0x00, 0x00, 0x00, 0x00};

  uint32_t code_length = take_u32();
  if (code_length > MAX_CODE_LEN) fail("snippet code is longer than the code page allows");
  uint8_t *code_page = (uint8_t *)CODE_ADDRESS;
  memcpy(code_page, take(code_length), code_length);
  memcpy(code_page + code_length, trailer_jump, sizeof trailer_jump);
  uint64_t exit_address = (uint64_t)snippet_exit;
  memcpy(code_page + code_length + sizeof trailer_jump, &exit_address, 8);

  for (int i = 0; i < 16; i++) registers.gpr[i] = take_u64();
  registers.rflags = (take_u64() & RFLAGS_LOADABLE) | RFLAGS_FIXED;
  memcpy(registers.xmm, take(sizeof registers.xmm), sizeof registers.xmm);

  clear_initial_contents();
  uint32_t chunk_count = take_u32();
  for (uint32_t i = 0; i < chunk_count; i++) {
    uint64_t address = take_u64();
    uint32_t length = take_u32();
    place_chunk(address, length, take(length));
  }
  load_initial_contents();

  if (timeout_ms) set_timer(timeout_ms);
  int signal_number = sigsetjmp(fault_return, 1);
  if (signal_number == 0) run_snippet(&registers);
  if (timeout_ms) set_timer(0);

  if (signal_number != 0) {
    /* Left by a fault: the x87 and SSE control state are whatever the snippet made them. */
    __asm__ volatile("cld\n\tldmxcsr %0\n\tfninit" : : "m"(host_mxcsr));
  }
  put_u32((uint32_t)signal_number);
  put_u64(signal_number ? fault_rip - CODE_ADDRESS : code_length);
  put(registers.gpr, sizeof registers.gpr);
  put_u64(registers.rflags);
  put(registers.xmm, sizeof registers.xmm);
  put(x87_area, 2);     /* FCW */
  put(x87_area + 2, 2); /* FSW */
  put(x87_area + 4, 1); /* abridged FTW */
  static const uint8_t padding[3];
  put(padding, 3);
  for (int i = 0; i < 8; i++) put(x87_area + 32 + 16 * i, 10);
  put(x87_area + 24, 4); /* MXCSR */
  write_memory_changes();
}

int main(void) {
  static char output_buffer[1 << 20];
  setvbuf(stdout, output_buffer, _IOFBF, sizeof output_buffer);

  map_region(CODE_ADDRESS, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
  map_region(DATA_ADDRESS, DATA_SIZE, PROT_READ | PROT_WRITE);
  map_region(STACK_ADDRESS, STACK_SIZE, PROT_READ | PROT_WRITE);
  install_signal_handlers();

  read_all_input();
  if (take_u32() != INPUT_MAGIC) fail("input does not start with the batch magic 'FSRB'");
  if (take_u32() != FORMAT_VERSION) fail("unsupported batch format version");
  uint32_t case_count = take_u32();
  uint32_t timeout_ms = take_u32();

  put_u32(OUTPUT_MAGIC);
  put_u32(case_count);
  for (uint32_t i = 0; i < case_count; i++) run_case(timeout_ms);
  if (input_position != input_length) fail("unexpected bytes after the last case");
  if (fflush(stdout) != 0) fail("cannot write stdout");
  return 0;
}
