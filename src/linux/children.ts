// The guest's child processes: programs a vfork child executed (host processes running Ferry, whose
// host pid is the guest's pid for them) and vfork children that exited before executing anything.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Errno, SyscallError } from '../../syscalls/errno';
import { FdTable } from '../../syscalls/fd-table';
import { GuestFs } from '../../syscalls/fs/guest-fs';
import { HostFile } from '../../syscalls/fs/host-file';
import { hostWaitpid } from '../../syscalls/fs/libc';
import { inheritedStdio } from '../../syscalls/fs/stdio';
import { dropHandoff } from './fork-image';

/** A guest fd a child process finds at the same number: what the open file is. */
export interface HandedFd { fd: number; path: string; hostPath?: string; statusFlags: number; cloexec: boolean }

/**
 * The guest's fds as a child process gets them: hostFds[n] is the host fd to place at n (for Node's
 * spawn), `opened` the host fds made here for synthesized devices (close them after the spawn).
 */
export function handOver(table: FdTable): { hostFds: Array<number | 'ignore'>; described: HandedFd[]; opened: number[] } {
  const hostFds: Array<number | 'ignore'> = [];
  const described: HandedFd[] = [];
  const opened: number[] = [];
  for (const fd of table.openFds()) {
    const file = table.get(fd)!;
    let hostFd = file.hostFd;
    // Synthesized devices (/dev/null and the like) reach the child as the host's own.
    if (hostFd === undefined && file.path.startsWith('/dev/')) {
      try {
        hostFd = fs.openSync(file.path, 'r+');
        opened.push(hostFd);
      } catch {
        continue;
      }
    }
    if (hostFd === undefined) continue;
    hostFds[fd] = hostFd;
    described.push({ fd, path: file.path, hostPath: file instanceof HostFile ? file.hostPath : undefined, statusFlags: file.statusFlags, cloexec: table.getCloexec(fd) });
  }
  for (let fd = 0; fd < hostFds.length; fd++) if (hostFds[fd] === undefined) hostFds[fd] = 'ignore';
  return { hostFds, described, opened };
}

/** Hands one more host fd to the child, after the guest's: returns the number it gets there. */
export function handExtra(handed: ReturnType<typeof handOver>, hostFd: number): number {
  const at = Math.max(handed.hostFds.length, 3);
  for (let fd = handed.hostFds.length; fd < at; fd++) handed.hostFds[fd] = 'ignore';
  handed.hostFds[at] = hostFd;
  return at;
}

/** The child's side: its fd table from what the parent handed over. */
export function tableFrom(described: HandedFd[], guestFs: GuestFs): FdTable {
  const table = new FdTable();
  for (const f of described) {
    const file = f.fd <= 2 ? inheritedStdio(f.fd, guestFs) : new HostFile(f.fd, f.path, f.statusFlags, f.hostPath);
    table.install(file, { at: f.fd, cloexec: f.cloexec });
  }
  return table;
}

/** What a child Ferry process needs to start the program its parent's vfork child executed. */
export interface ExecChildSpec {
  root: string;
  cwd: string;
  umask: number;
  /** The path the guest named (AT_EXECFN) and the ELF file to load (the #! interpreter for a script). */
  path: string;
  program: string;
  argv: string[];
  envp: string[];
  /** Guest fds as the child will find them (the same numbers on the host). */
  fds: HandedFd[];
  blocked: bigint;
  ignored: number[];
  strace: boolean;
  /** Where --strace-file's trace goes in the child (an fd handed over), else stderr. */
  traceFd?: number;
}

export const EXEC_CHILD_COMMAND = '__exec-child';
export const FORK_CHILD_COMMAND = '__fork-child';
const WNOHANG = 1;

function ferryMain(): string {
  const built = path.join(__dirname, '..', 'cli', 'main.js');
  return fs.existsSync(built) ? built : path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
}

export class Children {
  /** Vfork children that exited without executing a program: pid -> wait status. */
  private readonly exited = new Map<number, number>();
  private readonly running = new Set<number>();
  private nextSyntheticPid = 0x4000_0000;

  /**
   * Starts Ferry (`command` on a hand-off file, which the child deletes) in a host process whose fds
   * are handed.hostFds (index = fd number).
   */
  launch(command: string, handoff: string, handed: ReturnType<typeof handOver>): number {
    const child = spawn(process.execPath, [ferryMain(), command, handoff], {
      stdio: handed.hostFds, env: process.env, detached: false,
    });
    child.unref();
    for (const fd of handed.opened) fs.closeSync(fd);
    if (child.pid === undefined) {
      dropHandoff(handoff);
      throw new SyscallError(Errno.EAGAIN);
    }
    this.running.add(child.pid);
    return child.pid;
  }

  /** Sends signal to a child process still running; false when pid is none of them. */
  signal(pid: number, signal: number): boolean {
    if (!this.running.has(pid)) return false;
    try {
      process.kill(pid, signal);
    } catch {
      return false; // no such process any more
    }
    return true;
  }

  /** A vfork child that ended before executing: its pid (made up; no host process has it). */
  exitedWithoutExec(status: number): number {
    const pid = this.nextSyntheticPid++;
    this.exited.set(pid, status);
    return pid;
  }

  /**
   * wait4's work for pid (-1 or 0 or below: any child): [pid, wait status], or [0, 0] under WNOHANG
   * when no child has ended. ECHILD when there is no such child.
   */
  wait(pid: number, options: number): [number, number] {
    for (const [p, status] of this.exited) {
      if (pid > 0 && p !== pid) continue;
      this.exited.delete(p);
      return [p, status];
    }
    const candidates = pid > 0 ? (this.running.has(pid) ? [pid] : []) : [...this.running];
    if (candidates.length === 0) throw new SyscallError(Errno.ECHILD);
    const [got, status] = hostWaitpid(pid > 0 ? pid : -1, options & WNOHANG);
    if (got > 0) this.running.delete(got);
    return [got, status];
  }
}
