// What both benchmarks share: timing a command (best of N runs) while checking every run's stdout,
// stderr and exit status against the native run, so that a row can fail; and the table they print.
import { spawnSync, type SpawnSyncReturns } from 'child_process';

export interface Command {
  file: string;
  args: string[];
}

export interface RunOptions {
  repeat: number;
  timeoutMs: number;
  maxBuffer: number;
  /** undefined: the benchmark's own environment. */
  env?: Record<string, string>;
  stdin?: string;
}

/** The three things a run is compared on. */
export interface Outcome {
  stdout: Buffer;
  stderr: Buffer;
  status: string;
}

export type Cell =
  | { kind: 'ok'; ms: number }
  | { kind: 'FAIL'; differences: string[] }
  | { kind: 'MISMATCH'; differences: string[] }
  | { kind: 'n/a'; reason: string };

const EXCERPT_BYTES = 60;

function statusOf(result: SpawnSyncReturns<Buffer>): string {
  return result.status === null ? `killed by ${result.signal}` : `exit ${result.status}`;
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function excerpt(bytes: Buffer, at: number): string {
  return JSON.stringify(bytes.subarray(at, at + EXCERPT_BYTES).toString('latin1'));
}

function streamDifference(stream: string, expected: Buffer, actual: Buffer, reference: string): string | undefined {
  if (actual.equals(expected)) return undefined;
  const at = firstDifference(expected, actual);
  return `${stream} differs from ${reference} at byte ${at} (${actual.length} bytes, ${reference} ${expected.length}): ` +
    `${excerpt(actual, at)}, ${reference} ${excerpt(expected, at)}`;
}

/** One line per thing that differs; empty when the runs are the same. */
export function differences(expected: Outcome, actual: Outcome, reference = 'native'): string[] {
  const found = [
    actual.status === expected.status ? undefined : `exit status differs: ${actual.status}, ${reference} ${expected.status}`,
    streamDifference('stdout', expected.stdout, actual.stdout, reference),
    streamDifference('stderr', expected.stderr, actual.stderr, reference),
  ];
  return found.filter((d): d is string => d !== undefined);
}

function firstLine(text: Buffer): string {
  const lines = text.toString('utf8').split('\n');
  return (lines.find((l) => l.startsWith('ferry: ')) ?? lines.find((l) => l.trim() !== '') ?? '').trim().slice(0, 160);
}

/**
 * Whole-process wall time including start-up, the best of `repeat` runs. Every run is compared
 * with `expected`; without one (the native column) the first run must exit 0 and becomes the
 * reference for the repeats, so a native run that is not deterministic shows too.
 */
export function measure(command: Command, options: RunOptions, expected?: Outcome): { cell: Cell; outcome?: Outcome } {
  let reference = expected;
  let best = Infinity;
  for (let i = 0; i < options.repeat; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command.file, command.args, {
      env: options.env, input: options.stdin ?? '', timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: options.maxBuffer,
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.error) {
      const timedOut = (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
      return { cell: { kind: 'FAIL', differences: [timedOut ? `timed out after ${options.timeoutMs} ms` : result.error.message] } };
    }
    const outcome: Outcome = { stdout: result.stdout, stderr: result.stderr, status: statusOf(result) };
    if (reference === undefined) {
      if (outcome.status !== 'exit 0') {
        const line = firstLine(outcome.stderr);
        return { cell: { kind: 'FAIL', differences: [`${outcome.status}${line ? `: ${line}` : ''}`] } };
      }
      reference = outcome;
    } else {
      const found = differences(reference, outcome, expected === undefined ? 'native run 1' : 'native');
      if (found.length) return { cell: { kind: 'MISMATCH', differences: found.map((d) => (i > 0 ? `run ${i + 1}: ${d}` : d)) }, outcome };
    }
    best = Math.min(best, ms);
  }
  return { cell: { kind: 'ok', ms: best }, outcome: reference };
}

export const showCell = (c: Cell): string => (c.kind === 'ok' ? c.ms.toFixed(1) : c.kind);

/** The progress line's words for a cell. */
export function describeCell(c: Cell): string {
  if (c.kind === 'ok') return `${c.ms.toFixed(1)} ms`;
  return c.kind === 'n/a' ? `n/a (${c.reason})` : `${c.kind} (${c.differences.join('; ')})`;
}

/** The row's name, marked when one of its cells is not a clean run. */
export function rowName(name: string, cells: Cell[]): string {
  const bad = cells.find((c) => c.kind === 'FAIL' || c.kind === 'MISMATCH');
  return bad ? `${name} [${bad.kind}]` : name;
}

/** One line per difference: "ROW, COLUMN: what differs". */
export function problemLines(row: string, columns: string[], cells: Cell[]): string[] {
  return cells.flatMap((c, i) => (c.kind === 'FAIL' || c.kind === 'MISMATCH' ? c.differences.map((d) => `${row}, ${columns[i]}: ${c.kind}: ${d}`) : []));
}

/** Header, body rows and optional footer rows (after a rule), in aligned columns. */
export function printTable(header: string[], body: string[][], footer: string[][] = []): void {
  const all = [header, ...body, ...footer];
  const widths = header.map((_, col) => Math.max(...all.map((r) => r[col].length)));
  const line = (r: string[]): string => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  process.stdout.write(`${line(header)}\n${rule}\n`);
  for (const r of body) process.stdout.write(`${line(r)}\n`);
  if (footer.length) process.stdout.write(`${rule}\n${footer.map((r) => `${line(r)}\n`).join('')}`);
}

/** Prints the problem lines after the table; the benchmark's exit status: 1 when there are any. */
export function reportProblems(problems: string[], notes: string[] = []): number {
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `${n}\n`).join('')}`);
  if (problems.length === 0) return 0;
  process.stdout.write(`\n${problems.length} difference(s) from native:\n${problems.map((p) => `  ${p}\n`).join('')}`);
  return 1;
}
