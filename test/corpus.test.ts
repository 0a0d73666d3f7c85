// Real Linux programs (issue "Run real Linux programs"): each case in test/corpus/cases.ts (C programs
// built against glibc static, glibc dynamic and musl by test/setup/steps/60-corpus.js, and Debian
// binaries: coreutils, bash, busybox, sqlite3, python3, perl, ...) runs natively and under
// `bin/ferry run` with the same argv, env and stdin; stdout, stderr and exit status must be identical.
//
// Cases Ferry cannot run yet are listed with a reason in test/corpus/known-failures.json. For those the
// test asserts that Ferry still differs (strict xfail): once one passes, the test fails and says to
// remove it. `FERRY_CORPUS_RECORD=1 npx jest test/corpus.test.ts` rewrites that file from the current
// run instead of failing (reason: Ferry's first `ferry:` stderr line, or what differs).
import {
  CORPUS_RUN_TIMEOUT_MS, DEFAULT_FERRY_BUDGET_MS, DEFAULT_RUN_TIMEOUT_MS, FERRY_BUDGET_MS, MAX_FERRY_TIMEOUTS,
} from './corpus/limits';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { comparableRuns, REPO_ROOT, runNative, runUnderFerry, type RunResult } from './harness/run-compare';
import { CASES, FIXED_ENV, type CorpusCase } from './corpus/cases';

const CORPUS_DIR = path.join(REPO_ROOT, 'build', 'corpus');
const KNOWN_FAILURES_FILE = path.join(REPO_ROOT, 'test', 'corpus', 'known-failures.json');
const RECORD = process.env.FERRY_CORPUS_RECORD === '1';

const NATIVE_FAILED = 'native run failed';

const KNOWN_FAILURES: Record<string, string> = fs.existsSync(KNOWN_FAILURES_FILE)
  ? (JSON.parse(fs.readFileSync(KNOWN_FAILURES_FILE, 'utf8')) as Record<string, string>)
  : {};

type Outcome = { kind: 'pass' } | { kind: 'fail'; reason: string } | { kind: 'not run'; reason: string };
const outcomes = new Map<string, Outcome>();
let ferryTimeouts = 0;
let ferryMs = 0;

function expand(text: string, tmp: string): string {
  return text.replace(/@BIN@/g, path.join(CORPUS_DIR, 'bin')).replace(/@DATA@/g, path.join(CORPUS_DIR, 'data')).replace(/@TMP@/g, tmp);
}

function stdinOf(c: CorpusCase, tmp: string): Buffer | string {
  if (c.stdin === undefined) return '';
  return typeof c.stdin === 'string' ? expand(c.stdin, tmp) : fs.readFileSync(expand(c.stdin.file, tmp));
}

/** Runs the case with a fresh @TMP@ directory, removed afterwards. */
function runCase(c: CorpusCase, runner: typeof runNative): RunResult {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-corpus-'));
  try {
    return runner(expand(c.program, tmp), c.args.map((a) => expand(a, tmp)), c.env ?? FIXED_ENV, stdinOf(c, tmp));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function firstLine(buffer: Buffer): string {
  return buffer.toString('utf8').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 200) ?? '';
}

/** Why Ferry's run differs, in one line: Ferry's own report first, else what differs. */
function failureReason(native: RunResult, ferry: RunResult): string {
  const ferryLine = ferry.stderr.toString('utf8').split('\n').find((l) => l.startsWith('ferry: '));
  if (ferryLine) return ferryLine.slice(0, 200);
  if (ferry.failure) return ferry.failure;
  if (ferry.status !== native.status) {
    const line = firstLine(ferry.stderr);
    const signal = ferry.status > 128 ? Object.entries(os.constants.signals).find(([, n]) => n === ferry.status - 128)?.[0] : undefined;
    return `status ${ferry.status}${signal ? ` (${signal})` : ''}, native ${native.status}${line ? `: ${line}` : ''}`;
  }
  if (!ferry.stdout.equals(native.stdout)) return 'stdout differs';
  return `stderr differs: ${firstLine(ferry.stderr)}`;
}

// When recording, the file is rewritten at the end of this run instead of checked.
(RECORD ? test.skip : test)(`known-failures.json names only cases of the corpus${RECORD ? ' (skipped: FERRY_CORPUS_RECORD=1 rewrites it)' : ''}`, () => {
  const names = new Set(CASES.map((c) => c.name));
  expect(Object.keys(KNOWN_FAILURES).filter((name) => !names.has(name))).toEqual([]);
});

test('case names are unique and the corpus has at least 120 cases', () => {
  const names = CASES.map((c) => c.name);
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  expect(names.length).toBeGreaterThanOrEqual(120);
});

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
  test('native run as expected, then Ferry matches it', () => {
    const native = runCase(c, runNative);
    const nativeStatus = c.nativeStatus ?? 0;
    if (native.failure !== undefined || native.status !== nativeStatus) {
      outcomes.set(name, { kind: 'not run', reason: NATIVE_FAILED });
      throw new Error(`native run of ${name} is broken (is the program installed? did the setup step run?): ` +
        `${native.failure ?? `status ${native.status}, expected ${nativeStatus}`}\n${native.stderr.toString('utf8').slice(0, 2000)}`);
    }
    const known = KNOWN_FAILURES[name];
    const skip = ferryTimeouts >= MAX_FERRY_TIMEOUTS ? `Ferry already timed out on ${ferryTimeouts} cases`
      : ferryMs > FERRY_BUDGET_MS ? `Ferry runs already took ${Math.round(ferryMs / 1000)} s (FERRY_CORPUS_BUDGET_MS)` : undefined;
    if (skip) {
      outcomes.set(name, { kind: 'not run', reason: `not run: ${skip}` });
      if (RECORD) return; // the entry keeps its last known reason
      // A listed case too: only a run shows that it still differs, so an unrun case cannot pass.
      throw new Error(`not run under Ferry: ${skip}${known === undefined ? '' : ` (listed as a known failure: ${known})`}`);
    }

    const start = Date.now();
    const ferry = runCase(c, runUnderFerry);
    ferryMs += Date.now() - start;
    if (ferry.failure?.startsWith('timed out')) ferryTimeouts++;
    const [expected, actual] = comparableRuns(native, ferry);
    const same = ferry.failure === undefined && ferry.status === native.status && ferry.stdout.equals(native.stdout) && ferry.stderr.equals(native.stderr);
    outcomes.set(name, same ? { kind: 'pass' } : { kind: 'fail', reason: failureReason(native, ferry) });
    if (RECORD) return;
    if (known !== undefined) {
      if (same) throw new Error(`${name} now matches native under Ferry: remove it from test/corpus/known-failures.json (listed as: ${known})`);
      return;
    }
    expect(actual).toEqual(expected);
  }, CORPUS_RUN_TIMEOUT_MS * 2 + 30_000);
});

test('test/corpus/README.md states the limits this file uses', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'test', 'corpus', 'README.md'), 'utf8').replace(/\s+/g, ' ');
  const seconds = (ms: number): string => (ms / 1000).toLocaleString('en-US');
  expect(readme).toContain(`${seconds(DEFAULT_RUN_TIMEOUT_MS)} s per Ferry run (\`FERRY_TEST_TIMEOUT_MS\`)`);
  expect(readme).toContain(`after ${MAX_FERRY_TIMEOUTS} Ferry timeouts or ${seconds(DEFAULT_FERRY_BUDGET_MS)} s spent in Ferry runs (\`FERRY_CORPUS_BUDGET_MS\`)`);
});

afterAll(() => {
  const counted = [...outcomes.entries()];
  const passed = counted.filter(([, o]) => o.kind === 'pass').length;
  const knownFailures = counted.filter(([n, o]) => o.kind !== 'pass' && KNOWN_FAILURES[n] !== undefined).length;
  const newFailures = counted.filter(([n, o]) => o.kind !== 'pass' && KNOWN_FAILURES[n] === undefined).length;
  const extra = [newFailures ? `${newFailures} not listed as known failures` : '', counted.length < CASES.length ? `${counted.length} ran` : '']
    .filter(Boolean).join(', ');
  const summary = `corpus: ${passed} passed, ${knownFailures} known failures, of ${CASES.length}${extra ? ` (${extra})` : ''}\n`;
  process.stderr.write(summary);

  if (RECORD) {
    // Cases that did not run this time (filtered with -t) keep their entries.
    const recorded: Record<string, string> = {};
    for (const c of CASES) {
      const o = outcomes.get(c.name);
      if (o === undefined) {
        if (KNOWN_FAILURES[c.name] !== undefined) recorded[c.name] = KNOWN_FAILURES[c.name];
      } else if (o.kind === 'fail') {
        recorded[c.name] = o.reason;
      } else if (o.kind === 'not run' && o.reason !== NATIVE_FAILED) {
        recorded[c.name] = KNOWN_FAILURES[c.name] ?? o.reason; // a budget stop keeps the last known reason
      }
    }
    fs.writeFileSync(KNOWN_FAILURES_FILE, `${JSON.stringify(recorded, null, 2)}\n`);
    process.stderr.write(`corpus: wrote ${Object.keys(recorded).length} known failures to ${path.relative(REPO_ROOT, KNOWN_FAILURES_FILE)}\n`);
  }
});
