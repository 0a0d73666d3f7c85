// Compiles the benchmark kernels (bench/kernels/*.c) for x86-64 and AArch64 into build/bench/,
// skipping builds that are newer than their source and the shared runtime header.
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
  if (mtime(output) > newestInput) return;
  execFileSync(compiler, [...flags, '-o', output, source, '-lgcc'], { stdio: ['ignore', 'inherit', 'inherit'] });
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
