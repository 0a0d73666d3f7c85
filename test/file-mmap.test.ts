// Tests file-backed mmap, msync, madvise and mincore through the syscall dispatcher: scripts run on
// the host kernel (a small C oracle) and on Ferry, each on its own copy of the same file, must agree.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mmapOraclePrelude } from './harness/mmap-oracle';
import { AddressSpace, MADVICE, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED, MS_ASYNC, MS_SYNC } from '../src/memory/address-space';
import { FakeMemory } from '../src/memory/fake-memory';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';
import { SyscallContext } from '../syscalls/context';
import { SyscallDispatcher } from '../syscalls/dispatch';
import { FdTable } from '../syscalls/fd-table';
import { O_DIRECTORY, O_RDONLY, O_RDWR, O_WRONLY } from '../syscalls/fs/constants';
import { HostFile } from '../syscalls/fs/host-file';
import { syscallNumber } from '../syscalls/names';
import { NodeHostIo } from '../syscalls/host-io';
import { int64 } from '../syscalls/values';

const PAGE = BigInt(PAGE_SIZE);
const RW = PROT_READ | PROT_WRITE;
const REGION_PAGES = 64n;
/** Two and a half pages: the third page is partly past the end of the file, the fourth wholly. */
const FILE_SIZE = 2 * PAGE_SIZE + PAGE_SIZE / 2;
const FILE_NAME = 'mapped.bin';
const fileContents = (): Buffer => Buffer.from(Array.from({ length: FILE_SIZE }, (_, i) => (i * 7 + 3) & 0xff));

// Script ops: open MODE (0 RDONLY, 1 WRONLY, 2 RDWR, 3 the directory) sets the current fd; close
// closes it; mmap OFF LEN PROT FLAGS FILEOFF uses it (fd -1 with FLAGS 0x10000000 means fd 999);
// peek/poke/munmap/mprotect/msync/madvise/mincore act at region offsets (mincore's residency bits
// depend on the host's page cache, so only its errors are compared); file OFF N prints the file's
// bytes; maps prints the region's /proc/self/maps lines (perms, offset, file name); read OFF N,
// write OFF BYTE and trunc LEN are pread, pwrite and ftruncate on the current fd; mremap OFF OLD NEW
// may move.
const ORACLE_C = mmapOraclePrelude(REGION_PAGES) + String.raw`
static void print_maps(void) {
  read_maps();
  printf("maps:");
  for (char *line = maps; *line; line = strchr(line, '\n') + 1) {
    unsigned long s, e, off; char perms[5], name[4096] = "", one[4200];
    size_t len = strchr(line, '\n') - line;
    memcpy(one, line, len < sizeof one - 1 ? len : sizeof one - 1);
    one[len < sizeof one - 1 ? len : sizeof one - 1] = 0;
    sscanf(one, "%lx-%lx %4s %lx %*s %*s %4095s", &s, &e, perms, &off, name);
    char *slash = strrchr(name, '/');
    if (e > base && s < base + size) printf(" %lx-%lx:%s:%lx:%s", s - base, e - base, perms, off, slash ? slash + 1 : name);
  }
  printf("\n");
}
int main(int argc, char **argv) {
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  const char *file = argv[1], *dir = argv[2];
  long n = 0, r;
  int fd = -1;
  while ((r = read(0, script + n, sizeof script - 1 - n)) > 0) n += r;
  base = (unsigned long)mmap(0, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap((void *)base, size);
  for (char *line = strtok(script, "\n"); line; line = strtok(0, "\n")) {
    char op[16]; long a[5] = {0};
    sscanf(line, "%15s %li %li %li %li %li", op, &a[0], &a[1], &a[2], &a[3], &a[4]);
    if (!strcmp(op, "open")) { fd = a[0] == 3 ? open(dir, O_RDONLY | O_DIRECTORY) : open(file, (int)a[0]); printf("%s\n", fd < 0 ? "fail" : "ok"); }
    else if (!strcmp(op, "close")) result(close(fd));
    else if (!strcmp(op, "mmap")) result((long)mmap((void *)(base + a[0]), a[1], a[2], a[3] & ~0x10000000, a[3] & 0x10000000 ? 999 : fd, a[4]));
    else if (!strcmp(op, "munmap")) result(munmap((void *)(base + a[0]), a[1]));
    else if (!strcmp(op, "mprotect")) result(mprotect((void *)(base + a[0]), a[1], a[2]));
    else if (!strcmp(op, "msync")) result(msync((void *)(base + a[0]), a[1], a[2]));
    else if (!strcmp(op, "madvise")) result(madvise((void *)(base + a[0]), a[1], a[2]));
    else if (!strcmp(op, "mincore")) {
      unsigned char vec[64] = {0};
      r = mincore((void *)(base + a[0]), a[1], vec);
      if (r) result(r); else { for (long i = 0; i < (a[1] + 4095) / 4096; i++) printf("%d", vec[i] & 1); printf("\n"); }
    }
    else if (!strcmp(op, "poke")) { *(volatile char *)(base + a[0]) = (char)a[1]; printf("ok\n"); }
    else if (!strcmp(op, "peek")) {
      for (long i = 0; i < a[1]; i++) printf("%02x", *(volatile unsigned char *)(base + a[0] + i));
      printf("\n");
    }
    else if (!strcmp(op, "file")) {
      unsigned char buf[256]; int f = open(file, O_RDONLY);
      long got = pread(f, buf, a[1], a[0]);
      close(f);
      for (long i = 0; i < got; i++) printf("%02x", buf[i]);
      printf("\n");
    }
    else if (!strcmp(op, "maps")) print_maps();
    else if (!strcmp(op, "read")) {
      unsigned char buf[256];
      long got = pread(fd, buf, a[1], a[0]);
      if (got < 0) result(got); else { for (long i = 0; i < got; i++) printf("%02x", buf[i]); printf("\n"); }
    }
    else if (!strcmp(op, "write")) { unsigned char b = (unsigned char)a[1]; result(pwrite(fd, &b, 1, a[0])); }
    else if (!strcmp(op, "trunc")) result(ftruncate(fd, a[0]));
    else if (!strcmp(op, "mremap")) result((long)mremap((void *)(base + a[0]), a[1], a[2], MREMAP_MAYMOVE));
  }
  fflush(stdout);
  return 0;
}
`;

const BAD_FD_FLAG = 0x1000_0000;
let scratch = '';
let oracleBinary = '';
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-file-mmap-'));
  fs.writeFileSync(path.join(scratch, 'oracle.c'), ORACLE_C);
  oracleBinary = path.join(scratch, 'oracle');
  execFileSync('gcc', ['-O1', '-o', oracleBinary, path.join(scratch, 'oracle.c')]);
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A fresh copy of the test file in its own directory; both runs see the same base name. */
function freshFile(label: string): { file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(scratch, `${label}-`));
  const file = path.join(dir, FILE_NAME);
  fs.writeFileSync(file, fileContents());
  return { file, dir };
}

function runOnKernel(script: string): string {
  const { file, dir } = freshFile('kernel');
  return execFileSync(oracleBinary, [file, dir], { input: script, encoding: 'utf8' });
}

function makeContext(): { ctx: SyscallContext; space: AddressSpace; fds: FdTable } {
  const mem = new FakeMemory();
  const space = new AddressSpace(mem);
  const fds = new FdTable();
  const ctx: SyscallContext = {
    mem, space, fds, host: new NodeHostIo(),
    program: { exe: '/prog', argv: ['/prog'], envp: [], auxv: new Uint8Array(16) },
    process: { pid: 1, exit: () => undefined },
    cpu: { getFsBase: () => 0n, setFsBase: () => undefined, getGsBase: () => 0n, setGsBase: () => undefined },
  };
  return { ctx, space, fds };
}

const dispatcher = new SyscallDispatcher({ report: () => undefined });
function call(ctx: SyscallContext, name: string, ...values: bigint[]): bigint {
  return int64(dispatcher.dispatch(ctx, syscallNumber(name)!, [...values, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6)));
}

/** Opens a guest fd on the host file as the file syscalls would. */
function openGuestFile(fds: FdTable, file: string, flags: number): number {
  const hostFd = fs.openSync(file, flags);
  return fds.install(new HostFile(hostFd, file, flags, file));
}

function runOnFerry(script: string): string {
  const { file, dir } = freshFile('ferry');
  const { ctx, space, fds } = makeContext();
  const base = 0x7f00_0000_0000n;
  const size = REGION_PAGES * PAGE;
  let fd = -1;
  const out: string[] = [];
  const result = (value: bigint): void => {
    if (value >= base && value < base + size) out.push(`@${(value - base).toString(16)}`);
    else out.push(String(value));
  };
  const hexBytes = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
  /** A guest page outside the region for syscall buffers. */
  const scratchPage = (): bigint => {
    const page = 0x1000_0000n;
    if (!space.find(page)) space.mmap(page, PAGE, RW, MAP_PRIVATE | 0x20 | MAP_FIXED);
    return page;
  };
  for (const line of script.trim().split('\n')) {
    const [op, ...rest] = line.trim().split(/\s+/);
    const a = rest.map((word) => BigInt(word));
    switch (op) {
      case 'open':
        fd = a[0] === 3n ? openGuestFile(fds, dir, O_RDONLY | O_DIRECTORY) : openGuestFile(fds, file, Number(a[0]));
        out.push('ok');
        break;
      case 'close': result(fds.close(fd) ? 0n : -9n); break;
      case 'mmap': {
        const badFd = (a[3] & BigInt(BAD_FD_FLAG)) !== 0n;
        result(call(ctx, 'mmap', base + a[0], a[1], a[2], a[3] & ~BigInt(BAD_FD_FLAG), BigInt(badFd ? 999 : fd), a[4]));
        break;
      }
      case 'munmap': case 'mprotect': case 'msync': case 'madvise':
        result(call(ctx, op, base + a[0], a[1], a[2] ?? 0n));
        break;
      case 'mincore': {
        const vec = scratchPage();
        const r = call(ctx, 'mincore', base + a[0], a[1], vec);
        if (r !== 0n) result(r);
        else out.push([...ctx.mem.read(vec, Number((a[1] + PAGE - 1n) / PAGE))].map((b) => b & 1).join(''));
        break;
      }
      case 'read': {
        const buf = scratchPage();
        const r = call(ctx, 'pread64', BigInt(fd), buf, a[1], a[0]);
        if (r < 0n) result(r);
        else out.push(hexBytes(ctx.mem.read(buf, Number(r))));
        break;
      }
      case 'write': {
        const buf = scratchPage();
        ctx.mem.write(buf, Uint8Array.of(Number(a[1])));
        result(call(ctx, 'pwrite64', BigInt(fd), buf, 1n, a[0]));
        break;
      }
      case 'trunc': result(call(ctx, 'ftruncate', BigInt(fd), a[0])); break;
      case 'mremap': result(call(ctx, 'mremap', base + a[0], a[1], a[2], 1n)); break;
      case 'poke': ctx.mem.write(base + a[0], Uint8Array.of(Number(a[1]))); out.push('ok'); break;
      case 'peek': out.push(hexBytes(ctx.mem.read(base + a[0], Number(a[1])))); break;
      case 'file': out.push(hexBytes(fs.readFileSync(file).subarray(Number(a[0]), Number(a[0] + a[1])))); break;
      case 'maps': {
        const shown = space.vmas().filter((v) => v.end > base && v.start < base + size).map((v) => {
          const perms = (v.prot & PROT_READ ? 'r' : '-') + (v.prot & PROT_WRITE ? 'w' : '-') + (v.prot & PROT_EXEC ? 'x' : '-') +
            (v.flags & MAP_SHARED ? 's' : 'p');
          return ` ${(v.start - base).toString(16)}-${(v.end - base).toString(16)}:${perms}:${v.offset.toString(16)}:${path.basename(v.name)}`;
        });
        out.push('maps:' + shown.join(''));
        break;
      }
      default: throw new Error(`bad script op ${op}`);
    }
  }
  space.writeBackAll();
  return out.join('\n') + '\n';
}

const hex = (n: number | bigint): string => '0x' + n.toString(16);
const PG = (n: number): string => hex(n * PAGE_SIZE);
const PRIVATE = hex(MAP_PRIVATE);
const SHARED = hex(MAP_SHARED);
const { MADV_DONTNEED, MADV_WILLNEED } = MADVICE;

const SCRIPTS: Record<string, string> = {
  'MAP_PRIVATE maps the file from an offset, zero past the end, and never writes back': `
    open ${O_RDONLY}
    mmap 0 ${PG(3)} ${PROT_READ} ${PRIVATE} 0
    peek 0 16
    peek ${PG(2)} 8
    peek ${hex(2 * PAGE_SIZE + PAGE_SIZE / 2 - 4)} 8
    peek ${hex(3 * PAGE_SIZE - 8)} 8
    mmap ${PG(8)} ${PG(2)} ${RW} ${PRIVATE} ${PG(1)}
    peek ${PG(8)} 8
    poke ${PG(8)} 99
    peek ${PG(8)} 4
    msync ${PG(8)} ${PG(2)} ${MS_SYNC}
    munmap ${PG(8)} ${PG(2)}
    file ${PG(1)} 8
    maps`,
  'MAP_SHARED of an O_RDWR file writes back on msync and munmap, and only inside the file': `
    open ${O_RDWR}
    mmap 0 ${PG(3)} ${RW} ${SHARED} 0
    poke 5 1
    poke ${hex(2 * PAGE_SIZE + 100)} 2
    poke ${hex(2 * PAGE_SIZE + PAGE_SIZE / 2 + 10)} 3
    msync 0 ${PG(3)} ${MS_SYNC}
    file 0 8
    file ${hex(2 * PAGE_SIZE + 96)} 8
    file ${hex(2 * PAGE_SIZE + PAGE_SIZE / 2 - 4)} 32
    poke ${PG(1)} 4
    msync ${PG(1)} ${PG(1)} ${MS_ASYNC}
    file ${PG(1)} 4
    close
    poke 6 5
    munmap 0 ${PG(3)}
    file 0 8
    maps`,
  'MAP_SHARED mappings and read/write/ftruncate on the file see each other at once': `
    open ${O_RDWR}
    mmap 0 ${PG(3)} ${RW} ${SHARED} 0
    mmap ${PG(8)} ${PG(1)} ${PROT_READ} ${SHARED} 0
    poke 5 65
    read 0 8
    peek ${PG(8)} 8
    write 6 66
    peek 0 8
    peek ${PG(8)} 8
    write ${hex(2 * PAGE_SIZE + 4)} 67
    peek ${hex(2 * PAGE_SIZE)} 8
    trunc ${hex(PAGE_SIZE + 10)}
    peek ${hex(PAGE_SIZE + 8)} 4
    trunc ${PG(3)}
    peek ${hex(2 * PAGE_SIZE)} 8
    poke ${hex(2 * PAGE_SIZE + 1)} 68
    read ${hex(2 * PAGE_SIZE)} 4
    open ${O_RDONLY}
    read 0 8
    file 0 8`,
  'mremap growing a file mapping maps more of the file': `
    open ${O_RDWR}
    mmap 0 ${PG(1)} ${PROT_READ} ${PRIVATE} 0
    mremap 0 ${PG(1)} ${PG(3)}
    peek ${PG(1)} 8
    peek ${hex(2 * PAGE_SIZE + PAGE_SIZE / 2 - 4)} 8
    mmap ${PG(8)} ${PG(1)} ${RW} ${SHARED} 0
    poke ${PG(8)} 9
    mremap ${PG(8)} ${PG(1)} ${PG(2)}
    peek ${PG(9)} 4
    poke ${PG(9)} 10
    read ${PG(1)} 2
    read 0 2
    maps`,
  'MAP_FIXED and MAP_FIXED_NOREPLACE over file mappings, mprotect splits keep offsets': `
    open ${O_RDONLY}
    mmap 0 ${PG(4)} ${RW} ${hex(MAP_PRIVATE | 0x20 | MAP_FIXED)} 0
    mmap ${PG(1)} ${PG(2)} ${PROT_READ} ${hex(MAP_PRIVATE | MAP_FIXED)} ${PG(1)}
    maps
    peek ${PG(1)} 4
    mmap ${PG(1)} ${PG(1)} ${PROT_READ} ${hex(MAP_PRIVATE | MAP_FIXED_NOREPLACE)} 0
    mmap ${PG(10)} ${PG(2)} ${PROT_READ} ${hex(MAP_PRIVATE | MAP_FIXED)} 0
    mprotect ${PG(11)} ${PG(1)} ${RW}
    mmap ${PG(12)} ${PG(1)} ${PROT_READ} ${hex(MAP_PRIVATE | MAP_FIXED)} ${PG(2)}
    maps
    mincore ${PG(3)} ${PG(3)}`,
  'permission and file-type errors': `
    open ${O_RDONLY}
    mmap 0 ${PG(1)} ${RW} ${SHARED} 0
    mmap 0 ${PG(1)} ${PROT_READ} ${SHARED} 0
    mprotect 0 ${PG(1)} ${RW}
    mmap ${PG(2)} ${PG(1)} ${RW} ${PRIVATE} 0
    mmap ${PG(4)} ${PG(1)} ${PROT_READ} ${PRIVATE} 1
    mmap ${PG(4)} 0 ${PROT_READ} ${PRIVATE} 0
    mmap ${PG(4)} ${PG(1)} ${PROT_READ} ${hex(MAP_PRIVATE | BAD_FD_FLAG)} 0
    mmap ${PG(4)} ${PG(1)} ${PROT_READ} 0 0
    open ${O_WRONLY}
    mmap ${PG(4)} ${PG(1)} ${PROT_READ} ${PRIVATE} 0
    mmap ${PG(4)} ${PG(1)} ${RW} ${SHARED} 0
    open 3
    mmap ${PG(4)} ${PG(1)} ${PROT_READ} ${PRIVATE} 0
    maps`,
  'madvise: DONTNEED restores private file pages and zeroes anonymous ones, keeps shared ones': `
    open ${O_RDWR}
    mmap 0 ${PG(2)} ${RW} ${PRIVATE} 0
    poke 0 77
    madvise 0 ${PG(2)} ${MADV_DONTNEED}
    peek 0 4
    mmap ${PG(4)} ${PG(1)} ${RW} ${hex(MAP_PRIVATE | 0x20)} 0
    poke ${PG(4)} 5
    madvise ${PG(4)} ${PG(1)} ${MADV_WILLNEED}
    peek ${PG(4)} 1
    madvise ${PG(4)} ${PG(1)} ${MADV_DONTNEED}
    peek ${PG(4)} 1
    mmap ${PG(8)} ${PG(1)} ${RW} ${SHARED} 0
    poke ${PG(8)} 66
    madvise ${PG(8)} ${PG(1)} ${MADV_DONTNEED}
    peek ${PG(8)} 2
    madvise 1 ${PG(1)} ${MADV_DONTNEED}
    madvise 0 ${PG(1)} 999
    madvise ${PG(2)} ${PG(4)} ${MADV_WILLNEED}
    madvise ${PG(20)} ${PG(1)} ${MADV_WILLNEED}
    msync 1 ${PG(1)} ${MS_SYNC}
    msync 0 ${PG(1)} ${MS_SYNC | MS_ASYNC}
    msync 0 ${PG(6)} ${MS_SYNC}
    msync 0 ${PG(6)} ${MS_ASYNC}
    msync ${PG(20)} ${PG(1)} ${MS_ASYNC}`,
};

describe('file mmap against the host kernel', () => {
  test.each(Object.entries(SCRIPTS))('%s', (_name, script) => {
    const lines = script.trim().split('\n').map((l) => l.trim()).join('\n') + '\n';
    const kernel = runOnKernel(lines);
    expect(kernel).not.toMatch(/^fail$/m);
    expect(runOnFerry(lines)).toBe(kernel);
  });
});

describe('file mmap beyond what the oracle checks', () => {
  test('shared writable mappings reach the file at exit (writeBackAll) and their host fd is released', () => {
    const { file } = freshFile('exit');
    const { ctx, space, fds } = makeContext();
    const fd = openGuestFile(fds, file, O_RDWR);
    const addr = call(ctx, 'mmap', 0n, PAGE, BigInt(RW), BigInt(MAP_SHARED), BigInt(fd), 0n);
    expect(addr).toBeGreaterThan(0n);
    fds.close(fd);
    ctx.mem.write(addr + 10n, Uint8Array.of(0xab));
    expect(fs.readFileSync(file)[10]).toBe(fileContents()[10]);
    space.writeBackAll();
    expect(fs.readFileSync(file)[10]).toBe(0xab);
    const openFds = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = openFds();
    expect(call(ctx, 'munmap', addr, PAGE)).toBe(0n);
    expect(openFds()).toBe(before - 1);
  });

  test('mremap moves a shared file mapping with its file and offset', () => {
    const { file } = freshFile('mremap');
    const { ctx, space, fds } = makeContext();
    const fd = openGuestFile(fds, file, O_RDWR);
    const addr = call(ctx, 'mmap', 0x2000_0000n, 2n * PAGE, BigInt(RW), BigInt(MAP_SHARED), BigInt(fd), PAGE);
    const moved = call(ctx, 'mremap', addr + PAGE, PAGE, PAGE, 3n, 0x3000_0000n);
    expect(moved).toBe(0x3000_0000n);
    expect(space.find(moved)).toMatchObject({ offset: 2n * PAGE, name: file });
    ctx.mem.write(moved, Uint8Array.of(0xcd));
    expect(call(ctx, 'msync', moved, PAGE, BigInt(MS_SYNC))).toBe(0n);
    expect(fs.readFileSync(file)[2 * PAGE_SIZE]).toBe(0xcd);
  });
});
