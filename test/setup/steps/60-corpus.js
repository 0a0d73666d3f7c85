// Build step for the real-program corpus (test/corpus.test.ts, bench/real-programs.ts):
// - compiles each C program in test/corpus/programs.json three ways into build/corpus/bin/:
//   NAME.glibc-static (gcc -O2 -static), NAME.glibc-dynamic (gcc -O2), NAME.musl-static (musl-gcc -O2 -static);
// - writes the deterministic inputs into build/corpus/data/ (text files, a sqlite script, an xz file,
//   a #!/bin/sh script, a directory tree with fixed names and mtimes).
// It installs nothing and skips what is up to date. The 32 MiB benchmark file is made by the bench
// (makeBenchFile below), not here, so that tests do not pay for it.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { compile, mtime, runLimited } = require('../lib/program-set');

const root = path.resolve(__dirname, '..', '..', '..');
const sourceDir = path.join(root, 'test', 'corpus', 'c');
const manifestPath = path.join(root, 'test', 'corpus', 'programs.json');
const corpusDir = path.join(root, 'build', 'corpus');
const binDir = path.join(corpusDir, 'bin');
const dataDir = path.join(corpusDir, 'data');
const DATA_VERSION = 'corpus-data-3';

const BUILDS = [
  { suffix: 'glibc-static', compiler: 'gcc', flags: ['-static'] },
  { suffix: 'glibc-dynamic', compiler: 'gcc', flags: [] },
  { suffix: 'musl-static', compiler: 'musl-gcc', flags: ['-static'], musl: true },
];

/** A small seeded PRNG (mulberry32): the same bytes on every machine and Node version. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0);
  };
}

const WORDS = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'ferry', 'unicorn', 'capstone', 'emulator',
  'kernel', 'syscall', 'register', 'memory', 'page', 'table', 'x86_64', 'aarch64', 'Alpha', 'BETA', 'gamma', 'delta',
  'lorem', 'ipsum', 'dolor', 'sit', 'amet', 'error', 'warning', 'info', 'debug', '42', '1999', '3.14', 'foo-bar', 'baz'];

/** PRNG text of `lines` lines of 1 to 14 words. */
function wordText(seed, lines) {
  const next = prng(seed);
  const out = [];
  for (let i = 0; i < lines; i++) {
    const n = 1 + (next() % 14);
    const words = [];
    for (let j = 0; j < n; j++) words.push(WORDS[next() % WORDS.length]);
    out.push(words.join(next() % 11 === 0 ? '\t' : ' '));
  }
  return out.join('\n') + '\n';
}

/** The fixed 32 MiB benchmark input: PRNG words and numbers (compressible, like real text). */
function makeBenchFile(file, bytes = 32 << 20) {
  if (fs.existsSync(file) && fs.statSync(file).size === bytes) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const next = prng(20260101);
  const buf = Buffer.alloc(bytes);
  const encoded = WORDS.map((w) => Buffer.from(w));
  let at = 0;
  while (at < bytes) {
    const r = next();
    const piece = r % 7 === 0 ? Buffer.from(String(r % 100000)) : encoded[(r >>> 3) % encoded.length];
    at += piece.copy(buf, at);
    if (at < bytes) buf[at++] = (r >>> 24) % 12 === 0 ? 0x0a : 0x20;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, buf);
  fs.renameSync(tmp, file);
  return file;
}

// Fixed mtimes for the tree (seconds since the epoch), set after everything inside a directory exists.
const TREE_TIME = 1600000000;
const TREE = [
  ['README', 'corpus tree\n'],
  ['docs/guide.txt', 'line one\nline two\n'],
  ['docs/notes.md', '# notes\n\n- a\n- b\n'],
  ['docs/empty.txt', ''],
  ['src/main.c', 'int main(void) { return 0; }\n'],
  ['src/util/helper.c', 'int helper(int x) { return x * 2; }\n'],
  ['src/util/helper.h', 'int helper(int x);\n'],
  ['src/util/deep/nested/leaf.txt', 'leaf\n'],
  ['data/numbers.csv', '1,2,3\n4,5,6\n7,8,9\n'],
  ['data/blob.bin', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) & 0xff))],
  ['script.sh', '#!/bin/sh\necho tree\n', 0o755],
];

function writeTree(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  const dirs = new Set([dir]);
  TREE.forEach(([name, content, mode]) => {
    const file = path.join(dir, name);
    for (let d = path.dirname(file); d.startsWith(dir); d = path.dirname(d)) dirs.add(d);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    fs.chmodSync(file, mode ?? 0o644);
  });
  TREE.forEach(([name], i) => {
    const t = TREE_TIME + i * 86400 + i * 37;
    fs.utimesSync(path.join(dir, name), t, t);
  });
  // Deepest directories first, so that setting a parent's time is the last change inside it.
  [...dirs].sort((a, b) => b.length - a.length).forEach((d, i) => {
    fs.chmodSync(d, 0o755);
    const t = TREE_TIME - 1000 - i * 60;
    fs.utimesSync(d, t, t);
  });
}

const SQL_SCRIPT = `CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT NOT NULL, dept TEXT, salary REAL, born TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO people(name, dept, salary, born)
  SELECT 'person' || i, CASE i % 4 WHEN 0 THEN 'eng' WHEN 1 THEN 'ops' WHEN 2 THEN 'sales' ELSE 'hr' END,
         1000 + (i * 7919) % 5000 + 0.25 * (i % 4), date('1970-01-01', '+' || (i * 97) || ' days') FROM n;
CREATE INDEX people_dept ON people(dept);
SELECT dept, count(*), printf('%.2f', avg(salary)), min(born), max(born) FROM people GROUP BY dept ORDER BY dept;
SELECT name, salary FROM people WHERE salary > 5900 ORDER BY salary DESC, id LIMIT 5;
UPDATE people SET salary = salary * 1.1 WHERE dept = 'eng';
DELETE FROM people WHERE id % 10 = 0;
SELECT count(*), printf('%.3f', sum(salary)) FROM people;
SELECT json_object('id', id, 'name', name) FROM people WHERE id IN (1, 2, 3);
SELECT group_concat(id, ',') FROM (SELECT id FROM people ORDER BY id DESC LIMIT 10);
SELECT upper('abc'), length('héllo'), substr('sqlite', 2, 3), replace('a-b-c', '-', '+'), hex(zeroblob(4)), abs(-7), round(2.675, 2);
SELECT strftime('%Y-%m-%d %H:%M:%S', 1700000000, 'unixepoch'), julianday('2000-01-01');
CREATE TABLE t2 AS SELECT p.dept AS dept, sum(p.salary) AS total FROM people p GROUP BY p.dept;
SELECT * FROM t2 ORDER BY total DESC;
PRAGMA integrity_check;
`;

function writeData() {
  fs.mkdirSync(dataDir, { recursive: true });
  const put = (name, content, mode = 0o644) => {
    fs.writeFileSync(path.join(dataDir, name), content);
    fs.chmodSync(path.join(dataDir, name), mode);
  };
  const words = wordText(1, 3000);
  put('words.txt', words);
  put('small.txt', 'banana 3\napple 10\ncherry 7\napple 10\ndate 1\nelderberry 22\nfig 5\nbanana 3\ngrape 12\nkiwi 8\n');
  const next = prng(2);
  put('nums.txt', Array.from({ length: 400 }, () => String((next() % 200001) - 100000)).join('\n') + '\n');
  const shells = ['/bin/sh', '/bin/bash', '/usr/sbin/nologin', '/bin/false'];
  put('table.txt', Array.from({ length: 60 }, (_, i) => `user${String(i).padStart(2, '0')}:x:${1000 + ((i * 37) % 60)}:${100 + (i % 5)}:User ${i}:/home/user${i}:${shells[i % 4]}`).join('\n') + '\n');
  put('join-a.txt', Array.from({ length: 30 }, (_, i) => `key${String(i * 2).padStart(3, '0')} left${i}`).join('\n') + '\n');
  put('join-b.txt', Array.from({ length: 30 }, (_, i) => `key${String(i * 3).padStart(3, '0')} right${i}`).join('\n') + '\n');
  const lines = words.split('\n').slice(0, 200);
  put('diff-a.txt', lines.join('\n') + '\n');
  const changed = lines.slice();
  changed[10] = 'a changed line';
  changed.splice(50, 3);
  changed.splice(120, 0, 'an inserted line', 'and another');
  put('diff-b.txt', changed.join('\n') + '\n');
  put('scanf-input.txt', '12 7 -3 2.5 100 0.125 abc 9999999999 -0.5\n1 2 3\n');
  put('script.sql', SQL_SCRIPT);
  put('b64.txt', (Buffer.from(words.slice(0, 3000)).toString('base64').match(/.{1,76}/g) ?? []).join('\n') + '\n');
  put('script.sh', '#!/bin/sh\n# run as the program itself: the kernel (or Ferry) starts /bin/sh with this file\necho "script: $# args: $*"\ni=0\nwhile [ $i -lt 5 ]; do i=$((i + 1)); printf "%s " "$i"; done\necho\ncase "$1" in a*) echo starts-with-a ;; *) echo other ;; esac\nexit 3\n', 0o755);
  put('prog.awk', '{ n[$1] += $2; total += $2 }\nEND { for (k in n) printf "%s %d\\n", k, n[k] | "sort"; close("sort"); printf "total %d\\n", total }\n');
  put('prog.sed', 's/\\([a-z]*\\) \\([0-9]*\\)/\\2=\\1/\n/apple/d\n$a\\\nend of sed\n');
  put('calc.bc', 'scale=40\n4*a(1)\ne(1)\nsqrt(2)\nl(10)\n2^200\n123456789 % 97\ndefine f(n) { if (n < 2) return n; return f(n-1) + f(n-2); }\nf(20)\n');
  try {
    put('words.txt.xz', execFileSync('xz', ['-9', '-c'], { input: words }));
  } catch {
    // No xz here: the xz -d case fails on its native run and says so.
  }
  writeTree(path.join(dataDir, 'tree'));
}

async function buildCorpus() {
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  fs.mkdirSync(binDir, { recursive: true });
  const stamp = path.join(dataDir, '.stamp');
  const stampText = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8') : '';
  if (stampText !== DATA_VERSION || mtime(stamp) < mtime(__filename)) {
    writeData();
    fs.writeFileSync(stamp, DATA_VERSION);
  }
  const headers = fs.readdirSync(sourceDir).filter((f) => f.endsWith('.h')).map((f) => path.join(sourceDir, f));
  const sharedInputs = [manifestPath, ...headers, __filename].map(mtime);
  const jobs = [];
  for (const program of manifest.programs) {
    const source = path.join(sourceDir, program.source);
    const newestInput = Math.max(mtime(source), ...sharedInputs);
    for (const build of BUILDS) {
      if (build.musl && program.musl === false) continue;
      const output = path.join(binDir, `${program.name}.${build.suffix}`);
      if (mtime(output) > newestInput) continue;
      const args = [...manifest.commonFlags, ...build.flags, '-o', output, source, ...(program.libs ?? [])];
      jobs.push(() => compile(args, sourceDir, build.compiler));
    }
  }
  await runLimited(jobs, 2);
}

module.exports = buildCorpus;
module.exports.makeBenchFile = makeBenchFile;
module.exports.CORPUS_DIR = corpusDir;
