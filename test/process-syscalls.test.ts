// Tests the process, signal and time syscalls: freestanding programs (test/programs2) run natively
// and under `bin/ferry run` must print the same and end the same; then the clocks read through the
// dispatcher must fall between two native readings, and signal state is checked with a fake context.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AddressSpace, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE } from '../src/memory/address-space';
import { FakeMemory } from '../src/memory/fake-memory';
import { PAGE_SIZE, PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';
import { SyscallContext } from '../syscalls/context';
import { SyscallDispatcher } from '../syscalls/dispatch';
import { Errno } from '../syscalls/errno';
import { FdTable } from '../syscalls/fd-table';
import { syscallNumber } from '../syscalls/names';
import { SIGNALS, SignalState } from '../syscalls/signals';
import { CLOCKS } from '../syscalls/time';
import { int64 } from '../syscalls/values';
import { comparableRuns, REPO_ROOT, runNative, runUnderFerry, type Env } from './harness/run-compare';

const PROGRAMS2_DIR = path.join(REPO_ROOT, 'build', 'programs2');
const ENV: Env = { HOME: '/nonexistent', LANG: 'C', FERRY_TEST: 'process-syscalls' };

interface ProgramCase {
  program: string;
  label: string;
  args?: string[];
  /** What the native run must give, so that a broken program cannot pass by accident. */
  nativeStatus: number;
  nativeStdoutIncludes: string;
}

const CASES: ProgramCase[] = [
  { program: 'procsys', label: 'ids limits sysinfo random prctl affinity', nativeStatus: 0, nativeStdoutIncludes: 'set_robust_list 0 -22' },
  { program: 'timesys', label: 'clocks sleeps usage', nativeStatus: 0, nativeStdoutIncludes: 'clock_nanosleep absolute 0 reached 1' },
  { program: 'signals', label: 'state only', nativeStatus: 0, nativeStdoutIncludes: 'pending after SIG_IGN 0' },
  { program: 'signals', label: 'kill SIGTERM to self', args: ['15'], nativeStatus: 143, nativeStdoutIncludes: 'sending 15' },
  { program: 'signals', label: 'tgkill SIGABRT to self', args: ['6', 'tgkill'], nativeStatus: 134, nativeStdoutIncludes: 'sending 6' },
  { program: 'signals', label: 'kill SIGKILL to self', args: ['9'], nativeStatus: 137, nativeStdoutIncludes: 'sending 9' },
  { program: 'signals', label: 'SIGCHLD is ignored by default', args: ['17'], nativeStatus: 1, nativeStdoutIncludes: 'still here' },
  { program: 'signals', label: 'SIGUSR1 set to SIG_IGN', args: ['10'], nativeStatus: 1, nativeStdoutIncludes: 'still here' },
  { program: 'segv', label: 'write after mprotect read-only', nativeStatus: 139, nativeStdoutIncludes: 'mprotect 0\nread 5\n' },
  { program: 'segv', label: 'write to a read-only mapping', args: ['ro'], nativeStatus: 139, nativeStdoutIncludes: 'read 0\n' },
];

test('every program in test/programs2/programs.json has a case', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'programs2', 'programs.json'), 'utf8')) as {
    programs: { name: string }[];
  };
  // mmapfile has its own test below; faults and mapstress are run by test/memory-faults.test.ts.
  const covered = new Set([...CASES.map((c) => c.program), 'mmapfile', 'faults', 'mapstress']);
  expect(manifest.programs.map((p) => p.name).filter((name) => !covered.has(name))).toEqual([]);
});

describe.each(['static', 'pie'] as const)('%s build', (mode) => {
  test.each(CASES.map((c) => [`${c.program} (${c.label})`, c] as const))('%s: native as expected, Ferry the same', (_name, c) => {
    const file = path.join(PROGRAMS2_DIR, `${c.program}.${mode}`);
    const native = runNative(file, c.args ?? [], ENV);
    expect(native.failure).toBeUndefined();
    expect(native.status).toBe(c.nativeStatus);
    expect(native.stdout.toString('latin1')).toContain(c.nativeStdoutIncludes);
    const ferry = runUnderFerry(file, c.args ?? [], ENV);
    const [expected, actual] = comparableRuns(native, ferry);
    expect(actual).toEqual(expected);
  });
});

describe.each(['static', 'pie'] as const)('%s build: file mappings', (mode) => {
  test('mmapfile: the same output, and the file ends the same (msync and exit write-back)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-mmapfile-'));
    const contents = Buffer.from(Array.from({ length: PAGE_SIZE + 2000 }, (_, i) => (i * 7 + 3) & 0xff));
    const nativeFile = path.join(dir, 'native.bin');
    const ferryFile = path.join(dir, 'ferry.bin');
    fs.writeFileSync(nativeFile, contents);
    fs.writeFileSync(ferryFile, contents);
    const program = path.join(PROGRAMS2_DIR, `mmapfile.${mode}`);
    const native = runNative(program, [nativeFile], ENV);
    expect(native.status).toBe(0);
    expect(native.stdout.toString('latin1')).toContain('msync 0\n');
    const ferry = runUnderFerry(program, [ferryFile], ENV);
    expect(comparableRuns(native, ferry)[1]).toEqual(comparableRuns(native, ferry)[0]);
    const nativeAfter = fs.readFileSync(nativeFile);
    expect(nativeAfter.toString('latin1')).toContain('at exit');
    expect(fs.readFileSync(ferryFile)).toEqual(nativeAfter);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

// ---- through the dispatcher ----------------------------------------------------------------

const PAGE = BigInt(PAGE_SIZE);
const DATA = 0x10_0000n;

function makeContext(options: { signals?: boolean } = {}) {
  const mem = new FakeMemory();
  const space = new AddressSpace(mem);
  space.mmap(DATA, 4n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  const kills: number[] = [];
  const ctx: SyscallContext = {
    mem, space, fds: new FdTable(), host: { read: () => new Uint8Array(0), write: (_fd, b) => b.length },
    program: { exe: '/bin/prog', argv: ['/bin/prog'], envp: [], auxv: new Uint8Array(16) },
    process: { pid: process.pid, exit: () => undefined, kill: (signal) => void kills.push(signal) },
    cpu: { getFsBase: () => 0n, setFsBase: () => undefined, getGsBase: () => 0n, setGsBase: () => undefined },
    signals: options.signals === false ? undefined : new SignalState(),
  };
  return { ctx, mem, kills };
}

const dispatcher = new SyscallDispatcher({ report: () => undefined });
function call(ctx: SyscallContext, name: string, ...values: (bigint | number)[]): bigint {
  const args = [...values, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6).map((v) => BigInt.asUintN(64, BigInt(v)));
  return int64(dispatcher.dispatch(ctx, syscallNumber(name)!, args));
}

/** Prints CLOCK_<id> readings in ns, one per line, from a native helper ("r<id>": its resolution). */
const CLOCK_READER_C = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    struct timespec t;
    if (argv[i][0] == 'r') clock_getres(atoi(argv[i] + 1), &t);
    else clock_gettime(atoi(argv[i]), &t);
    printf("%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
  }
  return 0;
}
`;

describe('clocks against native readings', () => {
  let reader = '';
  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-clocks-'));
    fs.writeFileSync(path.join(dir, 'clocks.c'), CLOCK_READER_C);
    reader = path.join(dir, 'clocks');
    execFileSync('gcc', ['-O1', '-o', reader, path.join(dir, 'clocks.c')]);
  });

  const read = (clocks: Array<number | string>): bigint[] =>
    execFileSync(reader, clocks.map(String), { encoding: 'utf8' }).trim().split('\n').map(BigInt);
  const readTimespec = (mem: { read(address: bigint, length: number): Uint8Array }): bigint => {
    const view = new DataView(mem.read(DATA, 16).buffer);
    return view.getBigInt64(0, true) * 1_000_000_000n + view.getBigInt64(8, true);
  };
  // Every clock but the CPU-time ones, whose readings belong to the process that reads them.
  const WALL_CLOCKS = Object.entries(CLOCKS).filter(([name]) => !name.includes('CPUTIME'));

  test.each(WALL_CLOCKS)('%s read by Ferry lies between two native readings', (_name, clock) => {
    const { ctx, mem } = makeContext();
    const [before] = read([clock]);
    expect(call(ctx, 'clock_gettime', clock, DATA)).toBe(0n);
    const [after] = read([clock]);
    const ferry = readTimespec(mem);
    expect(ferry).toBeGreaterThanOrEqual(before);
    expect(ferry).toBeLessThanOrEqual(after);
  });

  test.each(Object.entries(CLOCKS))('clock_getres(%s) is the kernel\'s', (_name, clock) => {
    const { ctx, mem } = makeContext();
    expect(call(ctx, 'clock_getres', clock, DATA)).toBe(0n);
    expect(readTimespec(mem)).toBe(read([`r${clock}`])[0]);
  });

  test('gettimeofday and time agree with native CLOCK_REALTIME', () => {
    const { ctx, mem } = makeContext();
    const [before] = read([CLOCKS.CLOCK_REALTIME]);
    expect(call(ctx, 'gettimeofday', DATA, DATA + 16n)).toBe(0n);
    const seconds = call(ctx, 'time', DATA + 32n);
    const [after] = read([CLOCKS.CLOCK_REALTIME]);
    const view = new DataView(mem.read(DATA, 40).buffer);
    const tv = view.getBigInt64(0, true) * 1_000_000_000n + view.getBigInt64(8, true) * 1000n;
    expect(tv).toBeGreaterThanOrEqual(before - 1000n);
    expect(tv).toBeLessThanOrEqual(after);
    expect(seconds).toBeGreaterThanOrEqual(before / 1_000_000_000n);
    expect(seconds).toBeLessThanOrEqual(after / 1_000_000_000n);
    expect(view.getBigInt64(32, true)).toBe(seconds);
    expect([view.getInt32(16, true), view.getInt32(20, true)]).toEqual([0, 0]);
  });
});

describe('signal state through the dispatcher', () => {
  const { SIGTERM, SIGUSR1, SIGSEGV } = SIGNALS;
  const bit = (signal: number): bigint => 1n << BigInt(signal - 1);

  test('a fatal signal to self ends the guest; blocked, it waits until unblocked', () => {
    const { ctx, mem, kills } = makeContext();
    mem.write(DATA, new Uint8Array(new BigUint64Array([bit(SIGTERM)]).buffer));
    expect(call(ctx, 'rt_sigprocmask', 0, DATA, 0, 8)).toBe(0n);
    expect(call(ctx, 'kill', process.pid, SIGTERM)).toBe(0n);
    expect(kills).toEqual([]);
    expect(ctx.signals!.pending).toBe(bit(SIGTERM));
    expect(call(ctx, 'rt_sigprocmask', 1, DATA, 0, 8)).toBe(0n);
    expect(kills).toEqual([SIGTERM]);
    expect(call(ctx, 'tkill', process.pid, SIGSEGV)).toBe(0n);
    expect(kills).toEqual([SIGTERM, SIGSEGV]);
  });

  test('a signal with a guest handler stays pending (delivery is not implemented)', () => {
    const { ctx, mem, kills } = makeContext();
    mem.write(DATA, new Uint8Array(new BigUint64Array([0x401000n, 0x04000000n, 0x401100n, 0n]).buffer));
    expect(call(ctx, 'rt_sigaction', SIGUSR1, DATA, 0, 8)).toBe(0n);
    expect(call(ctx, 'kill', 0, SIGUSR1)).toBe(0n);
    expect(kills).toEqual([]);
    expect(call(ctx, 'rt_sigpending', DATA + 64n, 8)).toBe(0n);
    expect(new DataView(mem.read(DATA + 64n, 8).buffer).getBigUint64(0, true)).toBe(bit(SIGUSR1));
  });

  test('kill reaches no other process, and a context without signal state gives ENOSYS', () => {
    const { ctx } = makeContext();
    expect(call(ctx, 'kill', -1, 0)).toBe(-BigInt(Errno.ESRCH));
    expect(call(ctx, 'kill', process.ppid, 0)).toBe(-BigInt(Errno.ESRCH));
    const { ctx: bare } = makeContext({ signals: false });
    expect(call(bare, 'rt_sigprocmask', 0, 0, DATA, 8)).toBe(-BigInt(Errno.ENOSYS));
  });
});

describe('process state through the dispatcher', () => {
  test('limits and the name the guest sets belong to its process; mincore reports mapped pages resident', () => {
    const first = makeContext();
    const second = makeContext();
    first.mem.write(DATA, new Uint8Array(new BigUint64Array([100n, 200n]).buffer));
    const RLIMIT_NOFILE = 7;
    expect(call(first.ctx, 'setrlimit', RLIMIT_NOFILE, DATA)).toBe(0n);
    expect(call(first.ctx, 'getrlimit', RLIMIT_NOFILE, DATA + 16n)).toBe(0n);
    expect(call(second.ctx, 'getrlimit', RLIMIT_NOFILE, DATA + 16n)).toBe(0n);
    expect([...new BigUint64Array(first.mem.read(DATA + 16n, 16).slice().buffer)]).toEqual([100n, 200n]);
    expect(new BigUint64Array(second.mem.read(DATA + 16n, 16).slice().buffer)[0]).not.toBe(100n);
    const PR_GET_NAME = 16;
    expect(call(first.ctx, 'prctl', PR_GET_NAME, DATA + 64n)).toBe(0n);
    expect(Buffer.from(first.mem.read(DATA + 64n, 5)).toString('latin1')).toBe('prog\0');
    expect(call(first.ctx, 'mincore', DATA, 2n * PAGE, DATA + 128n)).toBe(0n);
    expect([...first.mem.read(DATA + 128n, 2)]).toEqual([1, 1]);
    expect(call(first.ctx, 'rseq', DATA, 32, 0, 0)).toBe(-BigInt(Errno.ENOSYS));
  });
});
