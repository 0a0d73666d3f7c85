// `npm run bench`: times each compute kernel natively, under Ferry, as an AArch64 build on Unicorn's
// ARM64 CPU, and as the x86-64 build on Unicorn's x86 CPU; prints a table with ratios and geometric
// means. Every run's stdout, stderr and exit status must equal native's: any difference exits 1.
import * as path from 'path';
import { baselineBin, ferryCommand, REPO_ROOT } from './ferry-command';
import { buildKernels, type KernelBuild } from './build-kernels';
import { describeCell, measure, printTable, problemLines, reportProblems, rowName, showCell, type Cell, type Command, type RunOptions } from './compare-runs';

interface Options {
  kernels: string[];
  repeat: number;
  timeoutMs: number;
  /** Another checkout whose Ferry runs too, as the last column (the build before a change). */
  baseline?: string;
}

interface Runner {
  column: string;
  command(kernel: KernelBuild): Command;
}

function ferryRun(target: string, bin?: string): Command {
  const { file, prefix } = ferryCommand(bin);
  return { file, args: [...prefix, target] };
}

const NATIVE: Runner = { column: 'native', command: (k) => ({ file: k.x86, args: [] }) };
const EMULATED: Runner[] = [
  { column: 'Ferry', command: (k) => ferryRun(k.x86) },
  {
    column: 'aarch64-on-unicorn',
    command: (k) => ({ file: process.execPath, args: [path.join(__dirname, 'aarch64-runner.js'), k.aarch64] }),
  },
  {
    column: 'x86-on-unicorn',
    command: (k) => ({ file: process.execPath, args: [path.join(__dirname, 'x86-unicorn-runner.js'), k.x86] }),
  },
];

function parseOptions(argv: string[]): Options {
  const options: Options = { kernels: [], repeat: 1, timeoutMs: 180_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--repeat') options.repeat = Math.max(1, Number(argv[++i]));
    else if (arg === '--timeout-ms') options.timeoutMs = Number(argv[++i]);
    else if (arg === '--baseline') options.baseline = argv[++i];
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node dist/bench/run.js [--repeat N] [--timeout-ms MS] [--baseline CHECKOUT] [KERNEL...]\n');
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else options.kernels.push(arg);
  }
  return options;
}

const ratio = (a: Cell, b: Cell): number | undefined => (a.kind === 'ok' && b.kind === 'ok' ? a.ms / b.ms : undefined);
const showRatio = (r: number | undefined): string => (r === undefined ? '-' : r.toFixed(2));

function geometricMean(values: (number | undefined)[]): string {
  const present = values.filter((v): v is number => v !== undefined && v > 0);
  if (present.length === 0) return '-';
  const mean = Math.exp(present.reduce((s, v) => s + Math.log(v), 0) / present.length);
  return present.length === values.length ? mean.toFixed(2) : `${mean.toFixed(2)} (${present.length}/${values.length})`;
}

function main(): number {
  const options = parseOptions(process.argv.slice(2));
  if (options.baseline) {
    const bin = baselineBin(options.baseline);
    EMULATED.push({ column: 'Ferry before', command: (k) => ferryRun(k.x86, bin) });
  }
  const RUNNERS = [NATIVE, ...EMULATED];
  const before = options.baseline ? 4 : -1;
  const kernels = buildKernels(REPO_ROOT, options.kernels);
  const runOptions: RunOptions = { repeat: options.repeat, timeoutMs: options.timeoutMs, maxBuffer: 16 << 20 };
  const results: { name: string; cells: Cell[] }[] = [];
  const problems: string[] = [];
  for (const kernel of kernels) {
    // Native gets at least three tries: it is cheap, and the ratios depend on it.
    const native = measure(NATIVE.command(kernel), { ...runOptions, repeat: Math.max(3, options.repeat) });
    const cells: Cell[] = [native.cell];
    for (const runner of EMULATED) {
      const cell: Cell = native.cell.kind !== 'ok' || native.outcome === undefined
        ? { kind: 'FAIL', differences: ['no native reference run'] }
        : measure(runner.command(kernel), runOptions, native.outcome).cell;
      cells.push(cell);
      process.stderr.write(`bench: ${kernel.name} ${runner.column}: ${describeCell(cell)}\n`);
    }
    problems.push(...problemLines(kernel.name, RUNNERS.map((r) => r.column), cells));
    results.push({ name: kernel.name, cells });
  }

  const header = ['kernel', ...RUNNERS.map((r) => `${r.column} ms`), 'Ferry/aarch64', 'Ferry/x86-unicorn', ...(before > 0 ? ['Ferry/before'] : [])];
  const body = results.map(({ name, cells }) =>
    [rowName(name, cells), ...cells.map(showCell), showRatio(ratio(cells[1], cells[2])), showRatio(ratio(cells[1], cells[3])),
      ...(before > 0 ? [showRatio(ratio(cells[1], cells[before]))] : [])]);
  const column = (i: number): (number | undefined)[] => results.map((r) => { const c = r.cells[i]; return c.kind === 'ok' ? c.ms : undefined; });
  const geomean = [
    'geometric mean',
    ...RUNNERS.map((_, i) => geometricMean(column(i))),
    geometricMean(results.map((r) => ratio(r.cells[1], r.cells[2]))),
    geometricMean(results.map((r) => ratio(r.cells[1], r.cells[3]))),
    ...(before > 0 ? [geometricMean(results.map((r) => ratio(r.cells[1], r.cells[before])))] : []),
  ];
  process.stdout.write('\n');
  printTable(header, body, [geomean]);
  return reportProblems(problems);
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
