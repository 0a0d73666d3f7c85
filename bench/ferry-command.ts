// Where the benchmarks find the repository and how they start bin/ferry: through this node binary
// when its #! line names node (so PATH need not hold node), else as an executable.
import * as fs from 'fs';
import * as path from 'path';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'bench'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root above ${start}`);
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
export const FERRY_BIN = path.join(REPO_ROOT, 'bin', 'ferry');

/** Another checkout's bin/ferry (`--baseline DIR`): an older build to compare with in the same run. */
export function baselineBin(dir: string): string {
  const bin = path.join(path.resolve(dir), 'bin', 'ferry');
  if (!fs.existsSync(bin)) throw new Error(`--baseline ${dir}: no bin/ferry there`);
  return bin;
}

/** The executable and leading arguments that run `ferry run ...` (this checkout's, or `bin`). */
export function ferryCommand(bin = FERRY_BIN): { file: string; prefix: string[] } {
  let line = '';
  try {
    line = fs.readFileSync(bin, 'utf8').split('\n', 1)[0];
  } catch {
    // Missing: the spawn reports it and the column shows FAIL.
  }
  return line.startsWith('#!') && /\bnode\b/.test(line)
    ? { file: process.execPath, prefix: [bin, 'run'] } : { file: bin, prefix: ['run'] };
}
