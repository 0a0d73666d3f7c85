// Real-program benchmark: start-up (/bin/true, `python3 -c pass`) and throughput (sha256sum and xz -9
// of a fixed 32 MiB file, a sqlite3 script, a python3 loop), each run natively, under Ferry and under
// qemu-x86_64 when installed (Debian qemu-user; "n/a" otherwise). Prints a table with ratios. Every
// run's stdout, stderr and exit status must equal native's: any difference exits 1 after the table.
//
//   npm run build && node dist/bench/real-programs.js [--quick] [--repeat N] [--timeout-ms MS] [--baseline CHECKOUT] [WORKLOAD...]
import * as fs from 'fs';
import * as path from 'path';
import { baselineBin, ferryCommand, REPO_ROOT } from './ferry-command';
import { describeCell, measure, printTable, problemLines, reportProblems, rowName, showCell, type Cell, type Command } from './compare-runs';

const BENCH_FILE = path.join(REPO_ROOT, 'build', 'corpus', 'bench-32MiB.txt');
const ENV: Record<string, string> = { PATH: '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', TZ: 'UTC', HOME: '/tmp' };

interface Workload {
  name: string;
  program: string;
  args: string[];
  stdin?: string;
  /** Runs per runner; the best counts. Start-up workloads repeat more. */
  repeat: number;
  /** Part of --quick: the rows that take seconds, not minutes, under Ferry. */
  quick?: boolean;
}

const SQL = `CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO t(k, v) SELECT (i * 7919) % 1000, printf('value-%08d', (i * 104729) % 1000003) FROM n;
CREATE INDEX t_k ON t(k);
SELECT k, count(*), min(v), max(v) FROM t GROUP BY k ORDER BY count(*) DESC, k LIMIT 5;
SELECT count(*) FROM t a JOIN t b ON a.id = b.k + 1 WHERE a.v > b.v;
UPDATE t SET v = upper(v) WHERE k % 3 = 0;
SELECT sum(length(v)), count(DISTINCT substr(v, 7, 3)) FROM t;
`;
const PY_LOOP = 's = 0\nfor i in range(3000000):\n    s = (s * 31 + i) % 1000000007\nprint(s)\n';

const WORKLOADS: Workload[] = [
  { name: 'start-up /bin/true', program: '/bin/true', args: [], repeat: 5, quick: true },
  { name: 'start-up python3 -c pass', program: '/usr/bin/python3', args: ['-c', 'pass'], repeat: 3, quick: true },
  { name: 'sha256sum 32 MiB', program: '/usr/bin/sha256sum', args: [BENCH_FILE], repeat: 1, quick: true },
  { name: 'xz -9 32 MiB', program: '/usr/bin/xz', args: ['-9', '-T1', '-c', BENCH_FILE], repeat: 1 },
  { name: 'sqlite3 script', program: '/usr/bin/sqlite3', args: [':memory:'], stdin: SQL, repeat: 1 },
  { name: 'python3 loop', program: '/usr/bin/python3', args: ['-c', PY_LOOP], repeat: 1 },
];

interface Runner {
  column: string;
  /** undefined: not installed here. */
  command(w: Workload): Command | undefined;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
}

function ferryRun(w: Workload, bin?: string): Command {
  const f = ferryCommand(bin);
  return { file: f.file, args: [...f.prefix, w.program, ...w.args] };
}

const QEMU = findOnPath('qemu-x86_64');
const QEMU_MISSING = 'qemu-x86_64 is not installed (Debian package qemu-user)';
const RUNNERS: Runner[] = [
  { column: 'native', command: (w) => ({ file: w.program, args: w.args }) },
  { column: 'Ferry', command: (w) => ferryRun(w) },
  { column: 'qemu-x86_64', command: (w) => (QEMU ? { file: QEMU, args: [w.program, ...w.args] } : undefined) },
];

interface Options { repeat: number; timeoutMs: number; only: string[]; quick: boolean; baseline?: string }

const USAGE = 'usage: node dist/bench/real-programs.js [--quick] [--repeat N] [--timeout-ms MS] [--baseline CHECKOUT] [WORKLOAD...]\n' +
  `workloads (substring match): ${WORKLOADS.map((w) => w.name).join(', ')}\n` +
  `--quick: only ${WORKLOADS.filter((w) => w.quick).map((w) => w.name).join(', ')}\n`;

function parseOptions(argv: string[]): Options {
  const options: Options = { repeat: 1, timeoutMs: 900_000, only: [], quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--repeat') options.repeat = Math.max(1, Number(argv[++i]));
    else if (arg === '--timeout-ms') options.timeoutMs = Number(argv[++i]);
    else if (arg === '--quick') options.quick = true;
    else if (arg === '--baseline') options.baseline = argv[++i];
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else options.only.push(arg);
  }
  return options;
}

const ratio = (a: Cell, b: Cell): string => (a.kind === 'ok' && b.kind === 'ok' ? (a.ms / b.ms).toFixed(2) : a.kind === 'n/a' || b.kind === 'n/a' ? 'n/a' : '-');

/** The fixed 32 MiB input, made by the corpus setup step's generator when absent. */
function ensureBenchFile(): void {
  if (fs.existsSync(BENCH_FILE) && fs.statSync(BENCH_FILE).size === 32 << 20) return;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const step = require(path.join(REPO_ROOT, 'test', 'setup', 'steps', '60-corpus.js')) as { makeBenchFile(file: string): string };
  step.makeBenchFile(BENCH_FILE);
}

export function main(argv: string[] = process.argv.slice(2)): number {
  const options = parseOptions(argv);
  if (options.baseline) {
    const bin = baselineBin(options.baseline);
    RUNNERS.push({ column: 'Ferry before', command: (w) => ferryRun(w, bin) });
  }
  ensureBenchFile();
  const workloads = WORKLOADS.filter((w) => (!options.quick || w.quick) && (options.only.length === 0 || options.only.some((o) => w.name.includes(o))));
  if (workloads.length === 0) throw new Error(`no workload matches ${options.only.join(' ')}`);
  const problems: string[] = [];
  const rows: string[][] = [];
  for (const w of workloads) {
    const runOptions = { env: ENV, stdin: w.stdin, repeat: Math.max(w.repeat, options.repeat), timeoutMs: options.timeoutMs, maxBuffer: 512 << 20 };
    const native = measure(RUNNERS[0].command(w)!, runOptions);
    const cells: Cell[] = [native.cell];
    for (const runner of RUNNERS.slice(1)) {
      const command = runner.command(w);
      const cell: Cell = command === undefined ? { kind: 'n/a', reason: QEMU_MISSING }
        : native.cell.kind !== 'ok' || native.outcome === undefined ? { kind: 'FAIL', differences: ['no native reference run'] }
          : measure(command, runOptions, native.outcome).cell;
      cells.push(cell);
      process.stderr.write(`bench: ${w.name} ${runner.column}: ${describeCell(cell)}\n`);
    }
    problems.push(...problemLines(w.name, RUNNERS.map((r) => r.column), cells));
    rows.push([rowName(w.name, cells), ...cells.map(showCell), ratio(cells[1], cells[0]), ratio(cells[2], cells[0]), ratio(cells[1], cells[2]),
      ...(options.baseline ? [ratio(cells[1], cells[3])] : [])]);
  }
  process.stdout.write('\n');
  printTable(['workload', ...RUNNERS.map((r) => `${r.column === 'qemu-x86_64' ? 'qemu' : r.column} ms`), 'Ferry/native', 'qemu/native', 'Ferry/qemu',
    ...(options.baseline ? ['Ferry/before'] : [])], rows);
  return reportProblems(problems, QEMU ? [] : [`qemu ms: n/a: ${QEMU_MISSING}`]);
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
