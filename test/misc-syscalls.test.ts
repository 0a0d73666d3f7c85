// The sandbox answers for sockets, extended attributes and advice, and getgroups against `id -G`.
import { execFileSync } from 'child_process';
import { AddressSpace, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE } from '../src/memory/address-space';
import { FakeMemory } from '../src/memory/fake-memory';
import { PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';
import { SyscallContext } from '../syscalls/context';
import { SyscallDispatcher } from '../syscalls/dispatch';
import { FdTable } from '../syscalls/fd-table';
import { syscallNumber } from '../syscalls/names';

const DATA = 0x10000n;
function context(): SyscallContext {
  const mem = new FakeMemory();
  const space = new AddressSpace(mem);
  space.mmap(DATA, 0x1000n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  return {
    mem, space, fds: FdTable.withStdio(),
    host: { read: () => new Uint8Array(0), write: (_fd: number, b: Uint8Array) => b.length },
    process: { pid: 1, exit: () => undefined },
    cpu: { getFsBase: () => 0n, setFsBase: () => undefined, getGsBase: () => 0n, setGsBase: () => undefined },
    program: { exe: '/p', argv: ['/p'], envp: [], auxv: new Uint8Array(16) },
  } as unknown as SyscallContext;
}
const reports: string[] = [];
const dispatcher = new SyscallDispatcher({ report: (m) => reports.push(m) });
const call = (ctx: SyscallContext, name: string, ...args: bigint[]): bigint =>
  BigInt.asIntN(64, dispatcher.dispatch(ctx, syscallNumber(name)!, [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6)));

test('getgroups returns the host groups that `id -G` lists', () => {
  const ctx = context();
  const expected = execFileSync('id', ['-G']).toString().trim().split(/\s+/).map(Number).sort((a, b) => a - b);
  const n = Number(call(ctx, 'getgroups', 0n, 0n));
  expect(Number(call(ctx, 'getgroups', BigInt(n), DATA))).toBe(n);
  const view = new DataView(ctx.mem.read(DATA, n * 4).buffer);
  const got = Array.from({ length: n }, (_, i) => view.getUint32(i * 4, true));
  // id -G also lists the primary group, which getgroups may omit.
  for (const g of got) expect(expected).toContain(g);
});

test('sockets, socket calls on files, xattrs and advice answer without an unimplemented report', () => {
  const ctx = context();
  expect(call(ctx, 'socket', 1n, 1n, 0n)).toBe(-97n);            // EAFNOSUPPORT
  expect(call(ctx, 'getpeername', 1n, DATA, DATA + 8n)).toBe(-88n); // ENOTSOCK
  expect(call(ctx, 'getpeername', 99n, DATA, DATA + 8n)).toBe(-9n); // EBADF
  expect(call(ctx, 'fadvise64', 0n, 0n, 0n, 2n)).toBe(0n);
  expect(call(ctx, 'fadvise64', 77n, 0n, 0n, 2n)).toBe(-9n);
  expect(call(ctx, 'lgetxattr', DATA, DATA, 0n, 0n)).toBe(-61n);   // ENODATA
  expect(reports).toEqual([]);
});
