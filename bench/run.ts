// `npm run bench`: times each compute kernel natively, under Ferry, as an AArch64 build on Unicorn's
// ARM64 CPU, and as the x86-64 build on Unicorn's x86 CPU; prints a table with ratios and geometric means.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { ferryCommand, REPO_ROOT } from './ferry-command';
import { buildKernels, type KernelBuild } from './build-kernels';

interface Options {
  kernels: string[];
  repeat: number;
  timeoutMs: number;
}

type Cell =
  | { kind: 'ok'; ms: number }
  | { kind: 'FAIL' | 'MISMATCH'; detail: string };

interface Runner {
  column: string;
  command(kernel: KernelBuild): { file: string; args: string[] };
}

function ferryRun(target: string): { file: string; args: string[] } {
  const { file, prefix } = ferryCommand();
  return { file, args: [...prefix, target] };
}

const NATIVE: Runner = { column: 'native ms', command: (k) => ({ file: k.x86, args: [] }) };
const EMULATED: Runner[] = [
  { column: 'Ferry ms', command: (k) => ferryRun(k.x86) },
  {
    column: 'aarch64-on-unicorn ms',
    command: (k) => ({ file: process.execPath, args: [path.join(__dirname, 'aarch64-runner.js'), k.aarch64] }),
  },
  {
    column: 'x86-on-unicorn ms',
    command: (k) => ({ file: process.execPath, args: [path.join(__dirname, 'x86-unicorn-runner.js'), k.x86] }),
  },
];

function parseOptions(argv: string[]): Options {
  const options: Options = { kernels: [], repeat: 1, timeoutMs: 180_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--repeat') options.repeat = Math.max(1, Number(argv[++i]));
    else if (arg === '--timeout-ms') options.timeoutMs = Number(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node dist/bench/run.js [--repeat N] [--timeout-ms MS] [KERNEL...]\n');
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else options.kernels.push(arg);
  }
  return options;
}

function firstLine(text: string): string {
  return text.trim().split('\n', 1)[0]?.slice(0, 160) ?? '';
}

/** Whole-process wall time, start-up included; the best of `repeat` runs. */
function measure(runner: Runner, kernel: KernelBuild, expected: string | undefined, options: Options): { cell: Cell; stdout: string } {
  const { file, args } = runner.command(kernel);
  let best = Infinity;
  let stdout = '';
  for (let i = 0; i < options.repeat; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(file, args, { timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    stdout = result.stdout?.toString('utf8') ?? '';
    const stderr = result.stderr?.toString('utf8') ?? '';
    if (result.error) {
      const timedOut = (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
      return { cell: { kind: 'FAIL', detail: timedOut ? `timed out after ${options.timeoutMs} ms` : result.error.message }, stdout };
    }
    if (result.status !== 0) {
      const how = result.status === null ? `killed by ${result.signal}` : `exit status ${result.status}`;
      return { cell: { kind: 'FAIL', detail: `${how}${stderr ? `: ${firstLine(stderr)}` : ''}` }, stdout };
    }
    if (expected !== undefined && stdout !== expected) {
      return { cell: { kind: 'MISMATCH', detail: `printed ${JSON.stringify(firstLine(stdout))}, native printed ${JSON.stringify(firstLine(expected))}` }, stdout };
    }
    best = Math.min(best, ms);
  }
  return { cell: { kind: 'ok', ms: best }, stdout };
}

const showMs = (c: Cell): string => (c.kind === 'ok' ? c.ms.toFixed(1) : c.kind);
const ratio = (a: Cell, b: Cell): number | undefined => (a.kind === 'ok' && b.kind === 'ok' ? a.ms / b.ms : undefined);
const showRatio = (r: number | undefined): string => (r === undefined ? '-' : r.toFixed(2));

function geometricMean(values: (number | undefined)[]): string {
  const present = values.filter((v): v is number => v !== undefined && v > 0);
  if (present.length === 0) return '-';
  const mean = Math.exp(present.reduce((s, v) => s + Math.log(v), 0) / present.length);
  return present.length === values.length ? mean.toFixed(2) : `${mean.toFixed(2)} (${present.length}/${values.length})`;
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  const line = (r: string[]): string => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ');
  process.stdout.write(`${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows.slice(1, -1)) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n${line(rows[rows.length - 1])}\n`);
}

function main(): number {
  const options = parseOptions(process.argv.slice(2));
  const kernels = buildKernels(REPO_ROOT, options.kernels);
  const results: { name: string; cells: Cell[] }[] = [];
  const problems: string[] = [];
  for (const kernel of kernels) {
    // Native gets at least three tries: it is cheap, and the ratios depend on it.
    const native = measure(NATIVE, kernel, undefined, { ...options, repeat: Math.max(3, options.repeat) });
    const expected = native.cell.kind === 'ok' ? native.stdout : undefined;
    const cells: Cell[] = [native.cell];
    for (const runner of EMULATED) {
      const cell: Cell = expected === undefined
        ? { kind: 'FAIL', detail: 'no native reference output' }
        : measure(runner, kernel, expected, options).cell;
      cells.push(cell);
      process.stderr.write(`bench: ${kernel.name} ${runner.column.replace(/ ms$/, '')}: ${cell.kind === 'ok' ? `${cell.ms.toFixed(1)} ms` : `${cell.kind} (${cell.detail})`}\n`);
    }
    [NATIVE, ...EMULATED].forEach((runner, i) => {
      const cell = cells[i];
      if (cell.kind !== 'ok') problems.push(`${kernel.name}, ${runner.column.replace(/ ms$/, '')}: ${cell.kind}: ${cell.detail}`);
    });
    results.push({ name: kernel.name, cells });
  }

  const header = ['kernel', NATIVE.column, ...EMULATED.map((r) => r.column), 'Ferry/aarch64', 'Ferry/x86-unicorn'];
  const body = results.map(({ name, cells }) => {
    const mismatch = cells.some((c) => c.kind === 'MISMATCH');
    return [mismatch ? `${name} MISMATCH` : name, ...cells.map(showMs), showRatio(ratio(cells[1], cells[2])), showRatio(ratio(cells[1], cells[3]))];
  });
  const column = (i: number): (number | undefined)[] => results.map((r) => (r.cells[i].kind === 'ok' ? (r.cells[i] as { ms: number }).ms : undefined));
  const geomean = [
    'geometric mean',
    ...[0, 1, 2, 3].map((i) => geometricMean(column(i))),
    geometricMean(results.map((r) => ratio(r.cells[1], r.cells[2]))),
    geometricMean(results.map((r) => ratio(r.cells[1], r.cells[3]))),
  ];
  process.stdout.write('\n');
  printTable([header, ...body, geomean]);
  if (problems.length) {
    process.stdout.write(`\n${problems.length} problem(s):\n${problems.map((p) => `  ${p}\n`).join('')}`);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
