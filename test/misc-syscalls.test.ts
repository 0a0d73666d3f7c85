// The sandbox answers for sockets, extended attributes and advice; supplementary groups against
// native runs of `id` and /proc/self/status under setpriv.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { comparableRuns, FERRY_BIN, runNative, type RunResult } from './harness/run-compare';
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

/** Prints what getgroups answers: the count, the list, and a too-small buffer's result and errno. */
const GROUPS_PRINTER_C = String.raw`
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
  gid_t list[256];
  int n = getgroups(0, NULL);
  printf("count %d:", n);
  int got = getgroups(256, list);
  for (int i = 0; i < got; i++) printf(" %u", (unsigned)list[i]);
  if (n > 0) {
    errno = 0;
    int small = getgroups(n - 1, list);
    printf("; size %d gives %d errno %d", n - 1, small, errno);
  }
  printf("\n");
  return 0;
}
`;
let groupsPrinter = '';
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-groups-'));
  fs.writeFileSync(path.join(dir, 'groups.c'), GROUPS_PRINTER_C);
  groupsPrinter = path.join(dir, 'groups');
  execFileSync('gcc', ['-O1', '-o', groupsPrinter, path.join(dir, 'groups.c')]);
});

// The process's supplementary groups, set by setpriv (root may set any list), seen by a program
// calling getgroups, by `id` and in /proc/self/status, natively and under Ferry: several, and none.
describe.each([
  ['several supplementary groups', ['--groups', '4,24,27,100']],
  ['no supplementary groups', ['--clear-groups']],
])('getgroups with %s', (_label, groupArgs) => {
  const env = { PATH: '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
  const both = (program: string, args: string[]): [RunResult, RunResult] => [
    runNative('/usr/bin/setpriv', [...groupArgs, '--', program, ...args], env),
    runNative('/usr/bin/setpriv', [...groupArgs, '--', process.execPath, FERRY_BIN, 'run', program, ...args], env),
  ];
  test.each([
    ['getgroups', '', []],
    ['id', '/usr/bin/id', []],
    ['id -G', '/usr/bin/id', ['-G']],
    ['the Groups line of /proc/self/status', '/usr/bin/grep', ['^Groups', '/proc/self/status']],
  ])('%s matches native', (_name, program, args) => {
    const [native, ferry] = both(program || groupsPrinter, args);
    expect(native.status).toBe(0);
    const [expected, actual] = comparableRuns(native, ferry);
    expect(actual).toEqual(expected);
  });
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
