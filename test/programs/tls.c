/* Whole-program test: thread-local storage through %fs. Sets up the PT_TLS block itself, points
 * %fs at it with arch_prctl(ARCH_SET_FS), then uses __thread variables, explicit %fs: loads and
 * stores, ARCH_GET_FS, and a switch to a second TLS block and back. */
#include "rt.h"

static __thread uint64_t counter = 100;
static __thread char name[16] = "tls-initial";
static __thread uint32_t zeroed[64];
static __thread uint64_t __attribute__((aligned(64))) aligned_value = 0xfeedfacecafebeefULL;

static __attribute__((noinline)) void bump(int times) {
  for (int i = 0; i < times; i++) counter += (uint64_t)i, zeroed[i & 63] += (uint32_t)i;
}
static uint64_t fs_load(long offset) {
  uint64_t v;
  __asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"(offset));
  return v;
}
static uint64_t fs_load_indexed(long base, long index) {
  uint64_t v;
  __asm__ volatile("mov %%fs:(%1,%2,8), %0" : "=r"(v) : "r"(base), "r"(index));
  return v;
}
static void fs_store32(long offset, uint32_t v) { __asm__ volatile("movl %1, %%fs:(%0)" : : "r"(offset), "r"(v) : "memory"); }

int main(int argc, char **argv, char **envp) {
  (void)argc, (void)argv, (void)envp;
  uintptr_t tp = rt_setup_tls();
  rt_printf("tls set up: %d\n", tp != 0);
  unsigned long got = 0;
  long get_result = rt_arch_prctl(ARCH_GET_FS, (unsigned long)&got);
  rt_printf("ARCH_GET_FS=%ld matches=%d\n", get_result, got == tp);
  rt_printf("%%fs:0 is the thread pointer: %d\n", fs_load(0) == tp);
  rt_printf("initial: counter=%lu name=%s zeroed[5]=%u aligned=%016lx aligned_ok=%d\n", (unsigned long)counter, name,
            zeroed[5], (unsigned long)aligned_value, ((uintptr_t)&aligned_value & 63) == 0);
  bump(1000);
  name[4] = 'X';
  rt_printf("after bump: counter=%lu zeroed[7]=%u name=%s\n", (unsigned long)counter, zeroed[7], name);

  long counter_off = (long)((uintptr_t)&counter - tp);
  long zeroed_off = (long)((uintptr_t)zeroed - tp);
  rt_printf("fs load of counter=%lu indexed=%lu\n", (unsigned long)fs_load(counter_off),
            (unsigned long)fs_load_indexed(zeroed_off, 3));
  fs_store32(zeroed_off + 4 * 9, 0xabcdu);
  rt_printf("fs store seen as zeroed[9]=%x\n", zeroed[9]);

  /* A second block: what a thread switch does. The first block must survive untouched. */
  static uint64_t second[64] __attribute__((aligned(64)));
  uintptr_t tp2 = (uintptr_t)&second[48];
  *(uintptr_t *)tp2 = tp2;
  memcpy((void *)(tp2 + counter_off), &(uint64_t){4242}, 8);
  rt_printf("switch=%ld\n", rt_arch_prctl(ARCH_SET_FS, tp2));
  rt_printf("in second block: counter=%lu fs0_ok=%d\n", (unsigned long)counter, fs_load(0) == tp2);
  counter += 1;
  rt_printf("switch back=%ld\n", rt_arch_prctl(ARCH_SET_FS, tp));
  rt_printf("back: counter=%lu second kept=%lu\n", (unsigned long)counter, (unsigned long)*(uint64_t *)(tp2 + counter_off));
  return 0;
}
