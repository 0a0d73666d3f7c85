// File syscalls end to end: the freestanding probe (test/programs/fsprobe.c) runs natively and under
// Ferry, each in a fresh directory, and must print the same lines; inside a guest root the native
// oracle is the same probe under chroot(8). Then /proc/self files through the handlers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, comparableRuns, runFerryCli, runNative, type Env, type RunResult } from './harness/run-compare';
import { AddressSpace, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE } from '../src/memory/address-space';
import { FakeMemory } from '../src/memory/fake-memory';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';
import { SyscallContext } from '../syscalls/context';
import { SyscallDispatcher } from '../syscalls/dispatch';
import { FdTable } from '../syscalls/fd-table';
import { GuestFs } from '../syscalls/fs/guest-fs';
import { NodeHostIo } from '../syscalls/host-io';
import { syscallNumber } from '../syscalls/names';

const BUILD = path.join(REPO_ROOT, 'build', 'fs-programs');
const ENV: Env = { HOME: '/nonexistent', LANG: 'C' };
const LINK_MODES = ['static', 'pie'] as const;

let scratch = '';
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-fs-'));
});
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A fresh empty directory for one run, so that native and Ferry runs start from the same state. */
function freshDir(label: string): string {
  return fs.mkdtempSync(path.join(scratch, `${label}-`));
}

function runFerry(args: string[]): RunResult {
  return runFerryCli(['run', ...args], ENV);
}

describe.each(LINK_MODES)('fsprobe (%s)', (mode) => {
  const program = path.join(BUILD, `fsprobe.${mode}`);

  test('native and Ferry --root / print the same', () => {
    const native = runNative(program, [freshDir('native'), 'last-arg'], ENV);
    expect(native.failure).toBeUndefined();
    expect(native.status).toBe(0);
    const text = native.stdout.toString('utf8');
    // The oracle itself must have exercised the calls: a broken probe cannot pass by accident.
    expect(text).toContain(`exe ${fs.realpathSync(program).length} [${fs.realpathSync(program)}]`);
    expect(text).toContain('dir sub: .(4) ..(4) deep(4) inner.txt(8) moved(8)');
    expect(text).toContain('read pipe 4 [ping]');
    const ferry = runFerry(['--root', '/', program, freshDir('ferry'), 'last-arg']);
    const [expected, actual] = comparableRuns(native, ferry);
    expect(actual).toEqual(expected);
  });

  test('the default root is / too', () => {
    const native = runNative(program, [freshDir('native'), 'noproc'], ENV);
    const ferry = runFerry([program, freshDir('ferry'), 'noproc']);
    const [expected, actual] = comparableRuns(native, ferry);
    expect(actual).toEqual(expected);
  });

  describe('inside a guest root', () => {
    let root = '';
    beforeAll(() => {
      root = freshDir('root');
      fs.mkdirSync(path.join(root, 'bin'));
      fs.copyFileSync(program, path.join(root, 'bin', 'fsprobe'));
      fs.chmodSync(path.join(root, 'bin', 'fsprobe'), 0o755);
    });

    function workDir(name: string): string {
      fs.mkdirSync(path.join(root, name));
      return '/' + name;
    }

    test('matches the same probe under a native chroot', () => {
      // The guest's environment has no PATH, so the command is found here.
      const chrootBin = ['/usr/sbin/chroot', '/sbin/chroot', '/usr/bin/chroot'].find((f) => fs.existsSync(f)) ?? 'chroot';
      const native = runNative(chrootBin, [root, '/bin/fsprobe', workDir('native'), 'noproc'], ENV);
      // Without the oracle there is nothing to compare with: that is a failure, not a pass.
      if (native.failure || native.status !== 0) {
        const stderr = native.stderr.toString().trim();
        throw new Error(`the native oracle, ${chrootBin} ${root} /bin/fsprobe, did not run (chroot(2) needs root): ` +
          `${native.failure ?? `status ${native.status}`}${stderr ? `: ${stderr}` : ''}`);
      }
      expect(native.stdout.toString()).toContain('stat subl/deep = 0');
      const ferry = runFerry(['--root', root, '/bin/fsprobe', workDir('ferry'), 'noproc']);
      const [expected, actual] = comparableRuns(native, ferry);
      expect(actual).toEqual(expected);
    });

    test('/proc/self and /dev are synthesized inside the root; exe is the path inside it', () => {
      // Oracle: the native run outside any root; only the executable's path and name differ.
      const native = runNative(program, [freshDir('native'), 'last-arg'], ENV);
      const real = fs.realpathSync(program);
      const expectedText = native.stdout.toString('utf8')
        .replace(`exe ${real.length} [${real}]`, 'exe 12 [/bin/fsprobe]')
        .replace(`[Name:\t${path.basename(program)}]`, '[Name:\tfsprobe]');
      const ferry = runFerry(['--root', root, '/bin/fsprobe', workDir('ferry-proc'), 'last-arg']);
      expect({ status: ferry.status, stderr: ferry.stderr.toString(), stdout: ferry.stdout.toString('utf8') })
        .toEqual({ status: 0, stderr: '', stdout: expectedText });
    });
  });
});

describe('--root errors', () => {
  test('a missing root directory is a one-line usage error', () => {
    const result = runFerry(['--root', path.join(scratch, 'no-such-root'), path.join(BUILD, 'fsprobe.static'), '/']);
    expect(result.stderr.toString()).toMatch(/^ferry: [^\n]*no-such-root[^\n]*\n$/);
    expect(result.status).toBe(2);
  });
});

describe('/proc/self files through the handlers', () => {
  const DATA = 0x10_0000n;
  const BUF = DATA + 0x4000n;

  function context(exePath: string) {
    const mem = new FakeMemory();
    const space = new AddressSpace(mem);
    space.mmap(DATA, 16n * BigInt(PAGE_SIZE), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    // A file mapping of a real file, so that its device and inode can be checked against stat.
    space.record(0x40_0000n, BigInt(PAGE_SIZE), PROT_READ | PROT_EXEC, exePath, MAP_PRIVATE, 0x1000n);
    space.record(0x7fff_fffd_e000n, 0x21000n, PROT_READ | PROT_WRITE, '[stack]');
    const auxv = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const ctx: SyscallContext = {
      mem, space, fds: FdTable.withStdio(), host: new NodeHostIo(), fs: new GuestFs('/'),
      program: { exe: exePath, argv: ['prog', 'a b', ''], envp: ['X=1', 'EMPTY='], auxv },
      process: { pid: 777, exit: () => undefined } as unknown as SyscallContext['process'],
      cpu: { getFsBase: () => 0n, setFsBase: () => undefined, getGsBase: () => 0n, setGsBase: () => undefined },
    };
    return ctx;
  }

  function call(ctx: SyscallContext, name: string, ...args: (bigint | number)[]): number {
    const values = [...args, 0, 0, 0, 0, 0, 0].slice(0, 6).map((v) => BigInt.asUintN(64, BigInt(v)));
    return Number(BigInt.asIntN(64, new SyscallDispatcher({ report: () => undefined }).dispatch(ctx, syscallNumber(name)!, values)));
  }

  function readWhole(ctx: SyscallContext, guestPath: string): Buffer {
    ctx.mem.write(DATA, Buffer.from(guestPath + '\0'));
    const fd = call(ctx, 'open', DATA, 0, 0);
    expect(fd).toBeGreaterThanOrEqual(3);
    const chunks: Buffer[] = [];
    for (let n; (n = call(ctx, 'read', fd, BUF, 100)) > 0;) chunks.push(Buffer.from(ctx.mem.read(BUF, n)));
    call(ctx, 'close', fd);
    return Buffer.concat(chunks);
  }

  test('cmdline, environ and auxv are the process image; /proc/<pid> is /proc/self', () => {
    const ctx = context('/bin/true');
    expect(readWhole(ctx, '/proc/self/cmdline').toString('latin1')).toBe('prog\0a b\0\0');
    expect(readWhole(ctx, '/proc/777/environ').toString('latin1')).toBe('X=1\0EMPTY=\0');
    expect([...readWhole(ctx, '/proc/self/auxv')]).toEqual([...ctx.program.auxv]);
    expect(readWhole(ctx, '/proc/self/status').toString()).toMatch(/^Name:\ttrue\n(.*\n)*Pid:\t777\n/);
    expect(readWhole(ctx, '/proc/self/stat').toString().split(' ').slice(0, 3)).toEqual(['777', '(true)', 'R']);
  });

  test('maps has the kernel layout: field widths and the name column of the host kernel', () => {
    const exe = fs.realpathSync(process.execPath);
    const ctx = context(exe);
    const lines = readWhole(ctx, '/proc/self/maps').toString().split('\n').filter(Boolean);
    // The oracle for the layout: this very process's maps from the host kernel.
    const hostNamed = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').find((l) => l.endsWith('[stack]'))!;
    const nameColumn = hostNamed.indexOf('[stack]');
    const stat = fs.statSync(exe);
    const major = (stat.dev >> 8) & 0xfff;
    const minor = (stat.dev & 0xff) | ((stat.dev >> 12) & 0xfff00);
    const dev = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
    expect(lines).toEqual([
      '00100000-00110000 rw-p 00000000 00:00 0 ',
      `00400000-00401000 r-xp 00001000 ${dev} ${stat.ino}`.padEnd(nameColumn, ' ') + exe,
      '7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0'.padEnd(nameColumn, ' ') + '[stack]',
    ]);
  });
});
