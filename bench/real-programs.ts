// Real-program benchmark: start-up (/bin/true, `python3 -c pass`) and throughput (sha256sum and xz -9
// of a fixed 32 MiB file, a sqlite3 script, a python3 loop), each run natively, under Ferry and under
// qemu-x86_64 when installed (Debian qemu-user; "n/a" otherwise). Prints a table with ratios.
// A failing or mismatching emulator run shows FAIL/MISMATCH in its cell and the bench goes on.
//
//   npm run build && node dist/bench/real-programs.js [--repeat N] [--timeout-ms MS] [WORKLOAD...]
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ferryCommand, REPO_ROOT } from './ferry-command';

const BENCH_FILE = path.join(REPO_ROOT, 'build', 'corpus', 'bench-32MiB.txt');
const ENV: Record<string, string> = { PATH: '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', TZ: 'UTC', HOME: '/tmp' };

interface Workload {
  name: string;
  program: string;
  args: string[];
  stdin?: string;
  /** Runs per runner; the best counts. Start-up workloads repeat more. */
  repeat: number;
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
  { name: 'start-up /bin/true', program: '/bin/true', args: [], repeat: 5 },
  { name: 'start-up python3 -c pass', program: '/usr/bin/python3', args: ['-c', 'pass'], repeat: 3 },
  { name: 'sha256sum 32 MiB', program: '/usr/bin/sha256sum', args: [BENCH_FILE], repeat: 1 },
  { name: 'xz -9 32 MiB', program: '/usr/bin/xz', args: ['-9', '-T1', '-c', BENCH_FILE], repeat: 1 },
  { name: 'sqlite3 script', program: '/usr/bin/sqlite3', args: [':memory:'], stdin: SQL, repeat: 1 },
  { name: 'python3 loop', program: '/usr/bin/python3', args: ['-c', PY_LOOP], repeat: 1 },
];

type Cell = { kind: 'ok'; ms: number } | { kind: 'FAIL' | 'MISMATCH'; detail: string } | { kind: 'n/a' };

interface Runner {
  column: string;
  /** undefined: not installed here. */
  command(w: Workload): { file: string; args: string[] } | undefined;
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


const QEMU = findOnPath('qemu-x86_64');
const RUNNERS: Runner[] = [
  { column: 'native', command: (w) => ({ file: w.program, args: w.args }) },
  { column: 'Ferry', command: (w) => { const f = ferryCommand(); return { file: f.file, args: [...f.prefix, w.program, ...w.args] }; } },
  { column: 'qemu-x86_64', command: (w) => (QEMU ? { file: QEMU, args: [w.program, ...w.args] } : undefined) },
];

interface Options { repeat: number; timeoutMs: number; only: string[] }

function parseOptions(argv: string[]): Options {
  const options: Options = { repeat: 1, timeoutMs: 900_000, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--repeat') options.repeat = Math.max(1, Number(argv[++i]));
    else if (arg === '--timeout-ms') options.timeoutMs = Number(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`usage: node dist/bench/real-programs.js [--repeat N] [--timeout-ms MS] [WORKLOAD...]\nworkloads (substring match): ${WORKLOADS.map((w) => w.name).join(', ')}\n`);
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else options.only.push(arg);
  }
  return options;
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.startsWith('ferry: ')) ?? text.trim().split('\n', 1)[0]?.slice(0, 160) ?? '';
}

/** Whole-process wall time including start-up; the best of the runs. Output is compared by digest. */
function measure(runner: Runner, w: Workload, expected: string | undefined, repeat: number, timeoutMs: number): { cell: Cell; digest?: string } {
  const command = runner.command(w);
  if (!command) return { cell: { kind: 'n/a' } };
  let best = Infinity;
  let digest: string | undefined;
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command.file, command.args, {
      env: ENV, input: w.stdin ?? '', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 512 << 20,
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const stderr = result.stderr?.toString('utf8') ?? '';
    if (result.error) {
      const timedOut = (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
      return { cell: { kind: 'FAIL', detail: timedOut ? `timed out after ${timeoutMs} ms` : result.error.message } };
    }
    if (result.status !== 0) {
      const how = result.status === null ? `killed by ${result.signal}` : `exit status ${result.status}`;
      return { cell: { kind: 'FAIL', detail: `${how}${stderr ? `: ${firstLine(stderr)}` : ''}` } };
    }
    digest = createHash('sha256').update(result.stdout ?? Buffer.alloc(0)).digest('hex');
    if (expected !== undefined && digest !== expected) {
      return { cell: { kind: 'MISMATCH', detail: `stdout differs from native (${(result.stdout ?? Buffer.alloc(0)).length} bytes)` } };
    }
    best = Math.min(best, ms);
  }
  return { cell: { kind: 'ok', ms: best }, digest };
}

const show = (c: Cell): string => (c.kind === 'ok' ? c.ms.toFixed(1) : c.kind);
const ratio = (a: Cell, b: Cell): string => (a.kind === 'ok' && b.kind === 'ok' ? (a.ms / b.ms).toFixed(2) : a.kind === 'n/a' || b.kind === 'n/a' ? 'n/a' : '-');

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  const line = (r: string[]): string => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ');
  process.stdout.write(`${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
}

/** The fixed 32 MiB input, made by the corpus setup step's generator when absent. */
function ensureBenchFile(): void {
  if (fs.existsSync(BENCH_FILE) && fs.statSync(BENCH_FILE).size === 32 << 20) return;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const step = require(path.join(REPO_ROOT, 'test', 'setup', 'steps', '60-corpus.js')) as { makeBenchFile(file: string): string };
  step.makeBenchFile(BENCH_FILE);
}

export function main(argv: string[] = process.argv.slice(2)): number {
  const options = parseOptions(argv);
  ensureBenchFile();
  const workloads = options.only.length ? WORKLOADS.filter((w) => options.only.some((o) => w.name.includes(o))) : WORKLOADS;
  if (workloads.length === 0) throw new Error(`no workload matches ${options.only.join(' ')}`);
  const problems: string[] = [];
  const rows: string[][] = [];
  for (const w of workloads) {
    const repeat = Math.max(w.repeat, options.repeat);
    const native = measure(RUNNERS[0], w, undefined, repeat, options.timeoutMs);
    const cells: Cell[] = [native.cell];
    for (const runner of RUNNERS.slice(1)) {
      const cell: Cell = native.cell.kind !== 'ok' ? { kind: 'FAIL', detail: 'no native reference' } : measure(runner, w, native.digest, repeat, options.timeoutMs).cell;
      cells.push(cell);
      process.stderr.write(`bench: ${w.name} ${runner.column}: ${cell.kind === 'ok' ? `${cell.ms.toFixed(1)} ms` : cell.kind === 'n/a' ? 'n/a (not installed)' : `${cell.kind} (${cell.detail})`}\n`);
    }
    cells.forEach((cell, i) => {
      if (cell.kind === 'FAIL' || cell.kind === 'MISMATCH') problems.push(`${w.name}, ${RUNNERS[i].column}: ${cell.kind}: ${cell.detail}`);
    });
    rows.push([w.name, ...cells.map(show), ratio(cells[1], cells[0]), ratio(cells[2], cells[0]), ratio(cells[1], cells[2])]);
  }
  process.stdout.write('\n');
  printTable([['workload', 'native ms', 'Ferry ms', 'qemu ms', 'Ferry/native', 'qemu/native', 'Ferry/qemu'], ...rows]);
  if (problems.length) process.stdout.write(`\n${problems.length} problem(s):\n${problems.map((p) => `  ${p}\n`).join('')}`);
  // Ferry failing is expected while it cannot run these programs yet; only a broken native run is an error.
  return rows.length && workloads.every((_, i) => rows[i][1] !== 'FAIL') ? 0 : 1;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
