// Tests the syscall layer: the name and errno tables against the host's headers and libc, each
// handler through SyscallDispatcher with a fake context, and the qemu-style --strace lines.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AddressSpace, DEFAULT_MMAP_BASE, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE } from '../src/memory/address-space';
import { FakeMemory } from '../src/memory/fake-memory';
import { PAGE_SIZE, PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';
import { HostIo, SyscallContext } from '../syscalls/context';
import { SyscallDispatcher } from '../syscalls/dispatch';
import { Errno, SyscallError, errnoMessage } from '../syscalls/errno';
import { FdTable } from '../syscalls/fd-table';
import { NodeHostIo } from '../syscalls/host-io';
import { SYSCALL_NAMES, syscallNumber } from '../syscalls/names';
import { SYSCALL_TABLE } from '../syscalls/table';
import { PROT_NAMES, formatArg, formatFlags } from '../syscalls/trace-format';

const PAGE = BigInt(PAGE_SIZE);
const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const PID = 12345;
/** A page of guest data the tests write into, and one that is read-only. */
const DATA = 0x10_0000n;
const READ_ONLY = DATA + 4n * PAGE;

class FakeHostIo implements HostIo {
  readonly written = new Map<number, number[]>();
  input: number[] = [];
  read(_fd: number, len: number): Uint8Array {
    return Uint8Array.from(this.input.splice(0, len));
  }
  write(fd: number, bytes: Uint8Array): number {
    this.written.set(fd, [...(this.written.get(fd) ?? []), ...bytes]);
    return bytes.length;
  }
  text(fd: number): string {
    return Buffer.from(this.written.get(fd) ?? []).toString('latin1');
  }
}

function makeContext() {
  const mem = new FakeMemory();
  const space = new AddressSpace(mem);
  space.mmap(DATA, 4n * PAGE, RW, ANON | MAP_FIXED);
  space.mmap(READ_ONLY, PAGE, PROT_READ, ANON | MAP_FIXED);
  const host = new FakeHostIo();
  const exits: [number, boolean][] = [];
  const bases = { fs: 0n, gs: 0n };
  const ctx: SyscallContext = {
    mem,
    space,
    fds: FdTable.withStdio(),
    host,
    program: { exe: '/prog', argv: ['/prog'], envp: [], auxv: new Uint8Array(16) },
    process: { pid: PID, exit: (code, group) => void exits.push([code, group]) },
    cpu: {
      getFsBase: () => bases.fs,
      setFsBase: (v) => void (bases.fs = v),
      getGsBase: () => bases.gs,
      setGsBase: (v) => void (bases.gs = v),
    },
  };
  const put = (addr: bigint, data: string | Uint8Array): void =>
    mem.write(addr, typeof data === 'string' ? new TextEncoder().encode(data) : data);
  return { ctx, mem, space, host, exits, bases, put };
}

const nr = (name: string): number => {
  const value = syscallNumber(name);
  if (value === undefined) throw new Error(`no syscall ${name}`);
  return value;
};
const args = (...values: (bigint | number)[]): bigint[] =>
  [...values, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6).map((v) => BigInt.asUintN(64, BigInt(v)));
/** What the guest sees in RAX for -errno. */
const err = (errno: number): bigint => BigInt.asUintN(64, BigInt(-errno));

function call(ctx: SyscallContext, name: string, ...values: (bigint | number)[]): bigint {
  return new SyscallDispatcher({ report: () => undefined }).dispatch(ctx, nr(name), args(...values));
}

describe('tables checked against the host', () => {
  test('syscall names and numbers match asm/unistd_64.h exactly', () => {
    const header = fs.readFileSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h', 'utf8');
    const fromHeader: Record<number, string> = {};
    for (const [, name, number] of header.matchAll(/^#define __NR_(\w+)\s+(\d+)/gm)) fromHeader[Number(number)] = name;
    expect(Object.keys(fromHeader).length).toBeGreaterThan(350);
    expect({ ...SYSCALL_NAMES }).toEqual(fromHeader);
  });

  test('errno numbers match asm-generic/errno*.h and messages match glibc strerror', () => {
    const headers = ['errno-base.h', 'errno.h'].map((f) => fs.readFileSync(`/usr/include/asm-generic/${f}`, 'utf8')).join('\n');
    const fromHeader: Record<string, number> = {};
    for (const [, name, number] of headers.matchAll(/^#define\s+(E\w+)\s+(\d+)/gm)) fromHeader[name] = Number(number);
    expect({ ...Errno }).toEqual(fromHeader);
    const numbers = Object.values(fromHeader);
    const strerror = execFileSync('perl', ['-e', 'for (@ARGV) { $! = $_; print "$_\\t$!\\n" }', ...numbers.map(String)], { encoding: 'utf8' });
    for (const line of strerror.trim().split('\n')) {
      const [number, message] = line.split('\t');
      expect([Number(number), errnoMessage(Number(number))]).toEqual([Number(number), message]);
    }
  });

  test('every table entry is a named x86-64 syscall with at most six arguments', () => {
    for (const [number, entry] of SYSCALL_TABLE) {
      expect(SYSCALL_NAMES[number]).toBe(entry.name);
      expect(entry.args.length).toBeLessThanOrEqual(6);
    }
  });
});

describe('file handlers', () => {
  test('write sends guest bytes to the host fd; bad fd, bad buffer and short buffers', () => {
    const { ctx, host, put } = makeContext();
    put(DATA, 'hello, world\n');
    expect(call(ctx, 'write', 1, DATA, 13)).toBe(13n);
    expect(host.text(1)).toBe('hello, world\n');
    expect(call(ctx, 'write', 7, DATA, 13)).toBe(err(Errno.EBADF));
    expect(call(ctx, 'write', 1, 0x9000_0000n, 4)).toBe(err(Errno.EFAULT));
    expect(call(ctx, 'write', 2, DATA, 0)).toBe(0n);
    // The copy stops where the mapping ends (READ_ONLY + PAGE is unmapped).
    expect(call(ctx, 'write', 2, READ_ONLY + PAGE - 3n, 100)).toBe(3n);
  });

  test('read copies host input into guest memory, refusing read-only buffers', () => {
    const { ctx, mem, host } = makeContext();
    host.input = [...Buffer.from('abc')];
    expect(call(ctx, 'read', 0, DATA + 8n, 100)).toBe(3n);
    expect(Buffer.from(mem.read(DATA + 8n, 3)).toString()).toBe('abc');
    expect(call(ctx, 'read', 0, DATA, 10)).toBe(0n); // end of file
    host.input = [1];
    expect(call(ctx, 'read', 0, READ_ONLY, 1)).toBe(err(Errno.EFAULT));
    expect(call(ctx, 'read', 3, DATA, 1)).toBe(err(Errno.EBADF));
  });

  test('writev gathers the iovecs in order into one write', () => {
    const { ctx, host, put } = makeContext();
    put(DATA + 0x100n, 'Hello');
    put(DATA + 0x200n, ', ');
    put(DATA + 0x300n, 'iovec!\n');
    const iov = new DataView(new ArrayBuffer(64));
    const segments: [bigint, number][] = [[DATA + 0x100n, 5], [0n, 0], [DATA + 0x200n, 2], [DATA + 0x300n, 7]];
    segments.forEach(([base, len], i) => {
      iov.setBigUint64(i * 16, base, true);
      iov.setBigUint64(i * 16 + 8, BigInt(len), true);
    });
    put(DATA, new Uint8Array(iov.buffer));
    expect(call(ctx, 'writev', 1, DATA, 4)).toBe(14n);
    expect(host.text(1)).toBe('Hello, iovec!\n');
    expect(host.written.get(1)).toHaveLength(14);
    expect(call(ctx, 'writev', 1, DATA, -1)).toBe(err(Errno.EINVAL));
    expect(call(ctx, 'writev', 1, DATA, 1025)).toBe(err(Errno.EINVAL));
    expect(call(ctx, 'writev', 1, 0x9000_0000n, 1)).toBe(err(Errno.EFAULT));
    expect(call(ctx, 'writev', 1, DATA, 0)).toBe(0n);
  });
});

describe('memory handlers', () => {
  test('mmap, mprotect, mremap, munmap and brk reach the address space', () => {
    const { ctx, space } = makeContext();
    const a = call(ctx, 'mmap', 0, 3 * PAGE_SIZE, RW, ANON, -1, 0);
    expect(a).toBe(DEFAULT_MMAP_BASE - 3n * PAGE);
    expect(call(ctx, 'mprotect', a, PAGE_SIZE, PROT_READ)).toBe(0n);
    expect(space.find(a)?.prot).toBe(PROT_READ);
    expect(call(ctx, 'mremap', a + PAGE, 2n * PAGE, PAGE, 0)).toBe(a + PAGE);
    expect(call(ctx, 'munmap', a, 2n * PAGE)).toBe(0n);
    expect(space.find(a)).toBeUndefined();
    expect(call(ctx, 'munmap', a + 1n, PAGE)).toBe(err(Errno.EINVAL));
    space.initBrk(0x80_0000n);
    expect(call(ctx, 'brk', 0)).toBe(0x80_0000n);
    expect(call(ctx, 'brk', 0x80_2000n)).toBe(0x80_2000n);
  });

  test('mmap rejects an unaligned offset, a closed fd, and file mappings for now', () => {
    const { ctx } = makeContext();
    expect(call(ctx, 'mmap', 0, PAGE_SIZE, RW, ANON, -1, 5)).toBe(err(Errno.EINVAL));
    expect(call(ctx, 'mmap', 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 9, 0)).toBe(err(Errno.EBADF));
    expect(call(ctx, 'mmap', 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 0, 0)).toBe(err(Errno.ENODEV));
  });
});

describe('process handlers', () => {
  test('exit and exit_group pass the low 8 bits of the code and whether the group ends', () => {
    const { ctx, exits } = makeContext();
    call(ctx, 'exit', 3);
    call(ctx, 'exit_group', 0x1ff);
    expect(exits).toEqual([[3, false], [0xff, true]]);
  });

  test('getpid returns the process pid', () => {
    expect(call(makeContext().ctx, 'getpid')).toBe(BigInt(PID));
  });

  test('uname fills struct utsname like the host kernel', () => {
    const { ctx, mem } = makeContext();
    expect(call(ctx, 'uname', DATA)).toBe(0n);
    const field = (i: number): string => {
      const bytes = mem.read(DATA + BigInt(i * 65), 65);
      return Buffer.from(bytes.subarray(0, bytes.indexOf(0))).toString();
    };
    expect([0, 1, 2, 3, 4].map(field)).toEqual([
      'Linux', os.hostname(), os.release(), os.version(), 'x86_64',
    ]);
    expect(execFileSync('uname', ['-srm'], { encoding: 'utf8' }).trim()).toBe(`${field(0)} ${field(2)} ${field(4)}`);
    expect(call(ctx, 'uname', READ_ONLY)).toBe(err(Errno.EFAULT));
  });

  test('arch_prctl sets and gets the FS and GS bases', () => {
    const { ctx, mem, bases } = makeContext();
    const [SET_GS, SET_FS, GET_FS, GET_GS] = [0x1001, 0x1002, 0x1003, 0x1004];
    expect(call(ctx, 'arch_prctl', SET_FS, 0x7fff_1234_5000n)).toBe(0n);
    expect(call(ctx, 'arch_prctl', SET_GS, 0x4000n)).toBe(0n);
    expect(bases).toEqual({ fs: 0x7fff_1234_5000n, gs: 0x4000n });
    expect(call(ctx, 'arch_prctl', GET_FS, DATA)).toBe(0n);
    expect(call(ctx, 'arch_prctl', GET_GS, DATA + 8n)).toBe(0n);
    const view = new DataView(mem.read(DATA, 16).buffer);
    expect([view.getBigUint64(0, true), view.getBigUint64(8, true)]).toEqual([0x7fff_1234_5000n, 0x4000n]);
    expect(call(ctx, 'arch_prctl', GET_FS, READ_ONLY)).toBe(err(Errno.EFAULT));
    expect(call(ctx, 'arch_prctl', SET_FS, 0x8000_0000_0000n)).toBe(err(Errno.EPERM));
    expect(call(ctx, 'arch_prctl', 0x1011, 0)).toBe(err(Errno.EINVAL));
  });
});

describe('SyscallDispatcher', () => {
  test('unknown syscalls return -ENOSYS and are reported once, by name when Linux has one', () => {
    const { ctx } = makeContext();
    const reports: string[] = [];
    const dispatcher = new SyscallDispatcher({ report: (message) => reports.push(message) });
    expect(dispatcher.dispatch(ctx, 999, args())).toBe(err(38));
    expect(dispatcher.dispatch(ctx, 999, args())).toBe(err(38));
    expect(dispatcher.dispatch(ctx, nr('acct'), args())).toBe(2n ** 64n - 38n);
    expect(reports).toEqual([
      'ferry: unimplemented syscall 999 (reported once)',
      'ferry: unimplemented syscall acct (reported once)',
    ]);
  });

  test('strace lines look like qemu-user -strace', () => {
    const { ctx, put, space } = makeContext();
    let trace = '';
    const dispatcher = new SyscallDispatcher({ strace: true, trace: (text) => (trace += text), report: () => undefined });
    const run = (name: string | number, ...values: (bigint | number)[]): void =>
      void dispatcher.dispatch(ctx, typeof name === 'number' ? name : nr(name), args(...values));
    put(DATA, 'hello\n');
    put(DATA + 0x100n, 'x'.repeat(50));
    space.initBrk(0x60_0000n);

    run('write', 1, DATA, 6);
    run('write', 1, DATA + 0x100n, 50);
    run('read', 9, DATA, 1);
    run('mmap', 0, 8192, RW, ANON, -1, 0);
    run('mprotect', DATA, 4096, 0);
    run('brk', 0);
    run('arch_prctl', 0x1002, 0x4000);
    run('acct', DATA, 0);
    run(999);
    run('exit_group', 3);

    // Written by hand after qemu-x86_64 -strace output.
    expect(trace).toBe([
      '12345 write(1,"hello\\12",6) = 6',
      `12345 write(1,"${'x'.repeat(40)}"...,50) = 50`,
      '12345 read(9,0x100000,1) = -1 errno=9 (Bad file descriptor)',
      '12345 mmap(NULL,8192,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0) = 0x00007ffff7ffd000',
      '12345 mprotect(0x100000,4096,PROT_NONE) = 0',
      '12345 brk(NULL) = 0x0000000000600000',
      '12345 arch_prctl(ARCH_SET_FS,0x4000) = 0',
      '12345 acct(1048576,0,0,0,0,0) = -1 errno=38 (Function not implemented)',
      '12345 Unknown syscall 999 = -1 errno=38 (Function not implemented)',
      '12345 exit_group(3)',
      '',
    ].join('\n'));
  });

  test('strace decodes strings, unreadable pointers and leftover flag bits', () => {
    const { ctx, put } = makeContext();
    put(DATA, '/etc/passwd\0');
    const a = args();
    expect(formatArg(ctx, 'string', DATA, a)).toBe('"/etc/passwd"');
    expect(formatArg(ctx, 'string', 0x9000_0000n, a)).toBe('0x90000000');
    expect(formatArg(ctx, 'ptr', 0n, a)).toBe('NULL');
    expect(formatArg(ctx, 'fd', 2n ** 64n - 100n, a)).toBe('-100');
    expect(formatArg(ctx, 'mmapFlags', BigInt(MAP_PRIVATE | MAP_FIXED | 0x80000000), a)).toBe('MAP_PRIVATE|MAP_FIXED|0x80000000');
    expect(formatFlags(PROT_NAMES, PROT_READ | 0x10)).toBe('PROT_READ|0x10');
    expect(formatFlags(PROT_NAMES, 0)).toBe('PROT_NONE');
  });

  test('a handler that throws anything but a fault or an errno propagates', () => {
    const { ctx } = makeContext();
    const exitSignal = new Error('guest exited');
    ctx.process.exit = () => {
      throw exitSignal;
    };
    expect(() => call(ctx, 'exit_group', 0)).toThrow(exitSignal);
  });
});

describe('NodeHostIo', () => {
  test('writes and reads host fds, returns an empty read at end of file, and maps errors to errno', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-hostio-')), 'data');
    const io = new NodeHostIo();
    const fd = fs.openSync(file, 'w+');
    try {
      expect(io.write(fd, Buffer.from('guest bytes'))).toBe(11);
      const reader = fs.openSync(file, 'r');
      expect(Buffer.from(io.read(reader, 100)).toString()).toBe('guest bytes');
      expect(io.read(reader, 100)).toHaveLength(0);
      fs.closeSync(reader);
      expect(() => io.read(reader, 1)).toThrow(expect.objectContaining({ errno: Errno.EBADF }));
      expect(() => io.read(reader, 1)).toThrow(SyscallError);
    } finally {
      fs.closeSync(fd);
    }
  });
});
