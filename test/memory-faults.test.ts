// Tests guest memory through whole programs (issue 7): hardware faults delivered as signals (faults.c, one
// case per run) and mapping stress (mapstress.c), run natively and under `bin/ferry run`, which must agree.
import * as fs from 'fs';
import * as path from 'path';
import { comparableRuns, REPO_ROOT, runNative, runUnderFerry, type Env } from './harness/run-compare';

const PROGRAMS2_DIR = path.join(REPO_ROOT, 'build', 'programs2');
const ENV: Env = { HOME: '/nonexistent', LANG: 'C', FERRY_TEST: 'memory-faults' };


interface ProgramCase {
  program: 'faults' | 'mapstress';
  label: string;
  args: string[];
  /** What the native run must give, so that a broken program cannot pass by accident. */
  nativeStatus: number;
  nativeStdoutIncludes: string;
}

const fault = (name: string, nativeStatus: number, nativeStdoutIncludes: string): ProgramCase =>
  ({ program: 'faults', label: name, args: [name], nativeStatus, nativeStdoutIncludes });

const CASES: ProgramCase[] = [
  // Faults reach the guest's SA_SIGINFO handlers with siginfo and ucontext as Linux fills them.
  fault('segv-maperr', 0, 'segv-maperr: count=1 signo=11 code=1 addr-base=16\nerr=4 trapno=14 cr2-base=16\nrip at insn 1\n'),
  fault('segv-accerr-fix', 0, 'err=7 trapno=14 cr2-base=8\nwrite bit 1 present bit 1 rip at insn 1\nvalue after retry 42'),
  fault('segv-skip', 0, 'registers in the context: 0 mismatched (none)\nregisters after rt_sigreturn: 0 mismatched (none)\n' +
    'flags in the context 885 after 885\ndone\n'),
  fault('segv-guard', 0, 'segv-guard: count=1 signo=11 code=2 addr-base=-8\nerr=4 trapno=14 cr2-base=-8\n'),
  fault('segv-exec', 0, 'segv-exec: count=1 signo=11 code=2 addr-base=0\nerr=15 trapno=14 cr2-base=0\ninstruction fetch bit 1'),
  fault('bus', 0, 'bus: count=1 signo=7 code=2 addr-base=4128\nerr=4 trapno=14 cr2-base=4128\nrip at insn 1\n'),
  fault('fpe', 0, 'continued, eax 7\nfpe: count=1 signo=8 code=1 addr-base=0\nerr=0 trapno=0\naddr at insn 1 rip at insn 1\n'),
  fault('ill', 0, 'ill: count=1 signo=4 code=2 addr-base=0\nerr=0 trapno=6\naddr at insn 1 rip at insn 1\n'),
  fault('trap', 0, 'trap: count=1 signo=5 code=80 addr=0 err=0 trapno=3\nrip after int3 1 (insn+1)\n'),
  // Ferry gives these already.
  fault('nohandler-segv', 139, 'reading an unmapped page with no handler\n'),
  fault('blocked-segv', 139, 'block 0\nreading an unmapped page with SIGSEGV blocked\n'),
  // 20,000 mappings with alternating permissions: Unicorn aborted (phys_section_add) before guest memory moved onto the MMU.
  {
    program: 'mapstress', label: 'quick (100 grid pages)', args: ['100'], nativeStatus: 0,
    nativeStdoutIncludes: 'grid: 104 pages u=5 n=19 r=53 w=27 other=0 hash=1717d66200713663 model disagrees 0\n',
  },
  {
    program: 'mapstress', label: 'full (20,000 grid pages)', args: [], nativeStatus: 0,
    nativeStdoutIncludes: 'grid: 20004 pages u=220 n=3851 r=10301 w=5632 other=0 hash=a18e024535b4a649 model disagrees 0\n',
  },
];

test('every case of faults.c has a test case', () => {
  const source = fs.readFileSync(path.join(REPO_ROOT, 'test', 'programs2', 'faults.c'), 'utf8');
  const table = source.slice(source.indexOf('CASES[] = {'));
  const names = [...table.matchAll(/\{"([a-z0-9-]+)", [a-z_]+\}/g)].map((m) => m[1]);
  expect(names.length).toBeGreaterThan(0);
  expect(names.sort()).toEqual(CASES.filter((c) => c.program === 'faults').map((c) => c.label).sort());
});

const title = (c: ProgramCase): string => `${c.program} (${c.label})`;

describe.each(['static', 'pie'] as const)('%s build', (mode) => {
  const file = (c: ProgramCase): string => path.join(PROGRAMS2_DIR, `${c.program}.${mode}`);

  // The native half on its own: a program that no longer gives its stated result fails here, not only by difference.
  test.each(CASES.map((c) => [title(c), c] as const))('%s: native as expected', (_name, c) => {
    const native = runNative(file(c), c.args, ENV);
    expect(native.failure).toBeUndefined();
    expect(native.status).toBe(c.nativeStatus);
    expect(native.stdout.toString('latin1')).toContain(c.nativeStdoutIncludes);
    expect(native.stderr.toString('latin1')).toBe('');
  });

  test.each(CASES.map((c) => [title(c), c] as const))('%s: Ferry the same as native', (_name, c) => {
    const native = runNative(file(c), c.args, ENV);
    expect(native.status).toBe(c.nativeStatus);
    const ferry = runUnderFerry(file(c), c.args, ENV);
    const [expected, actual] = comparableRuns(native, ferry);
    expect(actual).toEqual(expected);
  });
});
