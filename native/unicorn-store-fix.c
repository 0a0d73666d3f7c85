/* Unicorn 2.0.1 store fix: patches one instruction of Debian's libunicorn2 in memory so that stores
 * from translated code take TCG's inline fast path instead of calling a helper each time.
 *
 * Why: Unicorn 2.0.1 stubs out QEMU's dirty-memory bitmap, so tlb_set_page_with_attrs marks every
 * writable RAM page TLB_NOTDIRTY and every store goes through store_helper and notdirty_write, which
 * builds and frees a GTree per store: about 180 ns a store against 4 ns without the flag (measured in
 * a bare Unicorn loop). The flag exists to catch stores into pages holding translated code. Ferry
 * never stores into its code cache from translated code (it writes code with uc_mem_write and then
 * calls uc_ctl_remove_cache), and a guest's self-modifying code is caught by page protection, which
 * still faults after the patch (test/unicorn-store-fix.test.ts checks both).
 *
 * How: the `or $0x100,%r8` that sets TLB_NOTDIRTY becomes a 7-byte nop, only after the bytes around it
 * are checked to be exactly those of Debian's build; any other build is left as it is. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* tlb_set_page_with_attrs_aarch64 + 0x3ef, in Debian bookworm's libunicorn.so.2 (2.0.1-3):
 *   testb $0x2,0x2c(%rsp); je ...; mov 0x10(%rsp),%rsi; or $0x100,%r8; cmpb $0x0,0x30(%rsi) */
static const unsigned char EXPECTED[] = {
  0xf6, 0x44, 0x24, 0x2c, 0x02, 0x0f, 0x84, 0x36, 0xfd, 0xff, 0xff, 0x48, 0x8b, 0x74, 0x24, 0x10,
  0x49, 0x81, 0xc8, 0x00, 0x01, 0x00, 0x00, 0x80, 0x7e, 0x30, 0x00,
};
static const unsigned char PATCHED_TAIL[] = { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 };
#define CONTEXT_OFFSET 0x3ef
#define PATCH_AT 16

enum { NOT_APPLICABLE = 0, APPLIED = 1, FAILED = -1 };

static int matches(const unsigned char *site, const unsigned char *tail) {
  return memcmp(site, EXPECTED, PATCH_AT) == 0 && memcmp(site + PATCH_AT, tail, sizeof PATCHED_TAIL) == 0 &&
         memcmp(site + PATCH_AT + sizeof PATCHED_TAIL, EXPECTED + PATCH_AT + sizeof PATCHED_TAIL,
                sizeof EXPECTED - PATCH_AT - sizeof PATCHED_TAIL) == 0;
}

/* Applies the patch once per process: 1 applied (now or before), 0 not this build, -1 failed. */
int ferry_unicorn_store_fix(void) {
  void *lib = dlopen("libunicorn.so.2", RTLD_NOW | RTLD_NOLOAD);
  if (!lib) return FAILED;
  unsigned (*version)(unsigned *, unsigned *) = (unsigned (*)(unsigned *, unsigned *))dlsym(lib, "uc_version");
  unsigned char *fn = (unsigned char *)dlsym(lib, "tlb_set_page_with_attrs_aarch64");
  if (!version || !fn) return NOT_APPLICABLE;
  unsigned major = 0, minor = 0;
  version(&major, &minor);
  if (major != 2 || minor != 0) return NOT_APPLICABLE;
  unsigned char *site = fn + CONTEXT_OFFSET;
  if (matches(site, PATCHED_TAIL)) return APPLIED;
  if (!matches(site, EXPECTED + PATCH_AT)) return NOT_APPLICABLE;
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t first = (uintptr_t)(site + PATCH_AT) & ~(page - 1);
  uintptr_t last = ((uintptr_t)(site + PATCH_AT + sizeof PATCHED_TAIL) + page - 1) & ~(page - 1);
  if (mprotect((void *)first, last - first, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return FAILED;
  memcpy(site + PATCH_AT, PATCHED_TAIL, sizeof PATCHED_TAIL);
  if (mprotect((void *)first, last - first, PROT_READ | PROT_EXEC) != 0) return FAILED;
  return APPLIED;
}
