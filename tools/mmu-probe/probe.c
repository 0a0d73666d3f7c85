// MMU probe (issue 7): costs of stores, loads, faults, TLB reach and chaining on Unicorn 2.0.1 ARM64
// MAX, with the MMU off (regions per mapping, as Ferry does today) and on (page tables in RAM).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unicorn/unicorn.h>
#include "guest.h"

#define CODE_VA 0x10000ull
#define DATA_VA 0x100000ull          /* 64 KiB data window */
#define FAULT_VA 0x1000000ull        /* fault pages */
#define WIDE_VA 0x10000000ull        /* wide window */
#define RAM_PA 0x4000000000ull
#define RAM_SIZE (4ull << 30)
#define PT_PA RAM_PA                 /* page tables at the start of RAM */
#define PT_AREA (64ull << 20)

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static uc_engine *uc;
static uint8_t *ram;
static uint64_t pt_next = PT_PA + 0x1000; /* root at PT_PA */
static uint64_t phys_next = RAM_PA + PT_AREA;
static int mmu;
static long faults;
static uint64_t esr_off = 0, far_off = 0;
static uc_context *ctx;

static void ck(uc_err e, const char *what) { if (e) { fprintf(stderr, "%s: %s\n", what, uc_strerror(e)); exit(1); } }
static void cpw(int crn, int crm, int op0, int op1, int op2, uint64_t val) {
  uc_arm64_cp_reg r = { crn, crm, op0, op1, op2, val };
  ck(uc_reg_write(uc, UC_ARM64_REG_CP_REG, &r), "cp write");
}
static uint64_t *pte_slot(uint64_t va, int create) {
  uint64_t table = PT_PA;
  for (int level = 0; level < 3; level++) {
    int idx = (va >> (39 - 9 * level)) & 511;
    uint64_t *e = (uint64_t *)(ram + (table - RAM_PA)) + idx;
    if (!(*e & 1)) {
      if (!create) return NULL;
      *e = pt_next | 3; pt_next += 0x1000;
    }
    table = *e & 0x0000fffffffff000ull;
  }
  return (uint64_t *)(ram + (table - RAM_PA)) + ((va >> 12) & 511);
}
#define AP_RW 0
#define AP_RO (2ull << 6)
static void map_page(uint64_t va, uint64_t pa, uint64_t ap) {
  *pte_slot(va, 1) = pa | 3 | (1ull << 10) | (3ull << 8) | ap | (1ull << 54);
}
static void map_range(uint64_t va, uint64_t size, uint64_t ap) {
  if (!mmu) { ck(uc_mem_map(uc, va, size, ap == AP_RO ? (UC_PROT_READ | UC_PROT_EXEC) : UC_PROT_ALL), "map"); return; }
  for (uint64_t off = 0; off < size; off += 0x1000) { map_page(va + off, phys_next, ap); phys_next += 0x1000; }
}
static uint64_t mmio_read(uc_engine *u, uint64_t off, unsigned size, void *user) { (void)u; (void)off; (void)size; (void)user; return 0; }
static void mmio_write(uc_engine *u, uint64_t off, unsigned size, uint64_t v, void *user) { (void)u; (void)off; (void)size; (void)v; (void)user; }

static void on_intr(uc_engine *u, uint32_t intno, void *user) {
  (void)user;
  if (intno != 4 && intno != 3) { uc_emu_stop(u); return; }
  faults++;
  uint64_t far = 0;
  if (far_off) { uc_context_save(u, ctx); far = *(uint64_t *)((uint8_t *)ctx + far_off); }
  else { uint64_t x0, x2; uc_reg_read(u, UC_ARM64_REG_X0, &x0); uc_reg_read(u, UC_ARM64_REG_X2, &x2); far = x0 + x2; }
  if (mmu) {
    uint64_t *e = pte_slot(far, 0);
    if (e) *e &= ~AP_RO;
    if (getenv("FLUSH")) cpw(8, 7, 1, 0, 1, far >> 12);
  } else {
    uc_mem_protect(u, far & ~0xfffull, 0x1000, UC_PROT_ALL);
  }
}
static bool on_prot(uc_engine *u, uc_mem_type t, uint64_t addr, int size, int64_t v, void *user) {
  (void)t; (void)size; (void)v; (void)user; faults++;
  uc_mem_protect(u, addr & ~0xfffull, 0x1000, UC_PROT_ALL);
  return true;
}

static uint64_t x2_init;
static double run(uint64_t start, uint64_t end, uint64_t x0, uint64_t count, uint64_t x4) {
  uint64_t zero = x2_init;
  ck(uc_reg_write(uc, UC_ARM64_REG_X0, &x0), "x0");
  ck(uc_reg_write(uc, UC_ARM64_REG_X2, &zero), "x2");
  ck(uc_reg_write(uc, UC_ARM64_REG_X3, &count), "x3");
  ck(uc_reg_write(uc, UC_ARM64_REG_X4, &x4), "x4");
  double t = now();
  ck(uc_emu_start(uc, start, end, 0, 0), "emu_start");
  return now() - t;
}

int main(int argc, char **argv) {
  mmu = argc > 1 && !strcmp(argv[1], "mmu");
  int patch = !(argc > 2 && !strcmp(argv[2], "nopatch"));
  ck(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc), "open");
  ck(uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_MAX), "model");
  if (patch) {
    void *p = dlopen(getenv("PATCHLIB"), RTLD_NOW);
    int (*fp)(int) = p ? (int (*)(int))dlsym(p, "ferry_unicorn_patch") : NULL;
    printf("patches: %d %d\n", fp ? fp(0) : -9, fp ? fp(1) : -9);
  }
  uc_hook h1, h2;
  ck(uc_hook_add(uc, &h1, UC_HOOK_INTR, on_intr, NULL, 1, 0), "hook");
  if (mmu) {
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck(uc_mem_map_ptr(uc, RAM_PA, RAM_SIZE, UC_PROT_ALL, ram), "ram");
    ck(uc_mmio_map(uc, 0, RAM_PA, mmio_read, NULL, mmio_write, NULL), "mmio low");
    ck(uc_mmio_map(uc, RAM_PA + RAM_SIZE, (1ull << 48) - RAM_PA - RAM_SIZE, mmio_read, NULL, mmio_write, NULL), "mmio high");
    uc_err pe = uc_mem_protect(uc, 0, RAM_PA, UC_PROT_ALL);
    printf("protect low placeholder: %s\n", uc_strerror(pe));
    pe = uc_mem_protect(uc, RAM_PA + RAM_SIZE, (1ull << 48) - RAM_PA - RAM_SIZE, UC_PROT_ALL);
    printf("protect high placeholder: %s\n", uc_strerror(pe));
    cpw(1, 1, 3, 6, 0, 0x400);          /* SCR_EL3.RW */
    cpw(10, 2, 3, 0, 0, 0xff);          /* MAIR_EL1 */
    cpw(2, 0, 3, 0, 2, 0x4b5903510ull); /* TCR_EL1 */
    cpw(2, 0, 3, 0, 0, PT_PA);          /* TTBR0_EL1 */
    /* code page: executable at EL1 (no PXN) */
    for (uint64_t off = 0; off < 0x2000; off += 0x1000) { *pte_slot(CODE_VA + off, 1) = phys_next | 3 | (1ull << 10) | (3ull << 8) | AP_RO | (1ull << 54); phys_next += 0x1000; }
    uint64_t code_pa = *pte_slot(CODE_VA, 0) & 0x0000fffffffff000ull;
    uint64_t code_pa2 = *pte_slot(CODE_VA + 0x1000, 0) & 0x0000fffffffff000ull;
    (void)code_pa2;
    memcpy(ram + (code_pa - RAM_PA), guest_bin, guest_bin_len);
    cpw(1, 0, 3, 0, 0, 0xc5183d);       /* SCTLR_EL1: M C I */
  } else {
    ck(uc_hook_add(uc, &h2, UC_HOOK_MEM_WRITE_PROT, on_prot, NULL, 1, 0), "hook prot");
    ck(uc_mem_map(uc, CODE_VA, 0x2000, UC_PROT_READ | UC_PROT_EXEC), "code");
    ck(uc_mem_write(uc, CODE_VA, guest_bin, guest_bin_len), "code write");
  }
  map_range(DATA_VA, 0x10000, AP_RW);
  ck(uc_context_alloc(uc, &ctx), "ctx alloc");
  size_t ctx_size = uc_context_size(uc);
  const long N = 50000000;
  double t;
  run(CODE_VA + 0x0, CODE_VA + 0x14, DATA_VA, 1000, 0);
  t = run(CODE_VA + 0x0, CODE_VA + 0x14, DATA_VA, N, 0);
  printf("%s store: %.2f ns per iteration\n", mmu ? "mmu" : "regions", t / N * 1e9);
  run(CODE_VA + 0x18, CODE_VA + 0x2c, DATA_VA, 1000, 0);
  t = run(CODE_VA + 0x18, CODE_VA + 0x2c, DATA_VA, N, 0);
  printf("%s load: %.2f ns per iteration\n", mmu ? "mmu" : "regions", t / N * 1e9);
  t = run(CODE_VA + 0x5c, CODE_VA + 0x868, 0, N / 5, 0);
  printf("%s cross-page branch: %.2f ns per iteration\n", mmu ? "mmu" : "regions", t / (N / 5) * 1e9);

  /* find FAR's offset in the context blob: fault once at a known address */
  const long F = mmu ? 20000 : 500; /* regions: each fixed page splits a region */
  map_range(FAULT_VA, F * 0x1000ull, AP_RO);
  if (mmu) {
    faults = 0;
    x2_init = 0x3000;
    run(CODE_VA + 0x30, CODE_VA + 0x40, FAULT_VA, 1, 0);
    x2_init = 0;
    uc_context_save(uc, ctx);
    for (size_t off = 0; off + 8 <= ctx_size; off += 8) if (*(uint64_t *)((uint8_t *)ctx + off) == FAULT_VA + 0x3000) { far_off = off; break; }
    for (size_t off = 0; off + 8 <= ctx_size; off += 8) if (*(uint64_t *)((uint8_t *)ctx + off) == 0x9600004full) { esr_off = off; break; }
    printf("context %zu bytes; FAR at %lu, ESR (0x9600004f) at %lu; faults %ld\n", ctx_size, (unsigned long)far_off, (unsigned long)esr_off, faults);
  }
  faults = 0;
  t = run(CODE_VA + 0x30, CODE_VA + 0x40, FAULT_VA + (mmu ? 0x4000 : 0), F - 4, 0);
  printf("%s write fault + fix + retry: %.2f us each (%ld faults)\n", mmu ? "mmu" : "regions", t / (F - 1) * 1e6, faults);

  /* TLB reach: 4 KiB stride over windows of 1, 8, 64, 256 MiB */
  uint64_t wide_max = 256ull << 20;
  if (mmu) map_range(WIDE_VA, wide_max, AP_RW); else map_range(WIDE_VA, wide_max, AP_RW);
  for (uint64_t w = 1ull << 20; w <= wide_max; w <<= 3) {
    run(CODE_VA + 0x44, CODE_VA + 0x58, WIDE_VA, w / 4096, w - 1);
    t = run(CODE_VA + 0x44, CODE_VA + 0x58, WIDE_VA, 5000000, w - 1);
    printf("%s page-stride load over %llu MiB: %.2f ns per load\n", mmu ? "mmu" : "regions", (unsigned long long)(w >> 20), t / 5000000 * 1e9);
  }
  if (mmu) {
    double t0 = now();
    for (int i = 0; i < 10000; i++) cpw(8, 7, 1, 0, 0, 0);
    printf("tlbi vmalle1 from the host: %.2f us each\n", (now() - t0) / 10000 * 1e6);
    t0 = now();
    for (int i = 0; i < 1000; i++) { cpw(8, 7, 1, 0, 0, 0); run(CODE_VA + 0x18, CODE_VA + 0x2c, DATA_VA, 16, 0); }
    printf("flush + 16 loads from a 64 KiB window: %.2f us each\n", (now() - t0) / 1000 * 1e6);
  }
  return 0;
}
