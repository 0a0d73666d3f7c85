// Starts a guest program: loads the ELF into a fresh engine, builds the initial stack, and connects
// the engine's syscall exits to the syscall table. This is the Linux layer's one entry point.
import { randomBytes } from 'crypto';
import { ElfFile } from '../elf/elf';
import { buildInitialStack, DEFAULT_STACK_TOP, mapStack } from '../loader/initial-stack';
import { FileReader, loadExecImage } from '../loader/program-loader';
import { AddressSpace } from '../memory/address-space';
import { Engine, EngineOptions, RunResult } from '../runtime/engine';
import { GuestCpu, HWCAP } from '../runtime/interpreter';
import { SyscallContext } from '../../syscalls/context';
import { SyscallDispatcher } from '../../syscalls/dispatch';
import { FdTable } from '../../syscalls/fd-table';
import { NodeHostIo } from '../../syscalls/host-io';
import { GuestFs } from '../../syscalls/fs/guest-fs';
import { inheritedStdio, guestExePath } from '../../syscalls/fs/stdio';
import { SignalState } from '../../syscalls/signals';

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
}

const RDI = 7, RSI = 6, RDX = 2, R10 = 10, R8 = 8, R9 = 9, RAX = 0, RSP = 4;

export class GuestProgram {
  readonly engine: Engine;
  readonly space: AddressSpace;
  private readonly dispatcher: SyscallDispatcher;
  private ctx!: SyscallContext;
  private entry = 0n;

  constructor(private readonly elf: ElfFile, private readonly options: GuestProgramOptions) {
    this.engine = new Engine(options);
    this.space = new AddressSpace(this.engine.memory);
    this.space.onUnmap((start, end) => this.engine.invalidateCode(start, end));
    this.space.onProtect((start, end) => this.engine.invalidateCode(start, end));
    this.dispatcher = new SyscallDispatcher({ strace: options.strace, trace: options.traceTo });
    this.engine.setKernel({ syscall: (cpu) => this.syscall(cpu) });
    const { auxv } = this.load();
    const engine = this.engine;
    const guestFs = options.fs ?? new GuestFs(options.root ?? '/');
    this.ctx = {
      fs: guestFs,
      program: { exe: guestExePath(guestFs, options.execfn), argv: options.argv, envp: options.envp, auxv },
      mem: { ...bindMemory(engine) },
      space: this.space,
      fds: FdTable.withStdio((hostFd) => inheritedStdio(hostFd, guestFs)),
      process: {
        pid: process.pid, exit: (code) => engine.exit(code),
        kill: (signal) => engine.raise(signal, `killed by signal ${signal}`),
      },
      signals: new SignalState(),
      cpu: {
        getFsBase: () => engine.fsBase(), setFsBase: (v) => engine.setFsBase(v),
        getGsBase: () => engine.gsBase(), setGsBase: (v) => engine.setGsBase(v),
      },
      host: new NodeHostIo(),
    };
  }

  private load(): { auxv: Uint8Array } {
    const recorder = { reserve: (addr: bigint, size: number, prot: number, name: string) => this.space.record(addr, BigInt(size), prot, name) };
    const image = loadExecImage(this.engine.memory, this.elf, this.options.readFile, recorder);
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
    const result = this.dispatcher.dispatch(this.ctx, nr, args);
    cpu.setGpr(RAX, result);
  }

  run(): RunResult {
    const result = this.engine.run(this.entry);
    // However the guest ended, its shared file mappings reach their files (the page cache's job).
    this.space.writeBackAll();
    return result;
  }
}

/** Guest memory as the syscalls see it: writes through the engine so translated code stays coherent. */
function bindMemory(engine: Engine) {
  const m = engine.memory;
  return {
    map: m.map.bind(m), unmap: m.unmap.bind(m), protect: m.protect.bind(m), read: m.read.bind(m),
    write: (addr: bigint, data: Uint8Array) => engine.writeMem(addr, data),
  };
}
