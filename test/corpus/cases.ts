// The real-program corpus as data: each case runs natively and under `bin/ferry run` (test/corpus.test.ts).
// Paths in `program`, `args` and `stdin.file` may use @BIN@ (build/corpus/bin, the C programs built by
// test/setup/steps/60-corpus.js), @DATA@ (build/corpus/data, its generated inputs) and @TMP@ (a fresh
// empty directory per run, removed afterwards).
import * as fs from 'fs';
import * as path from 'path';

export type Env = Record<string, string>;

export interface CorpusCase {
  /** Unique; the key in known-failures.json. */
  name: string;
  program: string;
  args: string[];
  /** Text, or the contents of a file. */
  stdin?: string | { file: string };
  /** Replaces FIXED_ENV when given. */
  env?: Env;
  /** The status the native run must give (default 0), so that a broken case cannot pass by accident. */
  nativeStatus?: number;
}

export const FIXED_ENV: Env = { PATH: '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', TZ: 'UTC', HOME: '/tmp' };

interface CProgram { name: string; source: string; musl?: boolean }
const MANIFEST = JSON.parse(fs.readFileSync(path.join(__dirname, 'programs.json'), 'utf8')) as { programs: CProgram[] };
export const C_BUILDS = ['glibc-static', 'glibc-dynamic', 'musl-static'] as const;

/** Invocations of each C program; every one runs once per build. */
const C_INVOCATIONS: Record<string, Omit<CorpusCase, 'name' | 'program'>[]> = {
  printf: [{ args: [], stdin: { file: '@DATA@/scanf-input.txt' } }],
  malloc: [{ args: ['3000'] }],
  strings: [{ args: [] }],
  sort: [{ args: ['2000'] }],
  strtod: [{ args: [] }],
  math: [{ args: [] }],
  fileio: [{ args: ['@TMP@'] }],
  env: [{ args: ['one', 'two words', ''], env: { ...FIXED_ENV, ZED: 'last', EMPTY: '' } }],
  time: [{ args: [] }],
  jmp: [{ args: [] }],
  atexit: [{ args: ['3'], nativeStatus: 3 }, { args: ['5', '_exit'], nativeStatus: 5 }],
  errno: [{ args: [] }],
  wordfreq: [{ args: ['15'], stdin: { file: '@DATA@/words.txt' } }],
  gnu: [{ args: ['-v', '--count=4', 'corpus'], nativeStatus: 7 }],
  spawn: [{ args: [] }],
  fork: [{ args: [] }],
  handlers: [{ args: [], nativeStatus: 141 }],
  epoll: [{ args: [] }],
};

function cCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const program of MANIFEST.programs) {
    const invocations = C_INVOCATIONS[program.name];
    if (!invocations) throw new Error(`test/corpus/cases.ts: no invocation for C program ${program.name}`);
    for (const build of C_BUILDS) {
      if (build === 'musl-static' && program.musl === false) continue;
      invocations.forEach((inv, i) => {
        const suffix = invocations.length > 1 ? ` #${i + 1}` : '';
        cases.push({ name: `c/${program.name}.${build}${suffix}`, program: `@BIN@/${program.name}.${build}`, ...inv });
      });
    }
  }
  return cases;
}

const D = '@DATA@';
const bin = (name: string, program: string, args: string[], extra: Partial<CorpusCase> = {}): CorpusCase => ({ name, program, args, ...extra });
const fromFile = (file: string): { file: string } => ({ file: `${D}/${file}` });

const BASH_LOOPS = 'for i in $(seq 1 5); do for j in a b; do printf "%s%s " $i $j; done; done; echo; n=0; while [ $n -lt 100 ]; do n=$((n+7)); done; echo n=$n';
const BASH_FUNCS = 'fact() { if (( $1 <= 1 )); then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }; fact 20; greet() { local who=${1:-nobody}; echo "hi $who ($#)"; }; greet; greet ferry x; echo "rc=$?"';
const BASH_ARITH = 'echo $(( 2**40 )) $(( -7 / 2 )) $(( -7 % 2 )) $(( 1 << 62 )) $(( 0x1f ^ 2#1010 )) $(( 10 > 3 ? 1 : 0 )); x=5; (( x += 10, x *= 2 )); echo $x; let "y = x % 7"; echo $y';
const BASH_STRINGS = 'read -r a b c <<< "one two three four"; echo "[$a] [$b] [$c]"; s="Hello, Ferry World"; echo ${#s} ${s:7:5} ${s/World/Earth} ${s,,} ${s^^} ${s%% *} ${s#* }; arr=(z y x w); echo ${arr[@]} ${#arr[@]} ${arr[2]}; declare -A m=([k1]=v1 [k2]=v2); for k in $(printf "%s\\n" "${!m[@]}" | sort); do echo $k=${m[$k]}; done; cat <<< "here-string line"';
const BASH_CONTROL = 'case "abc.txt" in *.txt) echo text;; *) echo other;; esac; if [[ "abc" =~ ^a(b)c$ ]]; then echo match ${BASH_REMATCH[1]}; fi; set -- p q r; shift; echo "$@" $#; printf "%05.1f|%-4s|%x\\n" 3.14159 ab 255; f() { return 3; }; f; echo status=$?; false || echo or-branch; true && echo and-branch; exit 4';
const BASH_PIPE = 'seq 1 2000 | sort -r | head -n 3; echo x | tr x y; printf "b\\na\\nc\\n" | sort | uniq | wc -l';
const BASH_XZ = `xz -9 -c < ${D}/words.txt | xz -d -c | sha256sum; sha256sum < ${D}/words.txt`;

const PY_ARITH = 'print(2**200, 10**30 // 7, -7 // 2, -7 % 2, 1/3, round(2.675, 2), 0.1 + 0.2, int("ff", 16), divmod(10**20, 12345), float("1e308") * 10, complex(1, 2) * complex(3, -1)); import math; print(math.factorial(30), math.sqrt(2), math.pi, math.gcd(2**40, 6**20))';
const PY_JSON = 'import json; d = {"b": [1, 2.5, None, True], "a": {"z": "\\u00e9", "y": []}, "c": "x\\ny"}; s = json.dumps(d, sort_keys=True, indent=2); print(s); print(json.loads(s) == d); print(json.dumps([1e100, -0.0, 12345678901234567890]))';
const PY_RE = 'import re; t = "alpha=1, beta=22; gamma=333 delta = 4444"; print(re.findall(r"(\\w+)\\s*=\\s*(\\d+)", t)); print(re.sub(r"\\d+", lambda m: str(int(m.group()) * 2), t)); print(re.split(r"[,;]\\s*", t)); print(bool(re.fullmatch(r"[a-z]+", "abc")), re.search(r"(?P<k>b\\w+)", t).group("k"))';
const PY_DICT = 'd = {}; [d.__setitem__(w, d.get(w, 0) + 1) for w in open("' + D + '/words.txt").read().split()]; print(sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:10]); print(len(d), sum(d.values())); print(sorted({3: "c", 1: "a", 2: "b"}.items()))';
const PY_LOOP = 'import hashlib; s = 0\nfor i in range(200000): s = (s * 31 + i) % 1000000007\nprint(s, hashlib.sha256(b"ferry" * 1000).hexdigest(), sorted(set("mississippi")))';
const PY_EXIT = 'import sys; sys.stderr.write("to stderr\\n"); print("bye"); sys.exit(3)';

const PERL_BASIC = 'my %h; $h{$_}++ for split //, "mississippi"; print join(",", map { "$_=$h{$_}" } sort keys %h), "\\n"; printf "%.10f %d %s\\n", atan2(1,1)*4, 2**40, scalar reverse "ferry";';
const PERL_RE = '$_ = "alpha=1 beta=22 gamma=333"; my @p = /(\\w+)=(\\d+)/g; print "@p\\n"; s/(\\d+)/$1*2/ge; print "$_\\n"; print join("|", split /\\s+/, "  a b   c "), "\\n";';
const PERL_FILE = `open my $f, "<", "${D}/table.txt" or die; my %s; while (<$f>) { chomp; my @f = split /:/; $s{$f[6]}++ } print map { "$_ $s{$_}\\n" } sort keys %s; printf "%s\\n", join " ", map { sprintf "%03d", $_ } grep { $_ % 7 == 0 } 1..60;`;
const PERL_SORT = 'my @a = map { ($_ * 7919) % 1009 } 1..2000; my @s = sort { $a <=> $b } @a; print "@s[0..9] ... $s[-1]\\n"; my $sum = 0; $sum += $_ for @a; print "sum=$sum\\n"; exit 2;';

const DEBIAN_CASES: CorpusCase[] = [
  bin('echo', '/bin/echo', ['hello', 'world', 'from ferry']),
  bin('echo -n -e', '/bin/echo', ['-n', '-e', 'tab\\there\\nnewline\\x41']),
  bin('printf', '/usr/bin/printf', ['%5d|%-6s|%x|%o|%e|%.3f|%c|%s\\n', '42', 'ab', '255', '8', '12345.678', '2.71828', 'Z', 'tail']),
  bin('printf repeat', '/usr/bin/printf', ['<%s:%d>\\n', 'a', '1', 'b', '2', 'c', '3']),
  bin('cat file', '/bin/cat', [`${D}/small.txt`]),
  bin('cat -n stdin', '/bin/cat', ['-n', '-'], { stdin: fromFile('small.txt') }),
  bin('cat big', '/bin/cat', [`${D}/words.txt`, `${D}/table.txt`]),
  bin('head -n', '/usr/bin/head', ['-n', '7', `${D}/words.txt`]),
  bin('head -c', '/usr/bin/head', ['-c', '333'], { stdin: fromFile('words.txt') }),
  bin('tail -n', '/usr/bin/tail', ['-n', '5', `${D}/words.txt`]),
  bin('tail -c stdin', '/usr/bin/tail', ['-c', '100'], { stdin: fromFile('table.txt') }),
  bin('wc', '/usr/bin/wc', [`${D}/words.txt`, `${D}/small.txt`]),
  bin('wc -l stdin', '/usr/bin/wc', ['-l'], { stdin: fromFile('words.txt') }),
  bin('sort', '/usr/bin/sort', [`${D}/small.txt`]),
  bin('sort -n', '/usr/bin/sort', ['-n', `${D}/nums.txt`]),
  bin('sort -t: -k3,3n -r', '/usr/bin/sort', ['-t:', '-k3,3n', '-r', `${D}/table.txt`]),
  bin('sort -u big', '/usr/bin/sort', ['-u'], { stdin: fromFile('words.txt') }),
  bin('uniq -c', '/usr/bin/uniq', ['-c'], { stdin: 'a\na\nb\nc\nc\nc\na\n' }),
  bin('tr upper', '/usr/bin/tr', ['a-z', 'A-Z'], { stdin: fromFile('small.txt') }),
  bin('tr -d', '/usr/bin/tr', ['-d', '0-9'], { stdin: 'a  1b   22c    333d\n' }),
  bin('tr -s', '/usr/bin/tr', ['-s', ' '], { stdin: 'a  1b   22c    333d\n' }),
  bin('cut -d: -f', '/usr/bin/cut', ['-d:', '-f1,3,7', `${D}/table.txt`]),
  bin('cut -c', '/usr/bin/cut', ['-c', '2-9'], { stdin: fromFile('small.txt') }),
  bin('paste', '/usr/bin/paste', [`${D}/join-a.txt`, `${D}/join-b.txt`]),
  bin('paste -s -d,', '/usr/bin/paste', ['-s', '-d,', `${D}/small.txt`]),
  bin('join', '/usr/bin/join', [`${D}/join-a.txt`, `${D}/join-b.txt`]),
  bin('nl', '/usr/bin/nl', ['-ba', `${D}/small.txt`]),
  bin('tac', '/usr/bin/tac', [`${D}/small.txt`]),
  bin('fold -w', '/usr/bin/fold', ['-w', '23'], { stdin: fromFile('words.txt') }),
  bin('seq', '/usr/bin/seq', ['1', '100']),
  bin('seq -s -w float', '/usr/bin/seq', ['-s', ',', '-w', '0.5', '0.25', '3']),
  bin('expr arithmetic', '/usr/bin/expr', ['6', '*', '7', '+', '100', '/', '3']),
  bin('expr length match', '/usr/bin/expr', ['length', 'hello-ferry']),
  bin('expr false', '/usr/bin/expr', ['3', '>', '5'], { nativeStatus: 1 }),
  bin('basename', '/usr/bin/basename', ['/usr/lib/file.tar.gz', '.gz']),
  bin('dirname', '/usr/bin/dirname', ['/usr/lib/file.tar.gz', 'relative/x', '/']),
  bin('md5sum', '/usr/bin/md5sum', [`${D}/words.txt`, `${D}/small.txt`]),
  bin('sha256sum', '/usr/bin/sha256sum', [`${D}/words.txt`]),
  bin('sha1sum stdin', '/usr/bin/sha1sum', [], { stdin: fromFile('table.txt') }),
  bin('sha512sum', '/usr/bin/sha512sum', [`${D}/nums.txt`]),
  bin('base64', '/usr/bin/base64', [`${D}/small.txt`]),
  bin('base64 -d', '/usr/bin/base64', ['-d'], { stdin: fromFile('b64.txt') }),
  bin('od -A x -t x1z', '/usr/bin/od', ['-A', 'x', '-t', 'x1z', `${D}/small.txt`]),
  bin('od -c -t d4', '/usr/bin/od', ['-t', 'd4', '-N', '64', `${D}/tree/data/blob.bin`]),
  bin('factor', '/usr/bin/factor', ['1234567', '600851475143', '18446744073709551557', '1']),
  bin('date -u -d @0', '/bin/date', ['-u', '-d', '@0']),
  bin('date format', '/bin/date', ['-u', '-d', '@1700000000', '+%F %T %A %j %s %Z']),
  bin('stat -c', '/usr/bin/stat', ['-c', '%n %s %Y %F %a', `${D}/tree/README`, `${D}/tree/docs/guide.txt`, `${D}/tree/docs/empty.txt`, `${D}/tree/script.sh`, `${D}/tree/src/util`]),
  bin('ls -la', '/bin/ls', ['-la', '--time-style=+%s', `${D}/tree/src`, `${D}/tree/docs`]),
  bin('ls -lR', '/bin/ls', ['-lR', '--time-style=+%s', `${D}/tree`]),
  bin('find -type f', '/usr/bin/find', [`${D}/tree`, '-type', 'f']),
  bin('find -printf', '/usr/bin/find', [`${D}/tree`, '-name', '*.[ch]', '-printf', '%P %s %T@ %m\\n']),
  bin('grep -E', '/bin/grep', ['-E', '^(apple|fig) [0-9]+$', `${D}/small.txt`]),
  bin('grep -c -i', '/bin/grep', ['-c', '-i', 'alpha'], { stdin: fromFile('words.txt') }),
  bin('grep -n -v', '/bin/grep', ['-n', '-v', 'a', `${D}/small.txt`]),
  bin('grep -o -w', '/bin/grep', ['-o', '-w', '-E', 'user[0-9]+:x:10[0-9]{2}', `${D}/table.txt`]),
  bin('grep no match', '/bin/grep', ['zzzz', `${D}/small.txt`], { nativeStatus: 1 }),
  bin('grep -r', '/bin/grep', ['-r', '-l', 'int', `${D}/tree`]),
  bin('sed s///g', '/bin/sed', ['s/a/A/g; s/[0-9]\\+/<&>/'], { stdin: fromFile('small.txt') }),
  bin('sed -n range', '/bin/sed', ['-n', '2,5p;$=', `${D}/words.txt`]),
  bin('sed -E -f', '/bin/sed', ['-f', `${D}/prog.sed`, `${D}/small.txt`]),
  bin('mawk sum', '/usr/bin/mawk', ['{ s += $1 } END { print s, NR, s / NR }', `${D}/nums.txt`]),
  bin('mawk -F:', '/usr/bin/mawk', ['-F:', '$3 > 1030 { printf "%-8s %5d %s\\n", $1, $3, $7 }', `${D}/table.txt`]),
  bin('gawk -f', '/usr/bin/gawk', ['-f', `${D}/prog.awk`, `${D}/small.txt`]),
  bin('gawk functions', '/usr/bin/gawk', ['BEGIN { printf "%.6f %d %s %s\\n", atan2(0, -1), length("ferry"), toupper(substr("emulator", 3, 4)), sprintf("%05x", 48879); n = split("a:b:c", arr, ":"); print n, arr[3] }']),
  bin('diff', '/usr/bin/diff', [`${D}/diff-a.txt`, `${D}/diff-b.txt`], { nativeStatus: 1 }),
  bin('diff -u', '/usr/bin/diff', ['-u', '--label', 'a', '--label', 'b', `${D}/diff-a.txt`, `${D}/diff-b.txt`], { nativeStatus: 1 }),
  bin('diff same', '/usr/bin/diff', [`${D}/diff-a.txt`, `${D}/diff-a.txt`]),
  bin('cmp differ', '/usr/bin/cmp', [`${D}/diff-a.txt`, `${D}/diff-b.txt`], { nativeStatus: 1 }),
  bin('cmp same', '/usr/bin/cmp', [`${D}/words.txt`, `${D}/words.txt`]),
  bin('xz -9 stdin', '/usr/bin/xz', ['-9', '-c'], { stdin: fromFile('words.txt') }),
  bin('xz -d stdin', '/usr/bin/xz', ['-d', '-c'], { stdin: fromFile('words.txt.xz') }),
  bin('xz -t -v', '/usr/bin/xz', ['-t', `${D}/words.txt.xz`]),
  bin('bc -l', '/usr/bin/bc', ['-l', '-q', `${D}/calc.bc`], { stdin: '' }),
  bin('bc stdin', '/usr/bin/bc', [], { stdin: '2^100\n1000003 * 999983\nscale=20; 1/7\nobase=16; 255\n' }),
  bin('bash loops', '/bin/bash', ['-c', BASH_LOOPS]),
  bin('bash functions', '/bin/bash', ['-c', BASH_FUNCS]),
  bin('bash arithmetic', '/bin/bash', ['-c', BASH_ARITH]),
  bin('bash strings here-string', '/bin/bash', ['-c', BASH_STRINGS]),
  bin('bash control', '/bin/bash', ['-c', BASH_CONTROL], { nativeStatus: 4 }),
  bin('bash pipes', '/bin/bash', ['-c', BASH_PIPE]),
  bin('bash xz round trip', '/bin/bash', ['-c', BASH_XZ]),
  bin('bash script stdin', '/bin/bash', ['-s', 'arg1'], { stdin: 'echo "args: $@"\nfor f in 3 2 1; do echo "count $f"; done\necho done\n' }),
  bin('sh -c', '/bin/sh', ['-c', 'x=3; while [ $x -gt 0 ]; do echo dash $x; x=$((x - 1)); done; echo "${HOME:-unset}" $TZ']),
  bin('sh script file', `${D}/script.sh`, ['alpha', 'beta'], { nativeStatus: 3 }),
  bin('ld.so runs echo', '/lib64/ld-linux-x86-64.so.2', ['/bin/echo', 'hi']),
  bin('ld.so --verify', '/lib64/ld-linux-x86-64.so.2', ['--verify', '/bin/true']),
  bin('true', '/bin/true', []),
  bin('false', '/bin/false', [], { nativeStatus: 1 }),
  bin('env', '/usr/bin/env', []),
  bin('env -i', '/usr/bin/env', ['-i', 'A=1', 'B=2', '/usr/bin/env']),
  bin('busybox echo', '/usr/bin/busybox', ['echo', 'busybox', 'says', 'hi']),
  bin('busybox wc', '/usr/bin/busybox', ['wc', `${D}/words.txt`]),
  bin('busybox sort -n', '/usr/bin/busybox', ['sort', '-n', `${D}/nums.txt`]),
  bin('busybox sha256sum', '/usr/bin/busybox', ['sha256sum', `${D}/words.txt`]),
  bin('busybox md5sum stdin', '/usr/bin/busybox', ['md5sum'], { stdin: fromFile('table.txt') }),
  bin('busybox awk', '/usr/bin/busybox', ['awk', '-F:', '{ n[$7]++ } END { for (k in n) print k, n[k] }', `${D}/table.txt`]),
  bin('busybox sed', '/usr/bin/busybox', ['sed', '-n', 's/^\\(user0[0-9]\\).*/\\1/p', `${D}/table.txt`]),
  bin('busybox seq', '/usr/bin/busybox', ['seq', '5', '3', '40']),
  bin('busybox expr', '/usr/bin/busybox', ['expr', '123', '*', '456']),
  bin('busybox tr', '/usr/bin/busybox', ['tr', 'a-y', 'b-z'], { stdin: 'hal\n' }),
  bin('busybox sh -c', '/usr/bin/busybox', ['sh', '-c', 'i=0; while [ $i -lt 4 ]; do echo ash $i; i=$((i+1)); done']),
  bin('busybox od', '/usr/bin/busybox', ['od', '-x', `${D}/small.txt`]),
  bin('sqlite3 script stdin', '/usr/bin/sqlite3', [':memory:'], { stdin: fromFile('script.sql') }),
  bin('sqlite3 -csv -header', '/usr/bin/sqlite3', ['-csv', '-header', ':memory:', 'CREATE TABLE t(a, b); INSERT INTO t VALUES (1, "x"), (2, "y,z"), (3, NULL);', 'SELECT a, b, a * 1.5 FROM t;']),
  bin('sqlite3 file db', '/bin/bash', ['-c', `/usr/bin/sqlite3 "$1/db.sqlite" < ${D}/script.sql && /usr/bin/sqlite3 "$1/db.sqlite" "SELECT count(*) FROM people;"`, 'sqlite', '@TMP@']),
  bin('python3 arithmetic', '/usr/bin/python3', ['-c', PY_ARITH]),
  bin('python3 json', '/usr/bin/python3', ['-c', PY_JSON]),
  bin('python3 re', '/usr/bin/python3', ['-c', PY_RE]),
  bin('python3 sorted dict', '/usr/bin/python3', ['-c', PY_DICT]),
  bin('python3 loop hashlib', '/usr/bin/python3', ['-c', PY_LOOP]),
  bin('python3 exit status', '/usr/bin/python3', ['-c', PY_EXIT], { nativeStatus: 3 }),
  bin('python3 stdin script', '/usr/bin/python3', ['-'], { stdin: 'import sys\nprint(sum(int(x) for x in open(sys.argv[0] if False else "' + D + '/nums.txt")))\n' }),
  bin('perl basic', '/usr/bin/perl', ['-e', PERL_BASIC]),
  bin('perl regex', '/usr/bin/perl', ['-e', PERL_RE]),
  bin('perl file', '/usr/bin/perl', ['-e', PERL_FILE]),
  bin('perl sort exit', '/usr/bin/perl', ['-e', PERL_SORT], { nativeStatus: 2 }),
  bin('perl -ne', '/usr/bin/perl', ['-lane', 'print "$F[1] $F[0]" if $F[1] > 5'], { stdin: fromFile('small.txt') }),
];

export const CASES: CorpusCase[] = [...cCases(), ...DEBIAN_CASES];
