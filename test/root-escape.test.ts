// The guest root holds: a temporary root with a decoy file named like a secret outside it, then
// every kind of escape (.., absolute and relative symlinks, /proc/self/root and cwd, dirfds, and
// the targets of rename, link and symlink) must stay inside. Runs the syscall handlers directly.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AddressSpace, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE } from '../src/memory/address-space';
import { FakeMemory } from '../src/memory/fake-memory';
import { PAGE_SIZE, PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';
import { SyscallContext } from '../syscalls/context';
import { SyscallDispatcher } from '../syscalls/dispatch';
import { Errno, errnoByName } from '../syscalls/errno';
import { FdTable } from '../syscalls/fd-table';
import { AT_FDCWD, AT_REMOVEDIR, O_CREAT, O_DIRECTORY, O_RDONLY, O_WRONLY } from '../syscalls/fs/constants';
import { GuestFs } from '../syscalls/fs/guest-fs';
import { NodeHostIo } from '../syscalls/host-io';
import { syscallNumber } from '../syscalls/names';

const DATA = 0x10_0000n;
const BUF = DATA + 0x8000n;
const FDCWD = BigInt.asUintN(64, BigInt(AT_FDCWD));

let outer = '';
let root = '';

beforeEach(() => {
  outer = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-escape-')));
  root = path.join(outer, 'root');
  fs.mkdirSync(path.join(root, 'dir', 'deeper'), { recursive: true });
  fs.writeFileSync(path.join(outer, 'secret'), 'OUTSIDE');
  fs.writeFileSync(path.join(root, 'secret'), 'INSIDE');
  fs.symlinkSync('/../../secret', path.join(root, 'abs-link'));
  fs.symlinkSync('../../../secret', path.join(root, 'dir', 'rel-link'));
  fs.symlinkSync(path.join(outer, 'secret'), path.join(root, 'host-abs-link'));
  fs.symlinkSync(outer, path.join(root, 'host-dir-link'));
  fs.symlinkSync('..', path.join(root, 'up'));
  fs.symlinkSync('self-loop', path.join(root, 'self-loop'));
});

afterEach(() => {
  fs.rmSync(outer, { recursive: true, force: true });
});

function makeContext(cwd = root): SyscallContext {
  const mem = new FakeMemory();
  const space = new AddressSpace(mem);
  space.mmap(DATA, BigInt(16 * PAGE_SIZE), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  return {
    mem, space, fds: FdTable.withStdio(), host: new NodeHostIo(), fs: new GuestFs(root, cwd),
    program: { exe: '/bin/prog', argv: ['/bin/prog'], envp: [], auxv: new Uint8Array(16) },
    process: { pid: 4242, exit: () => undefined, kill: () => undefined } as unknown as SyscallContext['process'],
    cpu: { getFsBase: () => 0n, setFsBase: () => undefined, getGsBase: () => 0n, setGsBase: () => undefined },
  };
}

/** Guest strings live one per 256-byte slot in the data page. */
let slot = 0;
function str(ctx: SyscallContext, text: string): bigint {
  const addr = DATA + BigInt((slot++ % 64) * 256);
  ctx.mem.write(addr, new TextEncoder().encode(text + '\0'));
  return addr;
}

function call(ctx: SyscallContext, name: string, ...args: (bigint | number)[]): number {
  const nr = syscallNumber(name);
  if (nr === undefined) throw new Error(name);
  const values = [...args, 0, 0, 0, 0, 0, 0].slice(0, 6).map((v) => BigInt.asUintN(64, BigInt(v)));
  return Number(BigInt.asIntN(64, new SyscallDispatcher({ report: () => undefined }).dispatch(ctx, nr, values)));
}

/** Opens a guest path (relative to dirfd) and reads it: the contents, or the -errno. */
function readThrough(ctx: SyscallContext, guestPath: string, dirfd: bigint | number = FDCWD): string | number {
  const fd = call(ctx, 'openat', dirfd, str(ctx, guestPath), O_RDONLY);
  if (fd < 0) return fd;
  const n = call(ctx, 'read', fd, BUF, 100);
  call(ctx, 'close', fd);
  if (n < 0) return n;
  return Buffer.from(ctx.mem.read(BUF, n)).toString();
}

function readlink(ctx: SyscallContext, guestPath: string): string | number {
  const n = call(ctx, 'readlink', str(ctx, guestPath), BUF, 200);
  return n < 0 ? n : Buffer.from(ctx.mem.read(BUF, n)).toString();
}

describe('paths stay inside the root', () => {
  test('.. at the root stays at the root', () => {
    const ctx = makeContext();
    expect(readThrough(ctx, '../secret')).toBe('INSIDE');
    expect(readThrough(ctx, '/../../../secret')).toBe('INSIDE');
    expect(readThrough(ctx, 'dir/deeper/../../../../secret')).toBe('INSIDE');
  });

  test('absolute symlinks are re-rooted, relative ones cannot climb out', () => {
    const ctx = makeContext();
    expect(readThrough(ctx, 'abs-link')).toBe('INSIDE');
    expect(readThrough(ctx, 'dir/rel-link')).toBe('INSIDE');
    expect(readThrough(ctx, 'up/up/secret')).toBe('INSIDE');
    // A link holding the host's own path names <root><that path>, which does not exist.
    expect(readThrough(ctx, 'host-abs-link')).toBe(-Errno.ENOENT);
    expect(readThrough(ctx, 'host-dir-link/secret')).toBe(-Errno.ENOENT);
  });

  test('/proc/self/root and /proc/self/cwd lead back into the root', () => {
    const ctx = makeContext(path.join(root, 'dir'));
    expect(readlink(ctx, '/proc/self/root')).toBe('/');
    expect(readlink(ctx, '/proc/self/cwd')).toBe('/dir');
    expect(readThrough(ctx, '/proc/self/root/../secret')).toBe('INSIDE');
    expect(readThrough(ctx, '/proc/self/cwd/../../secret')).toBe('INSIDE');
    expect(readThrough(ctx, '/proc/4242/root/../../secret')).toBe('INSIDE');
    expect(readThrough(ctx, '/proc/self/cwd/rel-link')).toBe('INSIDE');
  });

  test('openat with directory fds resolves from the fd inside the root', () => {
    const ctx = makeContext();
    const dirfd = call(ctx, 'openat', FDCWD, str(ctx, 'dir/deeper'), O_RDONLY | O_DIRECTORY);
    expect(dirfd).toBeGreaterThanOrEqual(3);
    expect(readThrough(ctx, '../../../../secret', dirfd)).toBe('INSIDE');
    expect(readThrough(ctx, '/secret', dirfd)).toBe('INSIDE');
    const rootfd = call(ctx, 'openat', FDCWD, str(ctx, '/'), O_RDONLY | O_DIRECTORY);
    expect(readThrough(ctx, '..', rootfd)).toBe(-Errno.EISDIR); // the root directory itself
    expect(readThrough(ctx, '../secret', rootfd)).toBe('INSIDE');
  });

  test('the cwd cannot leave: chdir .. at the root, getcwd in guest form', () => {
    const ctx = makeContext();
    expect(call(ctx, 'chdir', str(ctx, '../../..'))).toBe(0);
    const n = call(ctx, 'getcwd', BUF, 100);
    expect(Buffer.from(ctx.mem.read(BUF, n)).toString()).toBe('/\0');
    expect(call(ctx, 'chdir', str(ctx, 'host-dir-link'))).toBe(-Errno.ENOENT);
    expect(readThrough(ctx, 'secret')).toBe('INSIDE');
  });

  test('a host cwd outside the root starts the guest at /', () => {
    const ctx = makeContext(outer);
    const n = call(ctx, 'getcwd', BUF, 100);
    expect(Buffer.from(ctx.mem.read(BUF, n)).toString()).toBe('/\0');
  });
});

describe('calls that create files create them inside the root', () => {
  // lstat: a symlink counts as created even when its text means nothing on the host.
  const exists = (file: string) => fs.lstatSync(file, { throwIfNoEntry: false }) !== undefined;
  const outside = (name: string) => exists(path.join(outer, name));
  const inside = (name: string) => exists(path.join(root, name));

  test('rename, link and symlink targets that climb out land in the root', () => {
    const ctx = makeContext();
    fs.writeFileSync(path.join(root, 'a'), 'a');
    fs.writeFileSync(path.join(root, 'b'), 'b');
    expect(call(ctx, 'renameat', FDCWD, str(ctx, 'a'), FDCWD, str(ctx, '../../renamed'))).toBe(0);
    expect([outside('renamed'), inside('renamed')]).toEqual([false, true]);
    expect(call(ctx, 'renameat2', FDCWD, str(ctx, 'b'), FDCWD, str(ctx, 'up/up/renamed2'), 0)).toBe(0);
    expect([outside('renamed2'), inside('renamed2')]).toEqual([false, true]);
    expect(call(ctx, 'linkat', FDCWD, str(ctx, '/../secret'), FDCWD, str(ctx, '/../../linked'), 0)).toBe(0);
    expect([outside('linked'), inside('linked')]).toEqual([false, true]);
    expect(fs.readFileSync(path.join(root, 'linked'), 'utf8')).toBe('INSIDE');
    expect(call(ctx, 'symlinkat', str(ctx, '/../secret'), FDCWD, str(ctx, '../../sym'))).toBe(0);
    expect([outside('sym'), inside('sym')]).toEqual([false, true]);
    expect(readThrough(ctx, 'sym')).toBe('INSIDE');
  });

  test('open O_CREAT and mkdir through links create inside the root', () => {
    const ctx = makeContext();
    const fd = call(ctx, 'openat', FDCWD, str(ctx, 'up/created'), O_CREAT | O_WRONLY, 0o644);
    expect(fd).toBeGreaterThanOrEqual(3);
    expect([outside('created'), inside('created')]).toEqual([false, true]);
    expect(call(ctx, 'mkdir', str(ctx, '/../newdir'), 0o755)).toBe(0);
    expect([outside('newdir'), inside('newdir')]).toEqual([false, true]);
    // Through a link to the host's own directory: <root><outer>/x, whose parent does not exist.
    expect(call(ctx, 'mkdir', str(ctx, 'host-dir-link/x'), 0o755)).toBe(-Errno.ENOENT);
    expect(call(ctx, 'openat', FDCWD, str(ctx, 'host-abs-link'), O_CREAT | O_WRONLY, 0o644)).toBe(-Errno.ENOENT);
    expect(fs.readFileSync(path.join(outer, 'secret'), 'utf8')).toBe('OUTSIDE');
  });

  test('unlink and rmdir cannot reach outside', () => {
    const ctx = makeContext();
    fs.mkdirSync(path.join(outer, 'victim-dir'));
    expect(call(ctx, 'unlink', str(ctx, '../secret'))).toBe(0);
    expect(fs.existsSync(path.join(outer, 'secret'))).toBe(true);
    expect(call(ctx, 'unlinkat', FDCWD, str(ctx, '../victim-dir'), AT_REMOVEDIR)).toBe(-Errno.ENOENT);
    expect(fs.existsSync(path.join(outer, 'victim-dir'))).toBe(true);
  });
});

describe('symlink loops', () => {
  /** A chain of n links, link0 -> link1 -> ... -> target, in dir (host path). */
  function chain(dir: string, n: number): string {
    fs.writeFileSync(path.join(dir, `target${n}`), 'END');
    for (let i = 0; i < n; i++) fs.symlinkSync(i === n - 1 ? `target${n}` : `c${n}-${i + 1}`, path.join(dir, `c${n}-${i}`));
    return `c${n}-0`;
  }

  test('ELOOP after as many links as the kernel follows', () => {
    const ctx = makeContext();
    expect(readThrough(ctx, 'self-loop')).toBe(-Errno.ELOOP);
    for (const n of [39, 40, 41, 45]) {
      const start = chain(root, n);
      // The oracle: the host kernel resolving the same chain.
      let native: string | number;
      try {
        native = fs.readFileSync(path.join(root, start), 'utf8');
      } catch (error) {
        native = -(errnoByName((error as NodeJS.ErrnoException).code ?? '') ?? 0);
      }
      expect([n, readThrough(ctx, start)]).toEqual([n, native]);
    }
  });
});
