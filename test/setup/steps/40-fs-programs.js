// Build step: compiles the freestanding file-syscall probe (test/programs/fsprobe.c on rt_fs.h) as
// static and static-pie executables into build/fs-programs/, for test/fs-syscalls.test.ts.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..', '..');
const sourceDir = path.join(root, 'test', 'programs');
const outDir = path.join(root, 'build', 'fs-programs');
const FLAGS = ['-O2', '-nostdlib', '-ffreestanding', '-fno-stack-protector', '-fcf-protection=none', '-fno-math-errno'];
const PROGRAMS = ['fsprobe'];
const LINK_MODES = [{ suffix: 'static', flags: ['-static'] }, { suffix: 'pie', flags: ['-static-pie'] }];

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

module.exports = async function buildFsPrograms() {
  fs.mkdirSync(outDir, { recursive: true });
  const shared = ['rt.h', 'rt_fs.h'].map((f) => mtime(path.join(sourceDir, f))).concat(mtime(__filename));
  for (const name of PROGRAMS) {
    const source = path.join(sourceDir, `${name}.c`);
    const newest = Math.max(mtime(source), ...shared);
    for (const mode of LINK_MODES) {
      const output = path.join(outDir, `${name}.${mode.suffix}`);
      if (mtime(output) > newest) continue;
      // A temporary name and a rename: concurrent test runs never see half a file.
      const temporary = `${output}.tmp-${process.pid}`;
      execFileSync('gcc', [...FLAGS, ...mode.flags, '-o', temporary, source, '-lgcc'], { cwd: sourceDir, stdio: ['ignore', 'ignore', 'pipe'] });
      fs.renameSync(temporary, output);
    }
  }
};
