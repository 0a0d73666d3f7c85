// Compiles the benchmark kernels (bench/kernels/*.c) for x86-64 and AArch64 into build/bench/,
// skipping builds newer than their source and runtime header and made with the same command line.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface KernelBuild {
  name: string;
  x86: string;
  aarch64: string;
}

// No FMA contraction: AArch64 GCC fuses a*b+c by default, which changes floating-point checksums.
const X86_FLAGS = ['-O2', '-static', '-nostdlib', '-fno-stack-protector', '-ffp-contract=off'];
const AARCH64_FLAGS = ['-O2', '-march=armv8-a', '-static', '-nostdlib', '-fno-stack-protector', '-ffp-contract=off'];

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function compileIfStale(compiler: string, flags: string[], source: string, output: string, newestInput: number): void {
  const args = [...flags, '-o', output, source, '-lgcc'];
  const stamp = `${output}.cmd`; // the command line that made the output: a flag change rebuilds
  const command = [compiler, ...args].join(' ');
  const sameCommand = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === command;
  if (sameCommand && mtime(output) > newestInput) return;
  execFileSync(compiler, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.writeFileSync(stamp, command);
}

export function buildKernels(repoRoot: string, only: string[]): KernelBuild[] {
  const kernelDir = path.join(repoRoot, 'bench', 'kernels');
  const outDir = path.join(repoRoot, 'build', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  const header = mtime(path.join(kernelDir, 'krt.h'));
  const names = fs.readdirSync(kernelDir).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)).sort();
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length) throw new Error(`unknown kernel(s): ${unknown.join(', ')} (have ${names.join(', ')})`);
  return names
    .filter((name) => only.length === 0 || only.includes(name))
    .map((name) => {
      const source = path.join(kernelDir, `${name}.c`);
      const newestInput = Math.max(mtime(source), header);
      const build = { name, x86: path.join(outDir, `${name}.x86_64`), aarch64: path.join(outDir, `${name}.aarch64`) };
      compileIfStale('gcc', X86_FLAGS, source, build.x86, newestInput);
      compileIfStale('aarch64-linux-gnu-gcc', AARCH64_FLAGS, source, build.aarch64, newestInput);
      return build;
    });
}
