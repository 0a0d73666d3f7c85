// Tests AddressSpace on FakeMemory: fixed-address scripts run against the host kernel (the oracle)
// and compared line by line, then what the oracle cannot pin down (placement, brk, listeners).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mmapOraclePrelude } from './harness/mmap-oracle';
import {
  AddressSpace, DEFAULT_MMAP_BASE, MAP_32BIT, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE,
  MAP_SHARED_VALIDATE, MREMAP_FIXED, MREMAP_MAYMOVE,
} from '../src/memory/address-space';
import { FakeMemory } from '../src/memory/fake-memory';
import { PAGE_SIZE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';

const PAGE = BigInt(PAGE_SIZE);
const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const REGION_PAGES = 1024n;

// Runs a script of mmap-family calls at offsets inside a reserved free region, printing each
// result relative to the region and the region's part of /proc/self/maps. No libc allocation
// happens while the script runs, so nothing else lands in the region.
const ORACLE_C = mmapOraclePrelude(REGION_PAGES) + String.raw`
static void print_maps(void) {
  read_maps();
  printf("maps:");
  for (char *line = maps; *line; line = strchr(line, '\n') + 1) {
    unsigned long s, e; char perms[5];
    sscanf(line, "%lx-%lx %4s", &s, &e, perms);
    if (e > base && s < base + size) printf(" %lx-%lx:%s", s - base, e - base, perms);
  }
  printf("\n");
}
int main(void) {
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  long n = 0, r;
  while ((r = read(0, script + n, sizeof script - 1 - n)) > 0) n += r;
  base = (unsigned long)mmap(0, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap((void *)base, size);
  for (char *line = strtok(script, "\n"); line; line = strtok(0, "\n")) {
    char op[16]; unsigned long a[5] = {0};
    sscanf(line, "%15s %li %li %li %li %li", op, &a[0], &a[1], &a[2], &a[3], &a[4]);
    if (!strcmp(op, "mmap")) result((long)mmap((void *)(base + a[0]), a[1], a[2], a[3], -1, 0));
    else if (!strcmp(op, "munmap")) result(munmap((void *)(base + a[0]), a[1]));
    else if (!strcmp(op, "mprotect")) result(mprotect((void *)(base + a[0]), a[1], a[2]));
    else if (!strcmp(op, "mremap")) result((long)mremap((void *)(base + a[0]), a[1], a[2], a[3], (void *)(base + a[4])));
    else if (!strcmp(op, "poke")) { *(volatile char *)(base + a[0]) = (char)a[1]; printf("ok\n"); }
    else if (!strcmp(op, "peek")) printf("%d\n", *(volatile char *)(base + a[0]));
    else if (!strcmp(op, "maps")) print_maps();
  }
  munmap((void *)base, size);
  fflush(stdout);
  return 0;
}
`;

let oracleBinary = '';
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-as-oracle-'));
  fs.writeFileSync(path.join(dir, 'oracle.c'), ORACLE_C);
  oracleBinary = path.join(dir, 'oracle');
  execFileSync('gcc', ['-O1', '-o', oracleBinary, path.join(dir, 'oracle.c')]);
});

function runOnKernel(script: string): string {
  return execFileSync(oracleBinary, { input: script, encoding: 'utf8' });
}

/** The same script on an AddressSpace, with the region at a fixed base. */
function runOnFerry(script: string): string {
  const base = 0x7f00_0000_0000n;
  const size = REGION_PAGES * PAGE;
  const memory = new FakeMemory();
  const space = new AddressSpace(memory);
  const out: string[] = [];
  const result = (r: bigint | number): void => {
    const value = BigInt(r);
    if (value < 0n) out.push(`${value}`);
    else if (value >= base && value < base + size) out.push(`@${(value - base).toString(16)}`);
    else out.push(`${value}`);
  };
  for (const line of script.trim().split('\n')) {
    const [op, ...rest] = line.trim().split(/\s+/);
    const a = rest.map((word) => BigInt(word));
    switch (op) {
      case 'mmap': result(space.mmap(base + a[0], a[1], Number(a[2]), Number(a[3]))); break;
      case 'munmap': result(space.munmap(base + a[0], a[1])); break;
      case 'mprotect': result(space.mprotect(base + a[0], a[1], Number(a[2]))); break;
      case 'mremap': result(space.mremap(base + a[0], a[1], a[2], Number(a[3]), base + (a[4] ?? 0n))); break;
      case 'poke': memory.write(base + a[0], new Uint8Array([Number(a[1])])); out.push('ok'); break;
      case 'peek': out.push(String(memory.read(base + a[0], 1)[0])); break;
      case 'maps': {
        const shown = space.vmas().filter((v) => v.end > base && v.start < base + size).map((v) => {
          const perms = (v.prot & PROT_READ ? 'r' : '-') + (v.prot & PROT_WRITE ? 'w' : '-') + (v.prot & PROT_EXEC ? 'x' : '-') + 'p';
          return ` ${(v.start - base).toString(16)}-${(v.end - base).toString(16)}:${perms}`;
        });
        out.push('maps:' + shown.join(''));
        break;
      }
      default: throw new Error(`bad script op ${op}`);
    }
  }
  return out.join('\n') + '\n';
}

const hex = (n: number | bigint): string => '0x' + n.toString(16);
const FIXED = hex(ANON | MAP_FIXED);
const PG = (n: number): string => hex(n * PAGE_SIZE);

const SCRIPTS: Record<string, string> = {
  'MAP_FIXED splits, replaces with zeroed pages and merges back': `
    mmap 0 ${PG(8)} ${RW} ${FIXED}
    poke ${PG(1)} 7
    mmap ${PG(2)} ${PG(2)} ${PROT_READ} ${FIXED}
    maps
    mmap ${PG(1)} ${PG(1)} ${RW} ${FIXED}
    peek ${PG(1)}
    mmap ${PG(2)} ${PG(2)} ${RW} ${FIXED}
    maps
    mmap ${PG(3)} ${PG(1)} ${RW} ${hex(ANON | MAP_FIXED_NOREPLACE)}
    mmap ${PG(8)} ${PG(1)} ${RW} ${hex(ANON | MAP_FIXED_NOREPLACE)}
    maps`,
  'munmap punches holes and accepts holes': `
    mmap 0 ${PG(16)} ${RW} ${FIXED}
    munmap ${PG(2)} ${PG(1)}
    munmap ${PG(5)} ${PG(2)}
    maps
    munmap ${PG(1)} ${PG(7)}
    maps
    munmap ${PG(20)} ${PG(4)}
    munmap 1 ${PG(1)}
    munmap ${PG(8)} 0
    munmap ${PG(9)} 1
    maps`,
  'mprotect splits, merges and stops with ENOMEM at a hole': `
    mmap 0 ${PG(8)} ${RW} ${FIXED}
    mprotect ${PG(2)} ${PG(3)} ${PROT_READ}
    maps
    mprotect ${PG(2)} ${PG(3)} ${RW}
    maps
    munmap ${PG(6)} ${PG(1)}
    mprotect ${PG(4)} ${PG(4)} ${PROT_NONE}
    maps
    mprotect ${PG(6)} ${PG(1)} ${RW}
    mprotect 1 ${PG(1)} ${RW}
    mprotect 0 0 ${RW}
    mprotect 0 ${PG(1)} 0x10
    mprotect 0 1 ${PROT_READ | PROT_EXEC}
    maps`,
  'mremap shrinks, grows in place, refuses without MAYMOVE and moves with MREMAP_FIXED': `
    mmap 0 ${PG(4)} ${RW} ${FIXED}
    poke 0 11
    poke ${PG(3)} 33
    mremap 0 ${PG(4)} ${PG(6)} 0
    maps
    mremap 0 ${PG(6)} ${PG(3)} 0
    maps
    mmap ${PG(4)} ${PG(1)} ${PROT_READ} ${FIXED}
    mremap 0 ${PG(3)} ${PG(5)} 0
    mremap 0 ${PG(3)} ${PG(5)} ${MREMAP_MAYMOVE | MREMAP_FIXED} ${PG(100)}
    maps
    peek ${PG(100)}
    peek ${PG(104)}
    mremap ${PG(50)} ${PG(1)} ${PG(2)} ${MREMAP_MAYMOVE}
    mremap ${PG(100)} ${PG(5)} ${PG(2)} ${MREMAP_FIXED} ${PG(200)}
    mremap ${PG(100)} ${PG(2)} ${PG(2)} ${MREMAP_MAYMOVE | MREMAP_FIXED} ${PG(101)}
    mremap ${PG(100)} ${PG(5)} ${PG(1)} ${MREMAP_MAYMOVE | MREMAP_FIXED} ${PG(120)}
    peek ${PG(120)}
    maps`,
  'mmap argument errors': `
    mmap 0 0 ${RW} ${FIXED}
    mmap 1 ${PG(1)} ${RW} ${FIXED}
    mmap 0 ${PG(1)} ${RW} ${hex(MAP_ANONYMOUS | MAP_FIXED)}
    mmap 0 ${PG(1)} ${RW} ${hex(MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_FIXED)}
    maps`,
};

describe('AddressSpace against the host kernel', () => {
  test.each(Object.entries(SCRIPTS))('%s', (_name, script) => {
    const lines = script.trim().split('\n').map((l) => l.trim()).join('\n') + '\n';
    expect(runOnFerry(lines)).toBe(runOnKernel(lines));
  });
});

describe('AddressSpace placement', () => {
  test('places top-down below the mmap base and reuses the gap left by munmap', () => {
    const space = new AddressSpace(new FakeMemory());
    const a = space.mmap(0n, 3n * PAGE, RW, ANON);
    const b = space.mmap(0n, PAGE, PROT_READ, ANON);
    expect(a).toBe(DEFAULT_MMAP_BASE - 3n * PAGE);
    expect(b).toBe(a - PAGE);
    expect(space.munmap(a, PAGE)).toBe(0);
    expect(space.mmap(0n, PAGE, RW, ANON)).toBe(a);
    // Too big for the one-page hole: goes below everything.
    expect(space.mmap(0n, 2n * PAGE, RW, ANON)).toBe(b - 2n * PAGE);
  });

  test('uses a free hint (rounded down), ignores a taken one, and MAP_32BIT stays below 2 GiB', () => {
    const space = new AddressSpace(new FakeMemory());
    expect(space.mmap(0x1000_0123n, PAGE, RW, ANON)).toBe(0x1000_0000n);
    expect(space.mmap(0x1000_0000n, PAGE, RW, ANON)).toBe(DEFAULT_MMAP_BASE - PAGE);
    expect(space.mmap(0n, PAGE, RW, ANON | MAP_32BIT)).toBe(0x4000_0000n);
    expect(space.mmap(0n, PAGE, RW, ANON | MAP_32BIT)).toBe(0x4000_1000n);
  });

  test('fresh pages are zero and rejects MAP_FIXED below mmap_min_addr', () => {
    const memory = new FakeMemory();
    const space = new AddressSpace(memory);
    const a = space.mmap(0n, 2n * PAGE, RW, ANON);
    expect(memory.read(a, 2 * PAGE_SIZE).every((byte) => byte === 0)).toBe(true);
    expect(space.mmap(0x1000n, PAGE, RW, ANON | MAP_FIXED)).toBe(-1n);
  });

  test('find, isMapped, accessibleLength', () => {
    const space = new AddressSpace(new FakeMemory());
    const a = space.mmap(0x10_0000n, 4n * PAGE, RW, ANON);
    space.mprotect(a + 2n * PAGE, PAGE, PROT_READ);
    expect(space.find(a + 5n)?.start).toBe(a);
    expect(space.find(a + 4n * PAGE)).toBeUndefined();
    expect(space.isMapped(a, 4n * PAGE, PROT_READ)).toBe(true);
    expect(space.isMapped(a, 4n * PAGE, PROT_WRITE)).toBe(false);
    expect(space.accessibleLength(a + 10n, 4n * PAGE, PROT_WRITE)).toBe(2n * PAGE - 10n);
    expect(space.isMapped(a, 5n * PAGE)).toBe(false);
  });

  test('mremap with MAYMOVE moves to a new place and keeps the contents', () => {
    const memory = new FakeMemory();
    const space = new AddressSpace(memory);
    const a = space.mmap(0x10_0000n, 2n * PAGE, RW, ANON);
    space.mmap(a + 2n * PAGE, PAGE, RW, ANON | MAP_FIXED); // merged, then blocked by a different prot:
    space.mprotect(a + 2n * PAGE, PAGE, PROT_READ);
    memory.write(a + PAGE + 7n, Uint8Array.of(1, 2, 3));
    const moved = space.mremap(a, 2n * PAGE, 8n * PAGE, MREMAP_MAYMOVE);
    expect(moved).toBe(DEFAULT_MMAP_BASE - 8n * PAGE);
    expect([...memory.read(moved + PAGE + 7n, 3)]).toEqual([1, 2, 3]);
    expect(space.find(a)).toBeUndefined();
    expect(space.find(moved)).toMatchObject({ start: moved, end: moved + 8n * PAGE, prot: RW });
  });
});

describe('AddressSpace brk', () => {
  const heapStart = 0x60_0123n;
  const alignedStart = 0x60_1000n;

  test('grows, shrinks, and answers brk(0) with the current break', () => {
    const memory = new FakeMemory();
    const space = new AddressSpace(memory);
    space.initBrk(heapStart);
    expect(space.brk(0n)).toBe(alignedStart);
    expect(space.brk(alignedStart + 0x2100n)).toBe(alignedStart + 0x2100n);
    expect(space.find(alignedStart)).toMatchObject({ start: alignedStart, end: alignedStart + 3n * PAGE, name: '[heap]', prot: RW });
    memory.write(alignedStart + 0x2000n, Uint8Array.of(9));
    expect(space.brk(alignedStart + 0x1000n)).toBe(alignedStart + 0x1000n);
    expect(space.find(alignedStart + 0x1000n)).toBeUndefined();
    expect(space.brk(alignedStart + 0x3000n)).toBe(alignedStart + 0x3000n);
    // Pages given back and taken again come back zeroed.
    expect(memory.read(alignedStart + 0x2000n, 1)[0]).toBe(0);
    expect(space.vmas().filter((v) => v.name === '[heap]')).toHaveLength(1);
  });

  test('fails past a mapping (keeping a page of gap) and below the heap start, returning the old break', () => {
    const space = new AddressSpace(new FakeMemory());
    space.initBrk(alignedStart);
    space.mmap(alignedStart + 4n * PAGE, PAGE, RW, ANON | MAP_FIXED);
    expect(space.brk(alignedStart + 3n * PAGE + 1n)).toBe(alignedStart);
    expect(space.brk(alignedStart + 3n * PAGE)).toBe(alignedStart + 3n * PAGE);
    expect(space.brk(alignedStart - 1n)).toBe(alignedStart + 3n * PAGE);
  });
});

describe('AddressSpace listeners and loader records', () => {
  test('onUnmap hears munmap and MAP_FIXED replacement; onProtect hears mprotect', () => {
    const space = new AddressSpace(new FakeMemory());
    const unmapped: bigint[][] = [];
    const protectedRanges: (bigint | number)[][] = [];
    space.onUnmap((start, end) => unmapped.push([start, end]));
    const stop = space.onProtect((start, end, prot) => protectedRanges.push([start, end, prot]));
    const a = space.mmap(0x20_0000n, 4n * PAGE, RW, ANON);
    space.mprotect(a + PAGE, PAGE, PROT_READ);
    space.mmap(a, 2n * PAGE, RW, ANON | MAP_FIXED);
    space.munmap(a + 3n * PAGE, PAGE);
    stop();
    space.mprotect(a, PAGE, PROT_NONE);
    expect(protectedRanges).toEqual([[a + PAGE, a + 2n * PAGE, PROT_READ]]);
    expect(unmapped).toEqual([[a, a + PAGE], [a + PAGE, a + 2n * PAGE], [a + 3n * PAGE, a + 4n * PAGE]]);
  });

  test('record keeps loader mappings, merging file pages only where offsets continue', () => {
    const space = new AddressSpace(new FakeMemory());
    space.record(0x40_0000n, PAGE, PROT_READ, '/bin/prog', MAP_PRIVATE, 0n);
    space.record(0x40_1000n, PAGE, PROT_READ, '/bin/prog', MAP_PRIVATE, PAGE);
    space.record(0x40_2000n, PAGE, PROT_READ, '/bin/prog', MAP_PRIVATE, 5n * PAGE);
    expect(space.vmas().map((v) => [v.start, v.end])).toEqual([[0x40_0000n, 0x40_2000n], [0x40_2000n, 0x40_3000n]]);
    expect(() => space.record(0x40_1000n, PAGE, RW, 'x')).toThrow(/overlaps/);
  });
});
