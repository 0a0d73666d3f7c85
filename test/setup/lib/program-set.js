// Shared by the build steps that compile freestanding test programs from a programs.json manifest
// as static and static-pie x86-64 executables, skipping outputs that are up to date.
const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');

// Two link modes per program: the fixed-address ELF and the position-independent one.
const LINK_MODES = [
  { suffix: 'static', flags: ['-static'] },
  { suffix: 'pie', flags: ['-static-pie'] },
];

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function compile(args, sourceDir, compiler = 'gcc') {
  return new Promise((resolve, reject) => {
    execFile(compiler, args, { cwd: sourceDir }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${compiler} ${args.join(' ')}\n${stderr || error.message}`));
      else resolve();
    });
  });
}

// The two cores are shared with other work: at most two compilers at a time.
async function runLimited(jobs, limit) {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}

/**
 * Builds every program of sourceDir/programs.json into outDir as NAME.static and NAME.pie.
 * `headers` are the shared inputs besides the manifest whose change rebuilds everything.
 */
async function buildProgramSet(sourceDir, outDir, headers) {
  const manifestPath = path.join(sourceDir, 'programs.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  fs.mkdirSync(outDir, { recursive: true });
  const sharedInputs = [manifestPath, ...headers, __filename].map(mtime);
  const jobs = [];
  for (const program of manifest.programs) {
    const source = path.join(sourceDir, program.source);
    const newestInput = Math.max(mtime(source), ...sharedInputs);
    for (const mode of LINK_MODES) {
      const output = path.join(outDir, `${program.name}.${mode.suffix}`);
      if (mtime(output) > newestInput) continue;
      const args = [...manifest.commonFlags, ...(program.flags ?? []), ...mode.flags, '-o', output, source, ...manifest.libs];
      jobs.push(() => compile(args, sourceDir));
    }
  }
  await runLimited(jobs, 2);
}

module.exports = { buildProgramSet, compile, runLimited, mtime };
