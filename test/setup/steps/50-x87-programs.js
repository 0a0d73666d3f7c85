// Build step: compiles the freestanding x87 programs (test/x87-programs/*.c, using test/programs/rt.h)
// as static and static-pie x86-64 executables into build/x87-programs/, skipping up-to-date outputs.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..', '..');
const sourceDir = path.join(root, 'test', 'x87-programs');
const outDir = path.join(root, 'build', 'x87-programs');
const FLAGS = ['-O2', '-nostdlib', '-ffreestanding', '-fno-stack-protector', '-fcf-protection=none', '-fno-math-errno',
  '-I', path.join(root, 'test', 'programs')];

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

module.exports = async function buildX87Programs() {
  fs.mkdirSync(outDir, { recursive: true });
  const shared = Math.max(mtime(path.join(root, 'test', 'programs', 'rt.h')), mtime(__filename));
  for (const file of fs.readdirSync(sourceDir).filter((f) => f.endsWith('.c'))) {
    const source = path.join(sourceDir, file);
    for (const [suffix, link] of [['static', '-static'], ['pie', '-static-pie']]) {
      const output = path.join(outDir, `${file.slice(0, -2)}.${suffix}`);
      if (mtime(output) > Math.max(shared, mtime(source))) continue;
      const temporary = `${output}.tmp-${process.pid}`;
      try {
        execFileSync('gcc', [...FLAGS, link, '-o', temporary, source, '-lgcc'], { stdio: ['ignore', 'ignore', 'pipe'] });
        fs.renameSync(temporary, output);
      } catch (error) {
        fs.rmSync(temporary, { force: true });
        throw new Error(`50-x87-programs: gcc ${file} (${suffix}) failed: ${String(error.stderr || error.message).trim()}`);
      }
    }
  }
};
