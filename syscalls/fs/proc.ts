// The synthesized part of the guest's tree: /proc/self (= /proc/<pid>) and the /dev nodes, built
// from the emulated process's state so they behave the same inside any root.
import * as fs from 'fs';
import * as path from 'path';
import { SyscallContext } from '../context';
import { DT } from './constants';
import type { GuestFs } from './guest-fs';
import { DeviceKind, DirectoryEntry, pathInode } from './virtual-file';
import { formatMaps } from './proc-maps';
import { hostGetgroups } from './libc';

export type VirtualNode =
  | { readonly type: 'dir'; entries(): DirectoryEntry[] }
  | { readonly type: 'file'; content(): Uint8Array }
  /** fd is set for /proc/self/fd/N, which opens the fd's file itself rather than its path. */
  | { readonly type: 'link'; target(): string; readonly fd?: number }
  | { readonly type: 'device'; readonly device: DeviceKind | 'tty' };

/** What the synthesized files describe: the running guest. */
export interface ProcView {
  readonly ctx: SyscallContext;
  readonly fs: GuestFs;
}

const DEVICES: Record<string, DeviceKind | 'tty'> = { null: 'null', zero: 'zero', random: 'random', urandom: 'urandom', tty: 'tty' };
const STDIO_NAMES = ['stdin', 'stdout', 'stderr'];
const PID_FILES = ['exe', 'maps', 'status', 'stat', 'cmdline', 'environ', 'auxv', 'fd', 'cwd', 'root'];

/** The synthesized node at these guest path components, or undefined when the host file system has it. */
export function lookupVirtual(view: ProcView, components: readonly string[]): VirtualNode | undefined {
  const [top, second, ...rest] = components;
  if (top === 'proc') return lookupProc(view, second, rest);
  if (top === 'dev') return lookupDev(view, second, rest);
  return undefined;
}

function lookupDev(view: ProcView, name: string | undefined, rest: string[]): VirtualNode | undefined {
  if (name === undefined) {
    if (hostHasDirectory(view, 'dev')) return undefined;
    const names = [...Object.keys(DEVICES), ...STDIO_NAMES, 'fd'];
    return dir(() => names.map((n) => entry(`/dev/${n}`, n, DEVICES[n] ? DT.CHR : DT.LNK)));
  }
  if (rest.length > 0) return undefined;
  if (DEVICES[name]) return { type: 'device', device: DEVICES[name] };
  const stdio = STDIO_NAMES.indexOf(name);
  if (stdio >= 0) return link(() => `/proc/self/fd/${stdio}`);
  if (name === 'fd') return link(() => '/proc/self/fd');
  return undefined;
}

function lookupProc(view: ProcView, name: string | undefined, rest: string[]): VirtualNode | undefined {
  const pid = String(view.ctx.process.pid);
  if (name === undefined) {
    if (hostHasDirectory(view, 'proc')) return undefined;
    return dir(() => [entry('/proc/self', 'self', DT.LNK), entry(`/proc/${pid}`, pid, DT.DIR)]);
  }
  if (name === 'self') return rest.length === 0 ? link(() => pid) : undefined;
  if (name !== pid) return undefined;
  const [file, fdName, ...deeper] = rest;
  if (file === undefined) return dir(() => PID_FILES.map((n) => entry(`/proc/${pid}/${n}`, n, pidFileType(n))));
  if (file === 'fd') {
    if (fdName === undefined) {
      return dir(() => view.ctx.fds.openFds().map((fd) => entry(`/proc/${pid}/fd/${fd}`, String(fd), DT.LNK)));
    }
    const fd = Number(fdName);
    if (deeper.length > 0 || !/^\d+$/.test(fdName) || !view.ctx.fds.get(fd)) return undefined;
    return { type: 'link', fd, target: () => view.ctx.fds.get(fd)?.path ?? '' };
  }
  if (fdName !== undefined) return undefined;
  switch (file) {
    case 'exe':
      return link(() => view.ctx.program.exe);
    case 'cwd':
      return link(() => view.fs.cwd);
    case 'root':
      return link(() => '/');
    case 'maps':
      return text(() => formatMaps(view));
    case 'status':
      return text(() => formatStatus(view));
    case 'stat':
      return text(() => formatStat(view));
    case 'cmdline':
      return bytes(() => nulTerminated(view.ctx.program.argv));
    case 'environ':
      return bytes(() => nulTerminated(view.ctx.program.envp));
    case 'auxv':
      return bytes(() => view.ctx.program.auxv);
  }
  return undefined;
}

function pidFileType(name: string): number {
  if (name === 'fd') return DT.DIR;
  return name === 'exe' || name === 'cwd' || name === 'root' ? DT.LNK : DT.REG;
}

function hostHasDirectory(view: ProcView, name: string): boolean {
  return fs.statSync(view.fs.guestToHost([name]), { throwIfNoEntry: false })?.isDirectory() ?? false;
}

const dir = (entries: () => DirectoryEntry[]): VirtualNode => ({ type: 'dir', entries });
const link = (target: () => string): VirtualNode => ({ type: 'link', target });
const bytes = (content: () => Uint8Array): VirtualNode => ({ type: 'file', content });
const text = (content: () => string): VirtualNode => ({ type: 'file', content: () => Buffer.from(content(), 'latin1') });
const entry = (guestPath: string, name: string, type: number): DirectoryEntry => ({ name, ino: pathInode(guestPath), type });

function nulTerminated(strings: readonly string[]): Uint8Array {
  return Buffer.concat(strings.map((s) => Buffer.from(s + '\0')));
}

/** The command name the kernel keeps: the executable's base name, at most 15 bytes. */
function comm(view: ProcView): string {
  return path.posix.basename(view.ctx.program.exe).slice(0, 15);
}

function totalKb(view: ProcView): number {
  return Number(view.ctx.space.vmas().reduce((sum, vma) => sum + (vma.end - vma.start), 0n) / 1024n);
}

function formatStatus(view: ProcView): string {
  const pid = view.ctx.process.pid;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const kb = totalKb(view);
  return [
    `Name:\t${comm(view)}`, `Umask:\t${view.fs.umask.toString(8).padStart(4, '0')}`, 'State:\tR (running)',
    `Tgid:\t${pid}`, 'Ngid:\t0', `Pid:\t${pid}`, `PPid:\t${process.ppid}`, 'TracerPid:\t0',
    `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`, `Gid:\t${gid}\t${gid}\t${gid}\t${gid}`, 'FDSize:\t64',
    `Groups:\t${hostGetgroups().join(' ')} `, // the kernel ends the list with a space, even an empty one
    `VmPeak:\t${String(kb).padStart(8)} kB`, `VmSize:\t${String(kb).padStart(8)} kB`,
    `VmRSS:\t${String(kb).padStart(8)} kB`, 'Threads:\t1', '',
  ].join('\n');
}

/** /proc/<pid>/stat: the 52 fields of fs/proc/array.c; those Ferry does not track are 0. */
function formatStat(view: ProcView): string {
  const pid = view.ctx.process.pid;
  const vsize = view.ctx.space.vmas().reduce((sum, vma) => sum + (vma.end - vma.start), 0n);
  const fields: (string | number | bigint)[] = [pid, `(${comm(view)})`, 'R', process.ppid, pid, pid, 0, -1, 0x400000];
  fields.push(0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, 0, vsize, vsize / 4096n);
  while (fields.length < 52) fields.push(0);
  return fields.join(' ') + '\n';
}
