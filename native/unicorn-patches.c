/* Two patches to Debian's libunicorn2 (2.0.1) in memory, each applied only where the bytes around
 * the patched instruction are exactly those of Debian's build; any other build is left as it is.
 *
 * 1. Stores (tlb_set_page_with_attrs). Unicorn 2.0.1 stubs out QEMU's dirty-memory bitmap, so every
 *    writable RAM page gets TLB_NOTDIRTY and every store of translated code goes through
 *    store_helper and notdirty_write, which builds and frees a GTree per store: about 180 ns a store
 *    against 4 ns without the flag (bare Unicorn loop). The flag only catches stores into pages that
 *    hold translated code. Ferry never stores into its code cache from translated code (it writes
 *    code with uc_mem_write, then uc_ctl_remove_cache), and catches a guest's self-modifying code
 *    with read-only page-table entries, which still fault. The `or $0x100,%r8` that sets the flag becomes a nop.
 *
 * 2. Chaining (gen_goto_tb of the A64 translator). In system mode QEMU chains a direct branch to the
 *    next translation block only within one target page (1 KiB, 4 KiB with patch 3), because a
 *    guest OS may remap pages under chained code; every other direct branch looks its target up
 *    through helper_lookup_tb_ptr: about 25 ns against 4 ns (bare Unicorn loop). Ferry's code cache
 *    is mapped once (2 MiB blocks in Ferry's page tables) and never remapped; invalidating a block
 *    (uc_ctl_remove_cache) unlinks every chained jump into it whatever page it comes from. The
 *    `jne` that refuses cross-page chaining becomes a 2-byte nop.
 *
 * 3. Page size (uc_ctl). Unicorn 2.0.1 lets only 32-bit ARM choose its target page size; on AArch64
 *    QEMU's TLB then works in 1 KiB pages, so a 4 KiB guest page takes four TLB entries and four
 *    page-table walks. The check `cmpl $UC_ARCH_ARM, uc->arch; jne error` loses its jne, so Ferry
 *    can ask for 4 KiB pages before the CPU is set up (src/unicorn/unicorn.ts, setPageSize).
 *
 * test/unicorn-patches.test.ts checks that both apply and that faults, host code rewrites and
 * relinking still behave. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct patch {
  const char *anchor;            /* an exported function near the site */
  long offset;                   /* of the checked bytes from the anchor */
  unsigned char before[32];      /* the bytes expected there */
  unsigned length;               /* how many bytes `before` holds */
  unsigned at;                   /* where in them the patch goes */
  unsigned char after[8];        /* the replacement */
  unsigned size;                 /* its length */
};

static const struct patch PATCHES[] = {
  { /* testb $0x2,0x2c(%rsp); je ...; mov 0x10(%rsp),%rsi; [or $0x100,%r8]; cmpb $0x0,0x30(%rsi) */
    "tlb_set_page_with_attrs_aarch64", 0x3ef,
    { 0xf6, 0x44, 0x24, 0x2c, 0x02, 0x0f, 0x84, 0x36, 0xfd, 0xff, 0xff, 0x48, 0x8b, 0x74, 0x24, 0x10,
      0x49, 0x81, 0xc8, 0x00, 0x01, 0x00, 0x00, 0x80, 0x7e, 0x30, 0x00 }, 27,
    16, { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 }, 7 },
  { /* mov (%r14),%rdx; mov 0x268(%rax),%rax; xor %rbp,%rdx; and 0x8(%rax),%rdx; [jne lookup]; mov %r13,%rdi */
    "gen_a64_set_pc_im_aarch64", 0x159,
    { 0x49, 0x8b, 0x16, 0x48, 0x8b, 0x80, 0x68, 0x02, 0x00, 0x00, 0x48, 0x31, 0xea, 0x48, 0x23, 0x50,
      0x08, 0x75, 0x54, 0x4c, 0x89, 0xef }, 22,
    17, { 0x66, 0x90 }, 2 },
  { /* cmpl $0x1,(%rbx); [jne error]; lea -0x1(%rax),%edx; test %eax,%edx */
    "uc_ctl", 0x175,
    { 0x83, 0x3b, 0x01, 0x0f, 0x85, 0x02, 0xff, 0xff, 0xff, 0x8d, 0x50, 0xff, 0x85, 0xc2 }, 14,
    3, { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 }, 6 },
};

enum { NOT_APPLICABLE = 0, APPLIED = 1, FAILED = -1 };

static int matches(const unsigned char *site, const struct patch *p, const unsigned char *middle) {
  return memcmp(site, p->before, p->at) == 0 && memcmp(site + p->at, middle, p->size) == 0 &&
         memcmp(site + p->at + p->size, p->before + p->at + p->size, p->length - p->at - p->size) == 0;
}

/* Applies patch `which` (0: stores, 1: chaining, 2: page size): 1 applied (now or before), 0 not this build, -1 failed. */
int ferry_unicorn_patch(int which) {
  if (which < 0 || which >= (int)(sizeof PATCHES / sizeof PATCHES[0])) return FAILED;
  const struct patch *p = &PATCHES[which];
  void *lib = dlopen("libunicorn.so.2", RTLD_NOW | RTLD_NOLOAD);
  if (!lib) return FAILED;
  unsigned (*version)(unsigned *, unsigned *) = (unsigned (*)(unsigned *, unsigned *))dlsym(lib, "uc_version");
  unsigned char *anchor = (unsigned char *)dlsym(lib, p->anchor);
  if (!version || !anchor) return NOT_APPLICABLE;
  unsigned major = 0, minor = 0;
  version(&major, &minor);
  if (major != 2 || minor != 0) return NOT_APPLICABLE;
  unsigned char *site = anchor + p->offset;
  if (matches(site, p, p->after)) return APPLIED;
  if (!matches(site, p, p->before + p->at)) return NOT_APPLICABLE;
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t first = (uintptr_t)(site + p->at) & ~(page - 1);
  uintptr_t last = ((uintptr_t)(site + p->at + p->size) + page - 1) & ~(page - 1);
  if (mprotect((void *)first, last - first, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return FAILED;
  memcpy(site + p->at, p->after, p->size);
  if (mprotect((void *)first, last - first, PROT_READ | PROT_EXEC) != 0) return FAILED;
  return APPLIED;
}
