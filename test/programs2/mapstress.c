/* Mapping stress at a fixed address: 20,000 single-page mappings of alternating permissions, a 4 MiB range
 * mprotected page by page, munmap holes, mremap growth and moves; prints /proc/self/maps and per-page access. */
#include "rt-process.h"

#define BASE 0x200000000000UL
#define PAGE RT_PAGE
/* Offsets from BASE of the regions; everything the program maps lies in [BASE, BASE + SPAN). */
#define GRID_OFF 0x0UL             /* argv[1] pages (default 20,000) of a repeating permission pattern */
#define ALT_OFF 0x10000000UL       /* 4 MiB mprotected page by page */
#define GROW_OFF 0x10800000UL      /* grown in place, then shrunk */
#define BLOCKED_OFF 0x10a00000UL   /* cannot grow in place (a page follows), so moved to BLOCKED_DST */
#define BLOCKED_DST 0x10b00000UL
#define MOVE_OFF 0x10c00000UL      /* moved and grown to MOVE_DST; one page of it on to SLICE_DST and back */
#define MOVE_DST 0x10e00000UL
#define SLICE_DST 0x11000000UL
#define SPAN 0x11100000UL
#define GRID_MAX 60000L            /* so that the grid stays below ALT_OFF */
#define ALT_PAGES 1024L

#define PROT_RW (PROT_READ | PROT_WRITE)
#define PROT_RX (PROT_READ | PROT_EXEC)
#define MAP_ANON_FIXED (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)
#define UNMAPPED (-1)
#define ENOMEM 12

static unsigned char *at(unsigned long off) { return (unsigned char *)(BASE + off); }
static unsigned long sig(int region, long page) {
  return ((unsigned long)(region + 1) * 0x9e3779b97f4a7c15UL) ^ ((unsigned long)page * 0x100000001b3UL) ^ 0x5a5a0000UL;
}
static unsigned long load(const unsigned char *p) { return *(volatile const unsigned long *)p; }
static void store(unsigned char *p, unsigned long v) { *(volatile unsigned long *)p = v; }

static void print_offset(const char *what, long r) {
  if (rt_is_err(r)) rt_printf("%s %ld\n", what, r);
  else rt_printf("%s +%lx\n", what, (unsigned long)r - BASE);
}
static long map_at(unsigned long off, long pages, int prot) {
  return rt_mmap(at(off), (size_t)pages * PAGE, prot, MAP_ANON_FIXED, -1, 0);
}
static void fill(int region, unsigned long off, long pages) {
  for (long i = 0; i < pages; i++) {
    store(at(off + i * PAGE), sig(region, i));
    store(at(off + i * PAGE + PAGE - 8), ~sig(region, i));
  }
}
/* Pages whose signature (at 0 and at the end) is intact, of `pages` pages from off. */
static long intact(int region, unsigned long off, long first, long pages) {
  long ok = 0;
  for (long i = 0; i < pages; i++) {
    const unsigned char *p = at(off + i * PAGE);
    ok += load(p) == sig(region, first + i) && load(p + PAGE - 8) == ~sig(region, first + i);
  }
  return ok;
}
static long zero_pages(unsigned long off, long pages) {
  long ok = 0;
  for (long i = 0; i < pages; i++) {
    const unsigned char *p = at(off + i * PAGE);
    int zero = 1;
    for (unsigned long j = 0; j < PAGE; j += 512) zero &= load(p + j) == 0;
    ok += zero;
  }
  return ok;
}

/* ---- the grid: the pattern each page is mprotected to, then what holes and later calls made of it ---- */
static long grid_pages = 20000;
static int grid_pattern(long i) {
  if (i % 5 == 0) return PROT_NONE;
  if (i & 1) return PROT_READ;
  if (i % 3 == 0) return PROT_RX;
  return PROT_RW;
}
static int grid_hole(long i) { return i % 97 == 50 || (grid_pages > 3010 && i >= 3000 && i < 3010); }
static long grid_first_hole_from(long i) {
  while (i < grid_pages && !grid_hole(i)) i++;
  return i;
}
/* The final protection of page i, or UNMAPPED: [1000, 1500) was made RW before the holes were punched,
 * and mprotect(PROT_READ) of [4000, 4200) stops with ENOMEM at the first hole, keeping the pages before it. */
static int grid_final(long i) {
  if (grid_hole(i)) return UNMAPPED;
  if (grid_pages > 1500 && i >= 1000 && i < 1500) return PROT_RW;
  if (grid_pages > 4200 && i >= 4000 && i < grid_first_hole_from(4000)) return PROT_READ;
  return grid_pattern(i);
}

static void grid(void) {
  print_offset("grid mmap", map_at(GRID_OFF, grid_pages, PROT_RW));
  rt_printf("grid mmap again (noreplace) %ld\n", map_at(GRID_OFF + PAGE, 1, PROT_RW));
  fill(0, GRID_OFF, grid_pages);
  long calls = 0, failed = 0;
  for (long i = 0; i < grid_pages; i++) {
    if (grid_pattern(i) == PROT_RW) continue;
    calls++;
    failed += rt_mprotect(at(GRID_OFF + i * PAGE), PAGE, grid_pattern(i)) != 0;
  }
  rt_printf("grid mprotect page by page: %ld calls, %ld failed\n", calls, failed);
  if (grid_pages > 1500) rt_printf("grid mprotect [1000,1500) rw %ld\n", rt_mprotect(at(GRID_OFF + 1000 * PAGE), 500 * PAGE, PROT_RW));
  long holes = 0;
  failed = 0;
  for (long i = 0; i < grid_pages; i++) {
    if (i % 97 != 50) continue;
    holes++;
    failed += rt_munmap(at(GRID_OFF + i * PAGE), PAGE) != 0;
  }
  if (grid_pages > 3010) holes += 10, failed += rt_munmap(at(GRID_OFF + 3000 * PAGE), 10 * PAGE) != 0;
  rt_printf("grid munmap holes: %ld pages, %ld calls failed\n", holes, failed);
  if (grid_pages > 4200)
    rt_printf("grid mprotect [4000,4200) r across holes %ld\n", rt_mprotect(at(GRID_OFF + 4000 * PAGE), 200 * PAGE, PROT_READ));
  long written = 0, readable = 0, ok = 0;
  for (long i = 0; i < grid_pages; i++) {
    int prot = grid_final(i);
    if (prot == PROT_RW) store(at(GRID_OFF + i * PAGE + 8), ~sig(0, i) ^ 0xff), written++;
  }
  for (long i = 0; i < grid_pages; i++) {
    int prot = grid_final(i);
    if (prot == UNMAPPED || !(prot & PROT_READ)) continue;
    readable++;
    int good = intact(0, GRID_OFF + i * PAGE, i, 1) == 1;
    if (prot == PROT_RW) good &= load(at(GRID_OFF + i * PAGE + 8)) == (~sig(0, i) ^ 0xff);
    ok += good;
  }
  rt_printf("grid data: %ld pages written after the splits, %ld of %ld readable pages intact\n", written, ok, readable);
}

/* ---- the 4 MiB range: page i is r, rw, none, rx by i % 4; every 16th page (an rx one) is then unmapped ---- */
static int alt_pattern(long i) {
  static const int PROTS[4] = {PROT_READ, PROT_RW, PROT_NONE, PROT_RX};
  return PROTS[i % 4];
}
static int alt_final(long i) { return i % 16 == 15 ? UNMAPPED : alt_pattern(i); }

static void alt(void) {
  print_offset("alt mmap", map_at(ALT_OFF, ALT_PAGES, PROT_RW));
  fill(1, ALT_OFF, ALT_PAGES);
  long failed = 0;
  for (long i = 0; i < ALT_PAGES; i++) failed += rt_mprotect(at(ALT_OFF + i * PAGE), PAGE, alt_pattern(i)) != 0;
  rt_printf("alt mprotect page by page: %ld calls, %ld failed\n", ALT_PAGES, failed);
  failed = 0;
  for (long i = 15; i < ALT_PAGES; i += 16) failed += rt_munmap(at(ALT_OFF + i * PAGE), PAGE) != 0;
  rt_printf("alt munmap every 16th page: %ld failed\n", failed);
  rt_printf("alt munmap again (already a hole) %ld\n", rt_munmap(at(ALT_OFF + 15 * PAGE), PAGE));
  rt_printf("alt mprotect over a hole %ld\n", rt_mprotect(at(ALT_OFF + 15 * PAGE), PAGE, PROT_READ));
  long readable = 0, ok = 0;
  for (long i = 0; i < ALT_PAGES; i++)
    if (alt_final(i) == PROT_RW) store(at(ALT_OFF + i * PAGE + 100), sig(1, i) + 100);
  for (long i = 0; i < ALT_PAGES; i++) {
    int prot = alt_final(i);
    if (prot == UNMAPPED || !(prot & PROT_READ)) continue;
    readable++;
    int good = intact(1, ALT_OFF + i * PAGE, i, 1) == 1;
    if (prot == PROT_RW) good &= load(at(ALT_OFF + i * PAGE + 100)) == sig(1, i) + 100;
    ok += good;
  }
  rt_printf("alt data: %ld of %ld readable pages intact\n", ok, readable);
}

/* ---- mremap ---- */
static void remaps(void) {
  print_offset("grow mmap", map_at(GROW_OFF, 16, PROT_RW));
  fill(2, GROW_OFF, 16);
  print_offset("grow in place 16->64", rt_mremap(at(GROW_OFF), 16 * PAGE, 64 * PAGE, 0, 0));
  rt_printf("grow data: %ld of 16 intact, %ld of 48 new pages zero\n", intact(2, GROW_OFF, 0, 16), zero_pages(GROW_OFF + 16 * PAGE, 48));
  store(at(GROW_OFF + 63 * PAGE), 63);
  store(at(GROW_OFF + 39 * PAGE + 8), 39);
  print_offset("shrink 64->40", rt_mremap(at(GROW_OFF), 64 * PAGE, 40 * PAGE, 0, 0));
  rt_printf("after shrink: %ld of 16 intact, page 39 %ld\n", intact(2, GROW_OFF, 0, 16), load(at(GROW_OFF + 39 * PAGE + 8)));

  print_offset("blocked mmap", map_at(BLOCKED_OFF, 4, PROT_RW));
  print_offset("blocker mmap", map_at(BLOCKED_OFF + 4 * PAGE, 1, PROT_READ));
  fill(3, BLOCKED_OFF, 4);
  rt_printf("grow in place with a page after it %ld\n", rt_mremap(at(BLOCKED_OFF), 4 * PAGE, 8 * PAGE, 0, 0));
  rt_printf("MREMAP_FIXED without MREMAP_MAYMOVE %ld\n", rt_mremap(at(BLOCKED_OFF), 4 * PAGE, 8 * PAGE, MREMAP_FIXED, at(BLOCKED_DST)));
  print_offset("move and grow 4->8 (fixed)",
               rt_mremap(at(BLOCKED_OFF), 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, at(BLOCKED_DST)));
  rt_printf("moved data: %ld of 4 intact, %ld of 4 new pages zero\n", intact(3, BLOCKED_DST, 0, 4), zero_pages(BLOCKED_DST + 4 * PAGE, 4));

  print_offset("move mmap", map_at(MOVE_OFF, 8, PROT_RW));
  fill(4, MOVE_OFF, 8);
  print_offset("move and grow 8->12 (fixed)", rt_mremap(at(MOVE_OFF), 8 * PAGE, 12 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, at(MOVE_DST)));
  rt_printf("moved data: %ld of 8 intact, %ld of 4 new pages zero\n", intact(4, MOVE_DST, 0, 8), zero_pages(MOVE_DST + 8 * PAGE, 4));
  print_offset("move page 2 out, grown to 3",
               rt_mremap(at(MOVE_DST + 2 * PAGE), PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, at(SLICE_DST)));
  rt_printf("slice data: %ld of 1 intact, %ld of 2 new pages zero\n", intact(4, SLICE_DST, 2, 1), zero_pages(SLICE_DST + PAGE, 2));
  rt_printf("mprotect the slice's tail rx %ld\n", rt_mprotect(at(SLICE_DST + 2 * PAGE), PAGE, PROT_RX));
  print_offset("move the slice's head over page 5",
               rt_mremap(at(SLICE_DST), PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, at(MOVE_DST + 5 * PAGE)));
  rt_printf("page 5 now holds page 2: %ld\n", intact(4, MOVE_DST + 5 * PAGE, 2, 1));
  rt_printf("mremap of a hole %ld, of a range across two mappings %ld\n",
            rt_mremap(at(MOVE_DST + 2 * PAGE), PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0),
            rt_mremap(at(BLOCKED_DST + 6 * PAGE), 4 * PAGE, 6 * PAGE, 0, 0));
}

/* ---- /proc/self/maps: the lines in [BASE, BASE + SPAN), as offsets, with anonymous dev/inode as "anon" ---- */
static unsigned long parse_hex(const char **s) {
  unsigned long v = 0;
  for (;; (*s)++) {
    char c = **s;
    if (c >= '0' && c <= '9') v = v * 16 + (unsigned long)(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + (unsigned long)(c - 'a' + 10);
    else return v;
  }
}
static const char *field(const char *s, const char *end, char *out, int size) {
  while (s < end && *s == ' ') s++;
  int n = 0;
  while (s < end && *s != ' ') {
    if (n < size - 1) out[n++] = *s;
    s++;
  }
  out[n] = 0;
  return s;
}

static void maps(void) {
  const unsigned long size = 32UL << 20;
  long buf = rt_mmap(0, size, PROT_RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  long fd = rt_syscall3(SYS_open, "/proc/self/maps", O_RDONLY, 0);
  if (rt_is_err(buf) || fd < 0) {
    rt_printf("cannot read /proc/self/maps: %ld %ld\n", buf, fd);
    return;
  }
  unsigned long len = 0;
  for (;;) {
    long r = rt_read((int)fd, (char *)buf + len, size - 1 - len);
    if (r <= 0) break;
    len += (unsigned long)r;
  }
  rt_syscall3(SYS_close, fd, 0, 0);
  long lines = 0;
  for (const char *line = (const char *)buf, *end; line < (const char *)buf + len; line = end + 1) {
    end = line;
    while (end < (const char *)buf + len && *end != '\n') end++;
    const char *s = line;
    unsigned long start = parse_hex(&s);
    s++;
    unsigned long stop = parse_hex(&s);
    if (start < BASE || start >= BASE + SPAN) continue;
    char perms[8], offset[24], dev[16], inode[24];
    s = field(s, end, perms, sizeof perms);
    s = field(s, end, offset, sizeof offset);
    s = field(s, end, dev, sizeof dev);
    s = field(s, end, inode, sizeof inode);
    while (s < end && *s == ' ') s++;
    const char *o = offset;
    unsigned long off = parse_hex(&o);
    int anon = rt_strcmp(dev, "00:00") == 0 && rt_strcmp(inode, "0") == 0;
    char path[256];
    int n = 0;
    while (s < end && n < 255) path[n++] = *s++;
    path[n] = 0;
    lines++;
    rt_printf("%lx-%lx %s %lx %s%s%s%s%s\n", start - BASE, stop - BASE, perms, off, anon ? "anon" : dev, anon ? "" : " ",
              anon ? "" : inode, n ? " " : "", path);
  }
  rt_printf("maps lines in range: %ld\n", lines);
  rt_munmap((void *)buf, size);
}

/* ---- access of each page, through syscalls only: mincore (mapped), write from it (readable), read into it ---- */
static int pipefd[2];
#define EFAULT 14

static char probe(unsigned long off) {
  unsigned char *p = at(off), vec[1], byte = 0, spare;
  long m = rt_syscall3(SYS_mincore, p, PAGE, vec);
  long r = rt_write(pipefd[1], p, 1);
  if (r == 1) rt_read(pipefd[0], &byte, 1);
  rt_write(pipefd[1], &byte, 1); /* written back unchanged when the page is writable */
  long w = rt_read(pipefd[0], p, 1);
  if (w != 1) rt_read(pipefd[0], &spare, 1);
  if (m == -ENOMEM && r == -EFAULT && w == -EFAULT) return 'u';
  if (m != 0 || (r != 1 && r != -EFAULT) || (w != 1 && w != -EFAULT)) return '?';
  if (r == 1) return w == 1 ? 'w' : 'r';
  return w == 1 ? '!' : 'n';
}

/* What the model above says page `off` should probe as, or 0 when the model does not say. */
static char expect(unsigned long off) {
  int prot = -2;
  if (off < GRID_OFF + (unsigned long)grid_pages * PAGE) prot = grid_final((long)(off / PAGE));
  else if (off >= ALT_OFF && off < ALT_OFF + ALT_PAGES * PAGE) prot = alt_final((long)((off - ALT_OFF) / PAGE));
  if (prot == -2) return 0;
  return prot == UNMAPPED ? 'u' : prot == PROT_NONE ? 'n' : prot & PROT_WRITE ? 'w' : 'r';
}

static void probe_region(const char *name, unsigned long off, long pages) {
  char line[600];
  long counts[5] = {0}, disagree = 0;
  unsigned long hash = 0xcbf29ce484222325UL;
  const long CHUNK = 256;
  for (long first = 0; first < pages; first += CHUNK) {
    int n = 0;
    char run = 0;
    long runlen = 0;
    long last = first + CHUNK < pages ? first + CHUNK : pages;
    for (long i = first; i <= last; i++) {
      char c = 0;
      if (i < last) {
        c = probe(off + (unsigned long)i * PAGE);
        char e = expect(off + (unsigned long)i * PAGE);
        disagree += e && e != c;
        hash = (hash ^ (unsigned char)c) * 0x100000001b3UL;
        counts[c == 'u' ? 0 : c == 'n' ? 1 : c == 'r' ? 2 : c == 'w' ? 3 : 4]++;
      }
      if (c == run) {
        runlen++;
        continue;
      }
      if (run) {
        line[n++] = run;
        if (runlen > 1) {
          char digits[24];
          int d = 0;
          do digits[d++] = (char)('0' + runlen % 10), runlen /= 10; while (runlen);
          while (d) line[n++] = digits[--d];
        }
      }
      run = c;
      runlen = 1;
    }
    line[n] = 0;
    rt_printf("%s %ld: %s\n", name, first, line);
  }
  rt_printf("%s: %ld pages u=%ld n=%ld r=%ld w=%ld other=%ld hash=%lx model disagrees %ld\n", name, pages, counts[0], counts[1],
            counts[2], counts[3], counts[4], hash, disagree);
}

int main(int argc, char **argv, char **envp) {
  (void)envp;
  if (argc > 1) grid_pages = rt_atol(argv[1]);
  if (grid_pages < 16 || grid_pages > GRID_MAX) {
    rt_printf("page count must be 16..%ld\n", GRID_MAX);
    return 2;
  }
  rt_printf("grid pages %ld\n", grid_pages);
  grid();
  alt();
  remaps();
  maps();
  /* Non-blocking, so that a probe that left the pipe other than expected cannot hang the program. */
  if (rt_syscall3(SYS_pipe2, pipefd, O_NONBLOCK, 0) != 0) return 3;
  probe_region("grid", GRID_OFF, grid_pages + 4);
  probe_region("alt", ALT_OFF, ALT_PAGES);
  probe_region("grow", GROW_OFF, 72);
  probe_region("blocked", BLOCKED_OFF, 8);
  probe_region("blocked-dst", BLOCKED_DST, 10);
  probe_region("move-src", MOVE_OFF, 8);
  probe_region("move-dst", MOVE_DST, 14);
  probe_region("slice", SLICE_DST, 4);
  return 0;
}
