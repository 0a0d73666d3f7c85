// Runs a program natively and under Ferry (`bin/ferry run`) with the same argv, env and stdin,
// and reports stdout, stderr and a shell-style status (exit code, or 128 + signal number).
import { spawnSync, type SpawnSyncReturns } from 'child_process';
import { constants as osConstants } from 'os';
import * as fs from 'fs';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FERRY_BIN = path.join(REPO_ROOT, 'bin', 'ferry');
export const PROGRAMS_DIR = path.join(REPO_ROOT, 'build', 'programs');

/** Per-run limit, so that a hanging emulator fails its test instead of the whole suite. */
export const RUN_TIMEOUT_MS = Number(process.env.FERRY_TEST_TIMEOUT_MS ?? 30_000);

export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  /** Exit code, or 128 + signal number when the process was killed (the shell's convention). */
  status: number;
  /** Set when the run could not start or was stopped by the timeout; the status is then meaningless. */
  failure?: string;
}

export type Env = Record<string, string>;

function statusOf(result: SpawnSyncReturns<Buffer>): number {
  if (result.status !== null) return result.status;
  const signal = result.signal ?? 'SIGKILL';
  return 128 + (osConstants.signals[signal] ?? 0);
}

function run(file: string, argv: string[], env: Env, stdin: Buffer | string | undefined, argv0?: string): RunResult {
  const result = spawnSync(file, argv, {
    argv0,
    env, // exactly this environment: nothing inherited from the test process
    input: stdin ?? Buffer.alloc(0),
    timeout: RUN_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
  });
  const stdout = result.stdout ?? Buffer.alloc(0);
  const stderr = result.stderr ?? Buffer.alloc(0);
  const error = result.error as NodeJS.ErrnoException | undefined;
  if (error?.code === 'ETIMEDOUT') {
    return { stdout, stderr, status: -1, failure: `timed out after ${RUN_TIMEOUT_MS} ms` };
  }
  if (error) return { stdout, stderr, status: -1, failure: `could not run ${file}: ${error.message}` };
  return { stdout, stderr, status: statusOf(result) };
}

/** Runs the x86-64 program directly on this machine: the oracle. */
export function runNative(programPath: string, args: string[], env: Env, stdin?: Buffer | string): RunResult {
  return run(programPath, args, env, stdin, programPath);
}

/**
 * The interpreter line of bin/ferry, when it names node: started with this process's node binary
 * instead, because `#!/usr/bin/env node` would need PATH, and the guest's env must stay exact.
 */
function ferryCommand(): { file: string; prefix: string[] } {
  let firstLine = '';
  try {
    firstLine = fs.readFileSync(FERRY_BIN, 'utf8').split('\n', 1)[0];
  } catch {
    // Missing: spawning it reports the error.
  }
  if (firstLine.startsWith('#!') && /\bnode\b/.test(firstLine)) return { file: process.execPath, prefix: [FERRY_BIN] };
  return { file: FERRY_BIN, prefix: [] };
}

/** Runs `bin/ferry [ferryArgs...]` with the given env; for CLI tests that are not a program run. */
export function runFerryCli(ferryArgs: string[], env: Env = {}, stdin?: Buffer | string): RunResult {
  const { file, prefix } = ferryCommand();
  return run(file, [...prefix, ...ferryArgs], env, stdin);
}

/** Runs the program under Ferry as `bin/ferry run PROGRAM ARGS...`; the guest sees argv[0] = programPath. */
export function runUnderFerry(programPath: string, args: string[], env: Env, stdin?: Buffer | string): RunResult {
  return runFerryCli(['run', programPath, ...args], env, stdin);
}

export interface ComparableRun { status: number | string; stdout: string; stderr: string }

const WINDOW_BEFORE = 200;
const WINDOW_AFTER = 1000;

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Both streams of both runs as text, cut to a window around the first difference so a mismatch in
 * a large output stays readable in Jest's diff; identical streams render identically. */
export function comparableRuns(expected: RunResult, actual: RunResult): [ComparableRun, ComparableRun] {
  const render = (mine: Buffer, other: Buffer): string => {
    const at = firstDifference(mine, other);
    const start = at < 0 ? 0 : Math.max(0, at - WINDOW_BEFORE);
    const end = at < 0 ? WINDOW_AFTER + WINDOW_BEFORE : at + WINDOW_AFTER;
    const text = mine.subarray(start, end).toString('latin1');
    const prefix = start > 0 ? `[... ${start} bytes before] ` : '';
    const suffix = mine.length > end ? ` [... ${mine.length} bytes in all]` : '';
    return prefix + text + suffix;
  };
  const describe = (mine: RunResult, other: RunResult): ComparableRun => ({
    status: mine.failure ?? mine.status,
    stdout: render(mine.stdout, other.stdout),
    stderr: render(mine.stderr, other.stderr),
  });
  return [describe(expected, actual), describe(actual, expected)];
}
