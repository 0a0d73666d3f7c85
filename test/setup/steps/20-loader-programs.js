// Builds the programs test/elf.test.ts and test/loader.test.ts parse and load (static, static-pie,
// glibc static and dynamic x86-64, plus i386 and AArch64 files to reject) into build/loader/.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..', '..', '..');
const outDir = path.join(root, 'build', 'loader');
const srcDir = path.join(outDir, 'src');

// No libc, so the same file builds for every target: data, rodata, a multi-page bss and functions,
// so that the tests see every kind of segment and a few symbols to look up.
const SAMPLE_C = `int counter = 42;
char table[100] = "data";
char big_buffer[20000];
const char message[] = "hello from rodata";
int add(int a, int b) { return a + b + counter; }
void _start(void) { big_buffer[0] = message[0]; for (;;) counter = add(counter, table[0]); }
`;
const HELLO_C = `#include <stdio.h>
int main(int argc, char **argv) { printf("hello %d %s\\n", argc, argv[0]); return 0; }
`;

/** Writes a generated source only when it changed, so its mtime says when it last changed. */
function source(name, text) {
  const file = path.join(srcDir, name);
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) fs.writeFileSync(file, text);
  return file;
}

function upToDate(output, inputs) {
  if (!fs.existsSync(output)) return false;
  const built = fs.statSync(output).mtimeMs;
  return inputs.every((input) => fs.statSync(input).mtimeMs <= built);
}

/** Compiles to a temporary name and renames, so concurrent test runs never see half a file. */
function build({ output, compiler, args, input }) {
  const target = path.join(outDir, output);
  if (upToDate(target, [input, __filename])) return;
  const temporary = `${target}.tmp-${process.pid}`;
  try {
    execFileSync(compiler, [...args, '-o', temporary, input], { stdio: ['ignore', 'ignore', 'pipe'] });
    fs.renameSync(temporary, target);
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    // The i386 and AArch64 files too: the tests' oracle is what the real compilers make (.ci/setup installs them).
    throw new Error(`20-loader-programs: ${compiler} ${output} failed: ${String(err.stderr || err.message).trim()}`);
  }
}

module.exports = async function buildLoaderPrograms() {
  fs.mkdirSync(srcDir, { recursive: true });
  const sample = source('sample.c', SAMPLE_C);
  const hello = source('hello.c', HELLO_C);
  const auxvDump = path.join(root, 'test', 'native', 'auxv-dump.c');
  const freestanding = ['-nostdlib', '-O1', '-fno-stack-protector', '-fno-asynchronous-unwind-tables'];
  const targets = [
    { output: 'static-exec', compiler: 'gcc', args: [...freestanding, '-static'], input: sample },
    { output: 'static-pie', compiler: 'gcc', args: [...freestanding, '-static-pie'], input: sample },
    { output: 'glibc-static', compiler: 'gcc', args: ['-O1', '-static'], input: hello },
    { output: 'dynamic', compiler: 'gcc', args: ['-O1'], input: hello },
    { output: 'auxv-dump', compiler: 'gcc', args: [...freestanding, '-static'], input: auxvDump },
    { output: 'auxv-dump-pie', compiler: 'gcc', args: [...freestanding, '-static-pie'], input: auxvDump },
    { output: 'i386', compiler: 'gcc', args: [...freestanding, '-m32', '-static'], input: sample },
    { output: 'aarch64', compiler: 'aarch64-linux-gnu-gcc', args: [...freestanding, '-static'], input: sample },
  ];
  for (const target of targets) build(target);
};
