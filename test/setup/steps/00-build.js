// Jest setup step: rebuilds dist/ (npm run build) when any of its sources is newer than the last
// build, so no way of starting a test (npm test, npx jest FILE, the corpus recording) runs a stale bin/ferry.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..', '..', '..');
// What `npm run build` compiles (tsconfig.build.json's include, the native patches) and how.
const INPUTS = ['src', 'syscalls', 'cache', 'bench', 'native', 'tools', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const STAMP = path.join(root, 'dist', '.build-stamp');

function newestModification(entry) {
  let stat;
  try {
    stat = fs.statSync(entry);
  } catch {
    return -1;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file shows only in its directory's time
  for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestModification(path.join(entry, name)));
  return newest;
}

module.exports = async function buildDist() {
  const sourcesTime = Math.max(...INPUTS.map((input) => newestModification(path.join(root, input))));
  let stampTime = -1;
  try {
    stampTime = fs.statSync(STAMP).mtimeMs;
  } catch {
    // never built by this step
  }
  if (stampTime > sourcesTime) return;
  const started = Date.now();
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) throw new Error(`npm run build failed (${build.error?.message ?? `status ${build.status}`}): the tests need a current dist/`);
  // The stamp takes the time the build started: a source saved during the build still counts as newer.
  fs.writeFileSync(STAMP, '');
  fs.utimesSync(STAMP, new Date(started), new Date(started));
};
