// Jest setup step: compiles test/native/snippet-runner.c (the real-CPU oracle for instruction
// tests) into build/snippet-runner, unless the binary is already newer than its source.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..', '..', '..');
const source = path.join(root, 'test', 'native', 'snippet-runner.c');
const output = path.join(root, 'build', 'snippet-runner');

function modifiedTime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

module.exports = async function buildSnippetRunner() {
  if (modifiedTime(output) >= modifiedTime(source)) return;
  fs.mkdirSync(path.dirname(output), { recursive: true });
  // Build under a private name and rename, so test runs started at the same time never see half a binary.
  const temporary = `${output}.tmp-${process.pid}`;
  try {
    execFileSync('gcc', ['-O2', '-no-pie', '-Wall', '-Wextra', '-o', temporary, source], { stdio: ['ignore', 'inherit', 'pipe'] });
    fs.renameSync(temporary, output);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    const details = error.stderr ? error.stderr.toString().trim() : error.message;
    throw new Error(`building ${path.relative(root, output)} failed: ${details}`);
  }
};
