/* Unicorn 2.0.1 store fix: loaded (RTLD_GLOBAL) before libunicorn so that these definitions win.
 * Makes a guest store to a page that never held translated code skip the code-invalidation walk.
 *
 * Why: Debian's Unicorn 2.0.1 stubs out QEMU's dirty-memory bitmap, so every RAM page stays "clean"
 * and every store from translated code takes the notdirty slow path: page_collection_lock (a GTree
 * built and freed per store), tb_invalidate_phys_page_fast, page_collection_unlock. That is about
 * 80 % of the cost of a store (measured: 190 ns -> 40 ns per store in a bare Unicorn loop).
 *
 * How: tlb_protect_code is called for every page a translation block is made from; we record those
 * pages (by ram address, 4 KiB granules, never forgotten, so the record only errs towards the slow,
 * exact path). A store whose range touches no recorded page cannot hit translated code, so the
 * invalidation is skipped. Stores to pages that do hold code take Unicorn's own path unchanged.
 * Libunicorn calls all four functions through its PLT, which is what lets these definitions win.
 * Other Unicorn versions: every function passes straight through to Unicorn's own. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *(*collection_lock_fn)(void *uc, uint64_t start, uint64_t end);
typedef void (*collection_unlock_fn)(void *set);
typedef void (*invalidate_fast_fn)(void *uc, void *set, uint64_t start, int len, uintptr_t retaddr);
typedef void (*protect_code_fn)(void *uc, uint64_t ram_addr);
typedef unsigned (*version_fn)(unsigned *major, unsigned *minor);

#define GRANULE_BITS 12
/* Ram addresses beyond this many granules (16 GiB) are treated as holding code. */
#define MAX_GRANULES (1u << 22)

static struct {
  collection_lock_fn lock;
  collection_unlock_fn unlock;
  invalidate_fast_fn invalidate_fast;
  protect_code_fn protect_code;
  int active; /* 1: Unicorn 2.0 (fix applies); 0: pass everything through */
} uc_real;

static uint8_t code_granules[MAX_GRANULES / 8];
/* The page collection handed out for stores that cannot touch code; never dereferenced by Unicorn. */
static char no_code_pages;
static uint64_t skipped;

static void *unicorn_symbol(void *lib, const char *name) {
  void *sym = dlsym(lib, name);
  if (!sym) {
    fprintf(stderr, "ferry: libunicorn.so.2 lacks %s\n", name);
    abort();
  }
  return sym;
}

static void resolve(void) {
  if (uc_real.lock) return;
  void *lib = dlopen("libunicorn.so.2", RTLD_NOW | RTLD_NOLOAD);
  if (!lib) {
    fprintf(stderr, "ferry: store fix loaded without libunicorn.so.2\n");
    abort();
  }
  uc_real.unlock = (collection_unlock_fn)unicorn_symbol(lib, "page_collection_unlock_aarch64");
  uc_real.invalidate_fast = (invalidate_fast_fn)unicorn_symbol(lib, "tb_invalidate_phys_page_fast_aarch64");
  uc_real.protect_code = (protect_code_fn)unicorn_symbol(lib, "tlb_protect_code_aarch64");
  unsigned major = 0, minor = 0;
  ((version_fn)unicorn_symbol(lib, "uc_version"))(&major, &minor);
  uc_real.active = major == 2 && minor == 0;
  uc_real.lock = (collection_lock_fn)unicorn_symbol(lib, "page_collection_lock_aarch64");
}

static int granule_holds_code(uint64_t granule) {
  return granule >= MAX_GRANULES || (code_granules[granule >> 3] >> (granule & 7)) & 1;
}

void tlb_protect_code_aarch64(void *uc, uint64_t ram_addr) {
  resolve();
  uint64_t granule = ram_addr >> GRANULE_BITS;
  if (granule < MAX_GRANULES) code_granules[granule >> 3] |= (uint8_t)(1u << (granule & 7));
  uc_real.protect_code(uc, ram_addr);
}

void *page_collection_lock_aarch64(void *uc, uint64_t start, uint64_t end) {
  resolve();
  if (!uc_real.active) return uc_real.lock(uc, start, end);
  for (uint64_t g = start >> GRANULE_BITS; g <= end >> GRANULE_BITS; g++) {
    if (granule_holds_code(g)) return uc_real.lock(uc, start, end);
  }
  skipped++;
  return &no_code_pages;
}

void page_collection_unlock_aarch64(void *set) {
  resolve();
  if (set != &no_code_pages) uc_real.unlock(set);
}

void tb_invalidate_phys_page_fast_aarch64(void *uc, void *set, uint64_t start, int len, uintptr_t retaddr) {
  resolve();
  if (set != &no_code_pages) uc_real.invalidate_fast(uc, set, start, len, retaddr);
}

/* 1 when the fix applies to the loaded Unicorn (version 2.0), else 0. */
int ferry_store_fix_active(void) {
  resolve();
  return uc_real.active;
}

/* Stores whose code check was skipped so far: non-zero shows libunicorn really binds to these. */
uint64_t ferry_store_fix_skipped(void) {
  return skipped;
}
