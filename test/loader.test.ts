// Tests for src/loader: static programs loaded into FakeMemory (bytes, bss, permissions, shared pages),
// and the initial stack compared with what the real kernel gives test/native/auxv-dump.c.
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join, relative } from 'path';
import { parseElf } from '../src/elf/elf';
import { buildInitialStack, DEFAULT_STACK_TOP, mapStack } from '../src/loader/initial-stack';
import { LoaderError } from '../src/loader/loader-error';
import { MappingRecorder } from '../src/loader/mapping-recorder';
import { loadStatic, STATIC_PIE_LOAD_BASE } from '../src/loader/static-loader';
import { FakeMemory } from '../src/memory/fake-memory';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';

const ROOT = join(__dirname, '..');
const BUILD = join(ROOT, 'build', 'loader');
const PAGE = BigInt(PAGE_SIZE);
const up = (n: bigint) => (n + PAGE - 1n) & ~(PAGE - 1n);
const down = (n: bigint) => n & ~(PAGE - 1n);

const readProgram = (program: string) => new Uint8Array(readFileSync(join(BUILD, program)));
const parse = (program: string) => parseElf(readProgram(program), program);

function loaderErrorOf(fn: () => unknown): LoaderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LoaderError);
    expect((err as Error).message).not.toContain('\n');
    return err as LoaderError;
  }
  throw new Error('no LoaderError');
}

/** Byte comparison that stays fast on segments of hundreds of KiB (toEqual walks them element by element). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const differsAt = actual.length !== expected.length ? Math.min(actual.length, expected.length) : actual.findIndex((b, i) => b !== expected[i]);
  expect(`${what}: ${differsAt < 0 ? 'same' : `differs at byte ${differsAt}`}`).toBe(`${what}: same`);
}

/** PT_LOAD rows of `readelf -lW`: the segments the loader must reproduce, from an independent reader. */
function readelfLoads(program: string) {
  const out = execFileSync('readelf', ['-lW', join(BUILD, program)], { encoding: 'utf8' });
  return [...out.matchAll(/^\s+LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+([RWE ]{3})/gm)]
    .map((m) => ({
      offset: BigInt(`0x${m[1]}`), vaddr: BigInt(`0x${m[2]}`), filesz: BigInt(`0x${m[3]}`), memsz: BigInt(`0x${m[4]}`),
      prot: (m[5].includes('R') ? PROT_READ : 0) | (m[5].includes('W') ? PROT_WRITE : 0) | (m[5].includes('E') ? PROT_EXEC : 0),
    }));
}

describe.each([
  ['static-exec', 0n],
  ['static-pie', STATIC_PIE_LOAD_BASE],
  ['glibc-static', 0n],
])('loadStatic(%s)', (program, bias) => {
  const bytes = readProgram(program);
  const mem = new FakeMemory();
  const recorded: Parameters<MappingRecorder['reserve']>[] = [];
  const loaded = loadStatic(mem, parseElf(bytes, program), { recorder: { reserve: (...args) => recorded.push(args) } });
  const loads = readelfLoads(program);

  test('entry, bias, brk and program header address', () => {
    const entry = BigInt(/Entry point address:\s+(0x[0-9a-f]+)/.exec(execFileSync('readelf', ['-hW', join(BUILD, program)], { encoding: 'utf8' }))![1]);
    expect(loaded.loadBias).toBe(bias);
    expect(loaded.entry).toBe(entry + bias);
    expect(loaded.brkStart).toBe(up(loads.reduce((end, l) => (l.vaddr + l.memsz > end ? l.vaddr + l.memsz : end), 0n) + bias));
    // Every file here has its ELF header at the start of the first segment, which starts at offset 0.
    expect(loads[0].offset).toBe(0n);
    expect(loaded.phdrAddress).toBe(loads[0].vaddr + 64n + bias);
    expect(mem.read(loaded.phdrAddress, 56 * loaded.phnum)).toEqual(bytes.subarray(64, 64 + 56 * loaded.phnum));
    expect(loaded.phent).toBe(56);
  });

  test('segment bytes equal the file bytes and bss is zero', () => {
    for (const l of loads) {
      const address = l.vaddr + bias;
      expectSameBytes(mem.read(address, Number(l.filesz)), bytes.subarray(Number(l.offset), Number(l.offset + l.filesz)), `segment at 0x${address.toString(16)}`);
      const bssEnd = up(address + l.memsz);
      const tail = mem.read(address + l.filesz, Number(bssEnd - address - l.filesz));
      // A following segment may share the last page; only look at this segment's own bss then.
      const next = loads.find((n) => n.vaddr + bias > address && n.vaddr + bias < bssEnd);
      const own = next ? tail.subarray(0, Number(next.vaddr + bias - address - l.filesz)) : tail;
      if (l.memsz > l.filesz) expect(own.every((b) => b === 0)).toBe(true);
    }
    expect(loads.some((l) => l.memsz - l.filesz > PAGE)).toBe(true);
  });

  test('every mapped page has its segment permissions, and nothing else is mapped', () => {
    const expected = new Map<bigint, number>();
    for (const l of loads) {
      for (let page = down(l.vaddr + bias); page < up(l.vaddr + bias + l.memsz); page += PAGE) {
        expected.set(page, (expected.get(page) ?? 0) | l.prot);
      }
    }
    expect(new Map([...mem.pages].map(([page, { prot }]) => [page, prot]))).toEqual(expected);
  });

  test('the recorder saw each mapping once, named after the file or anonymous for pure bss', () => {
    const pages = recorded.reduce((n, [, size]) => n + size / PAGE_SIZE, 0);
    expect(pages).toBe(mem.pages.size);
    for (const [addr, size, prot, name] of recorded) {
      expect(mem.pages.get(addr)?.prot).toBe(prot);
      expect(mem.pages.get(addr + BigInt(size) - PAGE)?.prot).toBe(prot);
      expect(['', program]).toContain(name);
    }
    expect(recorded.map((r) => r[3])).toContain(program);
  });
});

describe('loadStatic refuses what it cannot load', () => {
  test('a dynamic program', () => {
    expect(loaderErrorOf(() => loadStatic(new FakeMemory(), parse('dynamic'))).message)
      .toBe('dynamic: dynamic programs need an interpreter (not supported yet)');
  });

  test('a segment that overlaps an existing mapping', () => {
    const mem = new FakeMemory();
    mem.map(0x401000n, PAGE_SIZE, PROT_READ);
    expect(loaderErrorOf(() => loadStatic(mem, parse('static-exec'))).message).toMatch(/^static-exec: cannot map 0x401000-0x402000 \(/);
  });
});

/** A minimal ELF64 x86-64 executable: header, program headers, then the given bytes at their offsets. */
function craftElf(segments: { offset: number; vaddr: bigint; filesz: number; memsz: number; flags: number }[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 62, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, segments[0].vaddr, true);
  v.setBigUint64(32, 64n, true);
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, segments.length, true);
  segments.forEach((s, i) => {
    const at = 64 + i * 56;
    v.setUint32(at, 1, true); // PT_LOAD
    v.setUint32(at + 4, s.flags, true);
    v.setBigUint64(at + 8, BigInt(s.offset), true);
    v.setBigUint64(at + 16, s.vaddr, true);
    v.setBigUint64(at + 24, s.vaddr, true);
    v.setBigUint64(at + 32, BigInt(s.filesz), true);
    v.setBigUint64(at + 40, BigInt(s.memsz), true);
    v.setBigUint64(at + 48, PAGE, true);
  });
  for (let i = 64 + 56 * segments.length; i < size; i++) bytes[i] = 0xa5;
  return bytes;
}

describe('segments sharing a page', () => {
  // Text (R X) ends inside page 0x400000; data (RW) starts in the same page and carries 2 pages of bss.
  const bytes = craftElf([
    { offset: 0, vaddr: 0x400000n, filesz: 0x300, memsz: 0x300, flags: 5 },
    { offset: 0x300, vaddr: 0x400300n, filesz: 0x100, memsz: 0x2000, flags: 6 },
  ], 0x400);
  const mem = new FakeMemory();
  const loaded = loadStatic(mem, parseElf(bytes, 'shared'));

  test('the shared page gets both permissions', () => {
    expect(mem.pages.get(0x400000n)?.prot).toBe(PROT_READ | PROT_WRITE | PROT_EXEC);
    expect(mem.pages.get(0x401000n)?.prot).toBe(PROT_READ | PROT_WRITE);
    expect(mem.pages.get(0x402000n)?.prot).toBe(PROT_READ | PROT_WRITE);
    expect(mem.pages.size).toBe(3);
    expect(loaded.brkStart).toBe(0x403000n);
  });

  test('both segments keep their bytes and the bss is zero', () => {
    expect(mem.read(0x400000n, 0x400)).toEqual(bytes);
    expect(mem.read(0x400400n, 0x2300 - 0x400).every((b) => b === 0)).toBe(true);
  });
});

test('a segment whose address and offset differ modulo the page size is refused', () => {
  const bytes = craftElf([{ offset: 0x10, vaddr: 0x400000n, filesz: 0x10, memsz: 0x10, flags: 5 }], 0x200);
  expect(loaderErrorOf(() => loadStatic(new FakeMemory(), parseElf(bytes, 'odd'))).message)
    .toBe('odd: program header 0 (PT_LOAD): vaddr 0x400000 and offset 0x10 differ modulo the page size');
});

test('a segment beyond the user address space is refused', () => {
  const bytes = craftElf([{ offset: 0, vaddr: 0x7fff_ffff_e000n, filesz: 0x100, memsz: 0x2000, flags: 6 }], 0x200);
  expect(loaderErrorOf(() => loadStatic(new FakeMemory(), parseElf(bytes, 'high'))).message)
    .toBe('high: segment 0 at 0x7fffffffe000-0x800000000000 lies outside the user address space');
});

// ---- Initial stack ----

const AT = { NULL: 0, PHDR: 3, ENTRY: 9, UID: 11, EUID: 12, GID: 13, EGID: 14, PLATFORM: 15, HWCAP: 16, RANDOM: 25, HWCAP2: 26, EXECFN: 31 };
// Entries the kernel adds that Ferry leaves out on purpose:
const NATIVE_ONLY_AUXV = new Set([
  33, // AT_SYSINFO_EHDR: Ferry maps no vDSO.
  51, // AT_MINSIGSTKSZ: added by kernel 5.14+ (x86 ARCH_DLINFO); the emulated signal frame is not sized yet.
  27, 28, // AT_RSEQ_FEATURE_SIZE, AT_RSEQ_ALIGN: kernel 6.3+; Ferry has no rseq.
]);
// Values that describe the host rather than the program: the emulated CPU advertises its own.
const HOST_DEPENDENT_VALUES = new Set([AT.HWCAP, AT.HWCAP2]);

const RANDOM_BYTES = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

/**
 * Walks a Ferry-built stack from rsp the way auxv-dump.c walks the real one, printing the same lines.
 * Written against the ABI (System V x86-64 psABI, "Initial Process Stack"), not against initial-stack.ts.
 */
function dumpStack(mem: FakeMemory, rsp: bigint): string[] {
  const word = (a: bigint) => new DataView(mem.read(a, 8).buffer).getBigUint64(0, true);
  const cString = (a: bigint) => {
    let end = a;
    while (mem.read(end, 1)[0] !== 0) end++;
    return Buffer.from(mem.read(a, Number(end - a))).toString('utf8');
  };
  const lines = [`rsp_mod16 ${rsp % 16n}`];
  const argc = word(rsp);
  lines.push(`argc ${argc}`);
  const argv = Array.from({ length: Number(argc) }, (_, i) => word(rsp + 8n + 8n * BigInt(i)));
  argv.forEach((a, i) => lines.push(`argv ${i} ${cString(a)}`));
  expect(word(rsp + 8n + 8n * argc)).toBe(0n);
  let at = rsp + 16n + 8n * argc;
  for (let i = 0; word(at) !== 0n; i++, at += 8n) lines.push(`envp ${i} ${cString(word(at))}`);
  at += 8n;
  const where: Record<string, bigint> = {};
  for (;; at += 16n) {
    const [type, value] = [Number(word(at)), word(at + 8n)];
    if (type === AT.EXECFN) where.execfn = value;
    if (type === AT.PLATFORM) where.platform = value;
    if (type === AT.RANDOM) where.random = value;
    const shown = type === AT.EXECFN || type === AT.PLATFORM ? cString(value) : type === AT.RANDOM ? 'present' : `0x${value.toString(16)}`;
    lines.push(`auxv ${type} ${shown}`);
    if (type === AT.NULL) break;
  }
  lines.push(`stack_top 0x${(where.execfn + BigInt(Buffer.byteLength(cString(where.execfn))) + 1n + 8n).toString(16)}`);
  const below = (what: string, address: bigint) => lines.push(`below_execfn ${what} ${where.execfn - address}`);
  below('argv0', argv[0]);
  below('platform', where.platform);
  below('random', where.random);
  below('rsp', rsp);
  return lines;
}

/** Brings the kernel's dump to what Ferry is meant to match (see NATIVE_ONLY_AUXV and HOST_DEPENDENT_VALUES). */
function comparable(lines: string[], options: { hidePieAddresses: boolean }): string[] {
  const omitted = lines.filter((l) => NATIVE_ONLY_AUXV.has(Number(l.split(' ')[1])) && l.startsWith('auxv ')).length;
  return lines.flatMap((line) => {
    const [kind, key, value] = line.split(' ');
    if (kind === 'auxv' && NATIVE_ONLY_AUXV.has(Number(key))) return [];
    if (kind === 'auxv' && HOST_DEPENDENT_VALUES.has(Number(key))) return [`auxv ${key} <host>`];
    // A static-pie lands where each loader puts it (the kernel: the mmap area; Ferry: a fixed base).
    if (kind === 'auxv' && options.hidePieAddresses && (Number(key) === AT.PHDR || Number(key) === AT.ENTRY)) return [`auxv ${key} <pie>`];
    // Each entry Ferry omits sits between argc and the strings: 16 bytes each, alignment unchanged.
    if (kind === 'below_execfn' && key === 'rsp') return [`below_execfn rsp ${BigInt(value) - 16n * BigInt(omitted)}`];
    return [line];
  });
}

function auxvValue(lines: string[], type: number): bigint {
  return BigInt(lines.find((l) => l.startsWith(`auxv ${type} `))!.split(' ')[2]);
}

describe.each([
  ['auxv-dump', false],
  ['auxv-dump-pie', true],
])('initial stack of %s against the kernel', (program, isPie) => {
  // argv[0] and execfn are the path exactly as given: relative, as a user would type it.
  const path = `./${relative(ROOT, join(BUILD, program))}`;
  const argv = [path, 'one', 'two words', '', 'ünïcode'];
  const envp = ['A=1', 'BB=hello', 'EMPTY='];
  // setarch -R turns off address randomization, so the stack top and string placement are the kernel's fixed ones.
  const native = execFileSync('setarch', ['-R', 'env', '-i', ...envp, ...argv], { cwd: ROOT, encoding: 'utf8' }).trimEnd().split('\n');

  const mem = new FakeMemory();
  const loaded = loadStatic(mem, parse(program));
  mapStack(mem);
  const stack = buildInitialStack(mem, {
    stackTop: DEFAULT_STACK_TOP, argv, envp, execfn: path,
    auxv: {
      phdr: loaded.phdrAddress, phent: loaded.phent, phnum: loaded.phnum, base: 0n, entry: loaded.entry,
      hwcap: 0x178bfbffn, uid: process.getuid!(), euid: process.geteuid!(), gid: process.getgid!(), egid: process.getegid!(),
      secure: false, clktck: 100,
    },
    random: () => RANDOM_BYTES,
  });
  const ferry = dumpStack(mem, stack.rsp);

  test('the same lines in the same order, after the documented exclusions', () => {
    // The non-PIE dumper is linked at 0x400000: the kernel and Ferry must agree on AT_PHDR/AT_ENTRY exactly.
    if (!isPie) expect(native).toContain('auxv 3 0x400040');
    expect(comparable(ferry, { hidePieAddresses: isPie })).toEqual(comparable(native, { hidePieAddresses: isPie }));
  });

  test('AT_PHDR and AT_ENTRY keep their distance in a static-pie', () => {
    expect(auxvValue(ferry, AT.ENTRY) - auxvValue(ferry, AT.PHDR)).toBe(auxvValue(native, AT.ENTRY) - auxvValue(native, AT.PHDR));
  });

  test('AT_RANDOM points at the caller-supplied bytes, and rsp is 16-byte aligned', () => {
    const execfnAddress = DEFAULT_STACK_TOP - 8n - BigInt(Buffer.byteLength(path) + 1);
    const below = BigInt(ferry.find((l) => l.startsWith('below_execfn random '))!.split(' ')[2]);
    expect(mem.read(execfnAddress - below, 16)).toEqual(RANDOM_BYTES);
    expect(stack.rsp % 16n).toBe(0n);
  });

  test('argument and environment string ranges', () => {
    const strings = (from: bigint, to: bigint) => Buffer.from(mem.read(from, Number(to - from))).toString('utf8');
    expect(strings(stack.argStart, stack.argEnd)).toBe(argv.map((a) => `${a}\0`).join(''));
    expect(strings(stack.envStart, stack.envEnd)).toBe(envp.map((e) => `${e}\0`).join(''));
  });
});

describe('buildInitialStack refuses what the kernel would', () => {
  const auxv = { phdr: 0n, phent: 56, phnum: 0, base: 0n, entry: 0n, hwcap: 0n, uid: 0, euid: 0, gid: 0, egid: 0, secure: false, clktck: 100 };
  test('strings that do not fit the mapped stack', () => {
    const mem = new FakeMemory();
    mapStack(mem, DEFAULT_STACK_TOP, PAGE_SIZE);
    expect(loaderErrorOf(() => buildInitialStack(mem, {
      stackTop: DEFAULT_STACK_TOP, argv: ['prog', 'x'.repeat(5000)], envp: [], execfn: 'prog', auxv, random: () => RANDOM_BYTES,
    })).message).toMatch(/^prog: arguments and environment \(\d+ bytes\) do not fit on the stack$/);
  });
  test('a NUL byte inside an argument', () => {
    const mem = new FakeMemory();
    mapStack(mem);
    expect(loaderErrorOf(() => buildInitialStack(mem, {
      stackTop: DEFAULT_STACK_TOP, argv: ['prog', 'a\0b'], envp: [], execfn: 'prog', auxv, random: () => RANDOM_BYTES,
    })).message).toBe('prog: argument or environment string contains a NUL byte');
  });
});
