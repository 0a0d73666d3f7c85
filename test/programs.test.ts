// Whole-program tests: each freestanding program in test/programs, built static and static-pie, runs
// natively (the oracle) and under `bin/ferry run`; stdout, stderr and exit status must be identical.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  comparableRuns, PROGRAMS_DIR, REPO_ROOT, runFerryCli, runNative, runUnderFerry,
  type Env, type RunResult,
} from './harness/run-compare';

interface ProgramCase {
  program: string;
  label: string;
  args?: string[];
  env?: Env;
  stdin?: Buffer | string;
  /** What the native run must give, so that a broken test program cannot pass by accident. */
  nativeStatus: number;
  nativeStdoutIncludes: string;
}

const DEFAULT_ENV: Env = { HOME: '/nonexistent', LANG: 'C', FERRY_TEST: 'programs' };
const LINK_MODES = ['static', 'pie'] as const;

/** Deterministic mixed-case text with long and short lines, large enough to need many reads. */
function generatedText(bytes: number): string {
  const words = ['alpha', 'Beta', 'gamma', 'DELTA', 'x86_64', 'ferry', 'unicorn', '0123', 'mixed-Case', '!?'];
  let text = '';
  let seed = 7;
  while (text.length < bytes) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    text += words[seed % words.length] + ((seed >> 8) % 9 === 0 ? '\n' : ' ');
  }
  return text;
}

const manyArgs = Array.from({ length: 100 }, (_, i) => `arg${i}`).concat(['x'.repeat(5000)]);
const bigEnv: Env = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`VAR_${49 - i}`, `value ${i}`]));

const CASES: ProgramCase[] = [
  { program: 'hello', label: 'no args', nativeStatus: 0, nativeStdoutIncludes: 'Hello, world!\n' },
  ...[0, 1, 42, 255].map((code) => ({
    program: 'exitcode', label: `return ${code}`, args: [String(code)],
    nativeStatus: code, nativeStdoutIncludes: `exiting with ${code} via return`,
  })),
  { program: 'exitcode', label: 'return 256 wraps to 0', args: ['256'], nativeStatus: 0, nativeStdoutIncludes: 'exiting with 256' },
  { program: 'exitcode', label: 'exit_group 42', args: ['42', 'exit_group'], nativeStatus: 42, nativeStdoutIncludes: 'via exit_group' },
  { program: 'exitcode', label: 'exit_group 300', args: ['300', 'exit_group'], nativeStatus: 44, nativeStdoutIncludes: 'via exit_group' },
  { program: 'args', label: 'no args, empty env', env: {}, nativeStatus: 0, nativeStdoutIncludes: 'envc=0\n' },
  {
    program: 'args', label: 'odd args and env order', args: ['a', '', 'hello world', 'ünïcödé', '--flag=1', '-'],
    env: { ZED: 'first', A: '1', B: 'two words', EMPTY: '', 'WITH=EQUALS': 'x=y' },
    nativeStatus: 0, nativeStdoutIncludes: 'env[0] = [ZED=first]\n',
  },
  { program: 'args', label: 'many args, big env', args: manyArgs, env: bigEnv, nativeStatus: 0, nativeStdoutIncludes: 'argc=102' },
  { program: 'upper', label: 'empty stdin', stdin: '', nativeStatus: 0, nativeStdoutIncludes: '' },
  { program: 'upper', label: 'one line', stdin: 'hello, World 42\n', nativeStatus: 0, nativeStdoutIncludes: 'HELLO, WORLD 42\n' },
  { program: 'upper', label: '300 KB', stdin: generatedText(300_000), nativeStatus: 0, nativeStdoutIncludes: 'MIXED-CASE' },
  { program: 'sysmisc', label: 'writev uname getpid', nativeStatus: 0, nativeStdoutIncludes: 'sysname=Linux machine=x86_64' },
  { program: 'brk', label: 'grow use shrink', nativeStatus: 0, nativeStdoutIncludes: 'released pages read back zero=1' },
  { program: 'mmap', label: 'map remap protect', nativeStatus: 0, nativeStdoutIncludes: 'mremap grow: ok=1 data kept=1 tail zero=1' },
  { program: 'intmath', label: 'default seed', nativeStatus: 0, nativeStdoutIncludes: '30! mod 2^64=9682165104862298112' },
  { program: 'intmath', label: 'seed 12345', args: ['12345'], nativeStatus: 0, nativeStdoutIncludes: 'random 3072' },
  { program: 'fpmath', label: 'sse2', nativeStatus: 0, nativeStdoutIncludes: '0.0/0.0 = fff8000000000000' },
  { program: 'sorthash', label: 'seed 1', args: ['1'], nativeStatus: 0, nativeStdoutIncludes: 'sorted=1' },
  { program: 'sorthash', label: 'seed 987654321', args: ['987654321'], nativeStatus: 0, nativeStdoutIncludes: 'sorted=1' },
  { program: 'strings', label: 'seed 5', args: ['5'], nativeStatus: 0, nativeStdoutIncludes: 'direction flag clear again=1' },
  { program: 'strings-repbyte', label: 'seed 9', args: ['9'], nativeStatus: 0, nativeStdoutIncludes: 'cmpsb equal=-1 diff at=64' },
  { program: 'interp', label: 'scale 1', args: ['1'], nativeStatus: 0, nativeStdoutIncludes: 'primes below 3000: 430' },
  { program: 'interp', label: 'scale 3', args: ['3'], nativeStatus: 0, nativeStdoutIncludes: 'fib(180)' },
  { program: 'fib', label: 'fib 24', args: ['24'], nativeStatus: 0, nativeStdoutIncludes: 'fib(24) = 46368' },
  { program: 'tls', label: 'arch_prctl fs', nativeStatus: 0, nativeStdoutIncludes: 'back: counter=499600 second kept=4243' },
  { program: 'smc', label: 'rwx and own text', nativeStatus: 0, nativeStdoutIncludes: 'own text still patched = 2' },
  { program: 'vsyscall', label: 'legacy vsyscall page', nativeStatus: 0, nativeStdoutIncludes: 'gettimeofday: ret=0 close=1 usec_ok=1' },
  { program: 'divzero', label: 'divide by zero', nativeStatus: 136, nativeStdoutIncludes: 'about to divide\n' },
  { program: 'divzero', label: 'INT64_MIN / -1', args: ['overflow'], nativeStatus: 136, nativeStdoutIncludes: 'about to divide\n' },
  { program: 'ud2', label: 'ud2', nativeStatus: 132, nativeStdoutIncludes: 'before ud2\n' },
  ...['stos', 'movs-to', 'movs-from', 'lods', 'x87', 'cmpxchg16b', 'mmx'].map((mode) => (
    { program: 'protect', label: `page permissions: ${mode}`, args: [mode], nativeStatus: 139, nativeStdoutIncludes: 'before\n' })),
];

// A hanging emulator would otherwise cost the per-run timeout on every case.
const MAX_FERRY_TIMEOUTS = 3;
let ferryTimeouts = 0;

function programPath(program: string, mode: string): string {
  return path.join(PROGRAMS_DIR, `${program}.${mode}`);
}

const nativeRuns = new Map<string, RunResult>();
function nativeRun(c: ProgramCase, file: string): RunResult {
  const key = `${file}\0${c.label}`;
  let result = nativeRuns.get(key);
  if (!result) {
    result = runNative(file, c.args ?? [], c.env ?? DEFAULT_ENV, c.stdin);
    nativeRuns.set(key, result);
  }
  return result;
}

const MANIFEST_NAMES: string[] = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'programs', 'programs.json'), 'utf8')) as {
  programs: { name: string }[];
}).programs.map((p) => p.name);

test('every program in the manifest has a case', () => {
  const covered = new Set(CASES.map((c) => c.program));
  expect(MANIFEST_NAMES.filter((name) => !covered.has(name))).toEqual([]);
});

/**
 * Programs Ferry cannot run yet and why (docs/STATUS.md lists them too). Each must still stop with
 * Ferry's SIGILL report naming the instruction; when one starts passing, this test fails until the
 * entry is removed.
 */
const KNOWN_GAPS: Record<string, string> = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'test', 'programs', 'known-gaps.json'), 'utf8')) as Record<string, string>;

// A misspelt or stale key would silently excuse nothing (or, renamed back, excuse a real failure):
// every key must name a program of the manifest that a case here runs.
test('every key of known-gaps.json names a program these cases run', () => {
  const manifest = new Set(MANIFEST_NAMES);
  const run = new Set(CASES.map((c) => c.program));
  const unknown = Object.keys(KNOWN_GAPS).filter((key) => !manifest.has(key) || !run.has(key));
  expect(unknown.map((key) => `known-gaps.json: '${key}' is not a program in programs.json that programs.test.ts runs`)).toEqual([]);
});

describe.each(LINK_MODES)('%s build', (mode) => {
  describe.each(CASES.map((c) => [`${c.program} (${c.label})`, c] as const))('%s', (_name, c) => {
    const file = programPath(c.program, mode);

    test('native run gives the expected status and output', () => {
      const native = nativeRun(c, file);
      expect(native.failure).toBeUndefined();
      expect(native.status).toBe(c.nativeStatus);
      expect(native.stdout.toString('latin1')).toContain(c.nativeStdoutIncludes);
    });

    test('Ferry gives the same stdout, stderr and status as native', () => {
      if (ferryTimeouts >= MAX_FERRY_TIMEOUTS) {
        throw new Error(`not run: Ferry already timed out on ${ferryTimeouts} programs`);
      }
      const native = nativeRun(c, file);
      const ferry = runUnderFerry(file, c.args ?? [], c.env ?? DEFAULT_ENV, c.stdin);
      if (ferry.failure?.startsWith('timed out')) ferryTimeouts++;
      const [expected, actual] = comparableRuns(native, ferry);
      if (KNOWN_GAPS[c.program]) {
        expect(actual).not.toEqual(expected);
        expect(ferry.stderr.toString('latin1')).toMatch(/ferry: SIGILL: unsupported instruction '[^']+' at 0x[0-9a-f]+ \(bytes [0-9a-f ]+\)/);
        return;
      }
      expect(actual).toEqual(expected);
    });
  });
});

describe('a code cache too small for the program', () => {
  // The cache flushes and translates again when full; the program must not notice.
  test.each(['sorthash', 'smc', 'interp'])('%s matches native with a 4 KiB code cache', (name) => {
    const c = CASES.find((x) => x.program === name)!;
    const file = programPath(name, 'static');
    const native = nativeRun(c, file);
    const ferry = runUnderFerry(file, c.args ?? [], { ...(c.env ?? DEFAULT_ENV), FERRY_CODE_CACHE_BYTES: '4096' }, c.stdin);
    const [expected, actual] = comparableRuns(native, ferry);
    expect(actual).toEqual(expected);
  });
});

describe('ferry CLI errors', () => {
  let scratchDir = '';
  beforeAll(() => {
    scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-cli-'));
  });
  afterAll(() => {
    fs.rmSync(scratchDir, { recursive: true, force: true });
  });

  /** A usage error: a plain non-zero exit (not a crash) and exactly one `ferry: ` line on stderr. */
  function expectOneLineError(result: RunResult): void {
    const stderr = result.stderr.toString('utf8');
    expect({ failure: result.failure, stderr }).toEqual({ failure: undefined, stderr: expect.stringMatching(/^ferry: [^\n]+\n?$/) });
    expect(result.status).toBeGreaterThan(0);
    expect(result.status).toBeLessThan(128);
  }

  test('run with a missing file', () => {
    expectOneLineError(runFerryCli(['run', path.join(scratchDir, 'no-such-program')], DEFAULT_ENV));
  });

  test('run with a file that is not ELF', () => {
    const file = path.join(scratchDir, 'not-elf');
    fs.writeFileSync(file, 'this is plain text, not an ELF executable\n', { mode: 0o755 });
    expectOneLineError(runFerryCli(['run', file], DEFAULT_ENV));
  });

  test('a dynamic program whose interpreter is missing', () => {
    // The same program with its PT_INTERP path renamed (same length) to a file that does not exist.
    const original = fs.readFileSync('/bin/true');
    const interp = Buffer.from('/lib64/ld-linux-x86-64.so.2');
    const at = original.indexOf(interp);
    expect(at).toBeGreaterThan(0);
    const patched = Buffer.from(original);
    Buffer.from('/lib64/ld-missing-x86-64.so.9').copy(patched, at, 0, interp.length);
    const file = path.join(scratchDir, 'missing-interp');
    fs.writeFileSync(file, patched, { mode: 0o755 });
    const result = runFerryCli(['run', file], DEFAULT_ENV);
    expectOneLineError(result);
    expect(result.stderr.toString('utf8')).toContain('interpreter');
  });

  test('a truncated ELF file', () => {
    const file = path.join(scratchDir, 'truncated');
    fs.writeFileSync(file, fs.readFileSync(programPath('hello', 'static')).subarray(0, 100), { mode: 0o755 });
    expectOneLineError(runFerryCli(['run', file], DEFAULT_ENV));
  });

  test('an --strace-file that cannot be written', () => {
    expectOneLineError(runFerryCli(['run', '--strace-file', path.join(scratchDir, 'no-dir', 'trace'), programPath('hello', 'static')], DEFAULT_ENV));
  });

  test('run with an unknown option', () => {
    expectOneLineError(runFerryCli(['run', '--no-such-option', programPath('hello', 'static')], DEFAULT_ENV));
  });

  test('an unknown option before the command', () => {
    expectOneLineError(runFerryCli(['--no-such-option', 'run', programPath('hello', 'static')], DEFAULT_ENV));
  });
});
