// Starts a guest program: loads the ELF into a fresh engine, builds the initial stack, and connects
// the engine's syscall exits to the syscall table. This is the Linux layer's one entry point.
import { randomBytes } from 'crypto';
import { ElfFile } from '../elf/elf';
import { buildInitialStack, DEFAULT_STACK_TOP, mapStack } from '../loader/initial-stack';
import { FileReader, loadExecImage } from '../loader/program-loader';
import { AddressSpace } from '../memory/address-space';
import { CpuFault, Engine, EngineOptions, RunResult, SavedRegisters } from '../runtime/engine';
import { GuestCpu, HWCAP } from '../runtime/interpreter';
import { SyscallContext } from '../../syscalls/context';
import { SyscallDispatcher } from '../../syscalls/dispatch';
import { FdTable } from '../../syscalls/fd-table';
import { NodeHostIo } from '../../syscalls/host-io';
import { GuestFs } from '../../syscalls/fs/guest-fs';
import { inheritedStdio, guestExePath } from '../../syscalls/fs/stdio';
import { SignalState, type SignalAction } from '../../syscalls/signals';
import type { ExecImage } from '../../syscalls/exec';
import { Errno, SyscallError } from '../../syscalls/errno';
import { Children, EXEC_CHILD_COMMAND, ExecChildSpec, FORK_CHILD_COMMAND, handExtra, handOver } from './children';
import { ForkImage, ForkMapping, writeForkImage, writeHandoff } from './fork-image';
import { popSignalFrame, pushSignalFrame, type SignalInfo } from './signal-frame';
import { MappedFile } from '../../syscalls/mapped-file';
import { FileBacking, Vma } from '../memory/address-space';

import { closeSync } from 'fs';

export interface GuestProgramOptions extends EngineOptions {
  argv: string[];
  envp: string[];
  execfn: string;
  /** The host directory the guest sees as '/' (default '/'). */
  root?: string;
  /** The guest file system view, when the caller has made one already (for reading the program). */
  fs?: GuestFs;
  /** Reads the interpreter a dynamic program names (inside the guest root). */
  readFile: FileReader;
  strace?: boolean;
  traceTo?: (text: string) => void;
  /** The host fd traceTo writes to, when not stderr: child processes trace there too. */
  traceFd?: number;
  /** What a program started by execve keeps from the one it replaces. */
  inherit?: Inheritance;
  /** A forked child: the parent's snapshot to continue from (no ELF is loaded). */
  forkedFrom?: ForkImage;
}

export interface Inheritance { fds: FdTable; signals: SignalState; children: Children }

/** How a program ended: as the engine says, or by execve of another program (run that one next). */
export type ProgramResult = RunResult | { kind: 'exec'; image: ExecImage; inherit: Inheritance };

const RDI = 7, RSI = 6, RDX = 2, R10 = 10, R8 = 8, R9 = 9, RAX = 0, RSP = 4;

export class GuestProgram {
  readonly engine: Engine;
  readonly space: AddressSpace;
  private readonly dispatcher: SyscallDispatcher;
  private ctx!: SyscallContext;
  /** The task making syscalls: the process, or its vfork child while the process waits. */
  private active!: SyscallContext;
  private entry = 0n;
  private execImage: ExecImage | undefined;
  private readonly children: Children;
  /** While a vfork child runs: the parent's registers and context, to resume it afterwards. */
  private vforkParent: { saved: SavedRegisters; ctx: SyscallContext; parentTid?: bigint } | undefined;
  /** rt_sigreturn restored RAX with the rest: the syscall's own result must not overwrite it. */
  private returnedFromHandler = false;
  /** Set when the vfork child has ended: the parent's registers and the pid its syscall returns. */
  private resumeParent: { pid: number; saved: SavedRegisters } | undefined;

  constructor(private readonly elf: ElfFile | undefined, private readonly options: GuestProgramOptions) {
    this.engine = new Engine(options);
    this.children = options.inherit?.children ?? new Children();
    this.space = new AddressSpace(this.engine.memory);
    this.space.onUnmap((start, end) => this.engine.invalidateCode(start, end));
    this.space.onProtect((start, end) => this.engine.invalidateCode(start, end));
    this.dispatcher = new SyscallDispatcher({ strace: options.strace, trace: options.traceTo });
    this.engine.setKernel({ syscall: (cpu) => this.syscall(cpu) });
    const forked = options.forkedFrom;
    const { auxv } = forked ? this.continueFork(forked) : this.load();
    const engine = this.engine;
    const guestFs = options.fs ?? new GuestFs(options.root ?? '/');
    this.ctx = {
      fs: guestFs,
      program: forked ? { exe: forked.exe, argv: forked.argv, envp: forked.envp, auxv }
        : { exe: guestExePath(guestFs, options.execfn), argv: options.argv, envp: options.envp, auxv },
      mem: { ...bindMemory(engine) },
      space: this.space,
      fds: options.inherit?.fds ?? FdTable.withStdio((hostFd) => inheritedStdio(hostFd, guestFs)),
      process: {
        pid: process.pid, exit: (code) => engine.exit(code),
        kill: (signal) => engine.raise(signal, `killed by signal ${signal}`),
        exec: (image) => {
          this.execImage = image;
          engine.exit(0);
        },
        vfork: (request) => this.vfork(request),
        fork: (request) => this.fork(request),
        wait: (pid, options) => this.children.wait(pid, options),
        signalChild: (pid, signal) => this.children.signal(pid, signal),
        sigreturn: () => this.sigreturn(),
      },
      signals: options.inherit?.signals ?? new SignalState(),
      cpu: {
        getFsBase: () => engine.fsBase(), setFsBase: (v) => engine.setFsBase(v),
        getGsBase: () => engine.gsBase(), setGsBase: (v) => engine.setGsBase(v),
      },
      host: new NodeHostIo(),
    };
    this.active = this.ctx;
  }

  /** The vfork child runs now, on the same memory, with its own fd table and signal state. */
  private vfork(request: { stack: bigint; tls?: bigint; parentTid?: bigint }): number {
    if (this.vforkParent) throw new SyscallError(Errno.ENOSYS); // a vfork child's own vfork
    const parent = this.active;
    const saved = this.engine.saveRegisters();
    const signals = parent.signals?.copyForChild() ?? new SignalState();
    const child: SyscallContext = {
      ...parent,
      fds: parent.fds.copyForChild(),
      signals,
      process: {
        pid: process.pid,
        exit: (code) => this.endVforkChild(this.children.exitedWithoutExec((code & 0xff) << 8)),
        kill: (signal) => this.endVforkChild(this.children.exitedWithoutExec(signal & 0x7f)),
        exec: (image) => this.endVforkChild(this.launch(image, child)),
        wait: (pid, options) => this.children.wait(pid, options),
      },
    };
    this.vforkParent = { saved, ctx: parent, parentTid: request.parentTid };
    this.active = child;
    if (request.stack !== 0n) this.engine.setGpr(RSP, request.stack);
    if (request.tls !== undefined) this.engine.setFsBase(request.tls);
    return 0;
  }

  private endVforkChild(pid: number): void {
    const parent = this.vforkParent;
    if (!parent) return;
    this.active.fds.end();
    this.active = parent.ctx;
    this.vforkParent = undefined;
    this.resumeParent = { pid, saved: parent.saved };
    if (parent.parentTid) {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setInt32(0, pid, true);
      this.engine.writeMem(parent.parentTid, bytes);
    }
  }

  /** A child process traces where this one does. */
  private handTrace(handed: ReturnType<typeof handOver>): number | undefined {
    return this.options.strace && this.options.traceFd !== undefined ? handExtra(handed, this.options.traceFd) : undefined;
  }

  /** The vfork child executes a program: a host process running Ferry on it, with the child's fds. */
  private launch(image: ExecImage, child: SyscallContext): number {
    child.fds.closeOnExec();
    const handed = handOver(child.fds);
    const guestFs = child.fs!;
    const signals = child.signals!;
    const ignored: number[] = [];
    for (let s = 1; s <= 64; s++) if (signals.action(s).handler === 1n) ignored.push(s);
    return this.children.launch(EXEC_CHILD_COMMAND, writeHandoff({
      root: guestFs.root, cwd: guestFs.cwd, umask: guestFs.umask, path: image.path, program: image.program,
      argv: image.argv, envp: image.envp, fds: handed.described, blocked: signals.blocked, ignored,
      strace: this.options.strace ?? false, traceFd: this.handTrace(handed),
    } satisfies ExecChildSpec), handed);
  }

  /**
   * fork: the whole process goes to a new host process running Ferry, which continues from this
   * syscall with 0 in RAX; here the syscall returns that process's pid.
   */
  private fork(request: { childTid?: bigint }): number {
    if (this.vforkParent) throw new SyscallError(Errno.ENOSYS);
    const ctx = this.active;
    this.space.writeBackAll(); // the child's shared pages start out as the file holds them
    const handed = handOver(ctx.fds);
    // Files behind mappings go after the guest's fds.
    const fileFds = new Map<FileBacking, number>();
    const mappings: ForkMapping[] = [];
    const memory: Uint8Array[] = [];
    for (const vma of this.space.vmas()) {
      let file: ForkMapping['file'];
      if (vma.backing instanceof MappedFile) {
        let fd = fileFds.get(vma.backing);
        if (fd === undefined) {
          fd = handExtra(handed, vma.backing.heldFd);
          fileFds.set(vma.backing, fd);
        }
        file = { fd, writesBack: vma.backing.writesBack };
      }
      mappings.push({ start: vma.start, end: vma.end, prot: vma.prot, flags: vma.flags, name: vma.name, offset: vma.offset, file });
      memory.push(this.engine.memory.read(vma.start, Number(vma.end - vma.start)));
    }
    const signals = ctx.signals ?? new SignalState();
    const guestFs = ctx.fs!;
    const { heapStart, brk } = this.space.breakState();
    const file = writeForkImage({
      root: guestFs.root, cwd: guestFs.cwd, umask: guestFs.umask, strace: this.options.strace ?? false, traceFd: this.handTrace(handed),
      exe: ctx.program.exe, argv: [...ctx.program.argv], envp: [...ctx.program.envp], auxv: ctx.program.auxv,
      fds: handed.described, blocked: signals.blocked,
      actions: Array.from({ length: 64 }, (_, i) => ({ signal: i + 1, ...signals.action(i + 1) })),
      mappings, heapStart, brk, registers: this.engine.saveRegisters(), childTid: request.childTid, memory,
    });
    return this.children.launch(FORK_CHILD_COMMAND, file, handed);
  }

  /** The forked child's side: the parent's memory, mappings and registers, continuing after fork. */
  private continueFork(image: ForkImage): { auxv: Uint8Array } {
    const vmas: Vma[] = [];
    const files = new Map<number, MappedFile>();
    image.mappings.forEach((m, i) => {
      const size = Number(m.end - m.start);
      this.engine.memory.map(m.start, size, m.prot);
      this.engine.memory.write(m.start, image.memory[i]);
      let backing: MappedFile | undefined;
      if (m.file) {
        backing = files.get(m.file.fd) ?? new MappedFile(m.file.fd, m.file.writesBack);
        files.set(m.file.fd, backing);
      }
      vmas.push({ start: m.start, end: m.end, prot: m.prot, flags: m.flags, name: m.name, offset: m.offset, backing });
    });
    for (const fd of files.keys()) closeSync(fd); // each MappedFile opened its own
    this.space.adopt(vmas, image.heapStart, image.brk);
    this.engine.restoreRegisters(image.registers);
    this.engine.setGpr(RAX, 0n);
    if (image.childTid) {
      const tid = new Uint8Array(4);
      new DataView(tid.buffer).setInt32(0, process.pid, true);
      this.engine.memory.write(image.childTid, tid);
    }
    this.entry = this.engine.exitRip();
    return { auxv: image.auxv };
  }

  private load(): { auxv: Uint8Array } {
    const recorder = { reserve: (addr: bigint, size: number, prot: number, name: string) => this.space.record(addr, BigInt(size), prot, name) };
    const image = loadExecImage(this.engine.memory, this.elf!, this.options.readFile, recorder);
    const loaded = image.main;
    this.space.initBrk(image.brkStart);
    mapStack(this.engine.memory, DEFAULT_STACK_TOP, undefined, recorder);
    const stack = buildInitialStack(this.engine.memory, {
      stackTop: DEFAULT_STACK_TOP,
      argv: this.options.argv,
      envp: this.options.envp,
      execfn: this.options.execfn,
      auxv: {
        phdr: loaded.phdrAddress, phent: loaded.phent, phnum: loaded.phnum, base: image.interpreterBase, entry: loaded.entry,
        hwcap: HWCAP, uid: process.getuid?.() ?? 0, euid: process.geteuid?.() ?? 0,
        gid: process.getgid?.() ?? 0, egid: process.getegid?.() ?? 0, secure: false, clktck: 100,
      },
      random: () => randomBytes(16),
    });
    this.engine.setGpr(RSP, stack.rsp);
    this.entry = image.start;
    return { auxv: stack.auxv };
  }

  private syscall(cpu: GuestCpu): void {
    const nr = Number(cpu.gpr(RAX));
    const args = [cpu.gpr(RDI), cpu.gpr(RSI), cpu.gpr(RDX), cpu.gpr(R10), cpu.gpr(R8), cpu.gpr(R9)];
    const result = this.dispatcher.dispatch(this.active, nr, args);
    const resume = this.resumeParent;
    if (resume) {
      // The vfork child executed a program or exited: its parent returns from vfork with the pid.
      this.resumeParent = undefined;
      this.engine.restoreRegisters(resume.saved);
      cpu.setGpr(RAX, BigInt(resume.pid));
      return;
    }
    // rt_sigreturn put back every register, RAX included.
    if (this.returnedFromHandler) this.returnedFromHandler = false;
    else cpu.setGpr(RAX, result);
    if (this.active === this.ctx) this.runCaughtSignal();
  }

  /** A pending signal with a guest handler: the handler runs on a signal frame when the syscall returns. */
  private runCaughtSignal(): void {
    const signals = this.ctx.signals;
    const caught = signals?.takeCaught();
    if (!signals || !caught) return;
    this.pushFrame(signals, { signal: caught.signal, code: caught.code, pid: process.pid, uid: process.getuid?.() ?? 0 },
      caught.action, caught.oldMask);
  }

  private pushFrame(signals: SignalState, info: SignalInfo, action: SignalAction, oldMask: bigint): void {
    const rsp = this.engine.gpr(RSP);
    const alt = signals.altStack;
    pushSignalFrame(this.engine, info, action, oldMask, alt, rsp > alt.sp && rsp <= alt.sp + alt.size);
  }

  private deliverFault(signal: number, rip: bigint, fault: CpuFault): boolean {
    const signals = this.ctx.signals;
    const taken = signals?.takeFault(signal);
    if (!signals || !taken) return false;
    this.engine.setExitRip(rip);
    this.pushFrame(signals, { signal, code: fault.code, pid: process.pid, uid: process.getuid?.() ?? 0, fault }, taken.action, taken.oldMask);
    return true;
  }

  private sigreturn(): void {
    const { mask } = popSignalFrame(this.engine);
    this.ctx.signals?.setBlocked(mask);
    this.returnedFromHandler = true;
  }

  run(): ProgramResult {
    let result = this.engine.run(this.entry);
    // A fault with a guest handler: the handler runs on a frame holding the state at the fault.
    while (result.kind === 'signal' && result.fault && result.rip !== undefined && this.deliverFault(result.signal, result.rip, result.fault)) {
      result = this.engine.run(this.engine.exitRip());
    }
    // However the guest ended, its shared file mappings reach their files (the page cache's job).
    this.space.releaseAll();
    if (!this.execImage) return result;
    this.ctx.fds.closeOnExec();
    const signals = this.ctx.signals ?? new SignalState();
    signals.afterExec();
    this.engine.close();
    return { kind: 'exec', image: this.execImage, inherit: { fds: this.ctx.fds, signals, children: this.children } };
  }
}

/** Guest memory as the syscalls see it: writes through the engine so translated code stays coherent. */
function bindMemory(engine: Engine) {
  const m = engine.memory;
  return {
    map: m.map.bind(m), unmap: m.unmap.bind(m), protect: m.protect.bind(m), read: m.read.bind(m),
    write: (addr: bigint, data: Uint8Array) => engine.writeMem(addr, data), beyondFileEnd: m.beyondFileEnd.bind(m),
  };
}
