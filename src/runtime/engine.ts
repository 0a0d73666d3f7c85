// The engine: one Unicorn ARM64 CPU running translated guest code. It owns the code cache and the
// runtime code, serves svc exits (syscall, miss, link, interpret, fault) inside the interrupt hook.
import { compileBlock } from '../backend/arm64/codegen';
import * as A from '../backend/arm64/encoder';
import { ExitReason, STATE, X_AF, X_EXIT_RIP, X_PF, X_REASON } from '../backend/arm64/host-regs';
import { Lifter } from '../frontend/lift';
import { dumpBlock } from '../ir/dump';
import { optimize } from '../ir/passes';
import { GuestFault, PAGE_SIZE, PROT_EXEC, PROT_NONE } from '../memory/guest-memory';
import { Unicorn } from '../unicorn/unicorn';
import { NC } from '../util/native-constants';
import { CodeCache, CodeCacheFull, HostBlock } from './code-cache';
import { emitRuntimeCode } from './dispatcher';
import { GuestCpu, Interpreter } from './interpreter';
import { findAbortLayout, readAbort, type AbortLayout } from './abort-layout';
import { RAM_PA, RUNTIME_BASE, RUNTIME_CODE, RUNTIME_CODE_SIZE, RUNTIME_PA, RUNTIME_SPAN, STATE_ADDR, runtimePhysical } from './layout';
import { MmuMemory } from './mmu-memory';
import { PhysicalMemory } from './physical-memory';
import { X87State } from './x87/state';
import { withVsyscallPage } from './vsyscall';

/** The Linux layer's side of the engine: what a guest syscall does. */
export interface GuestKernel {
  syscall(cpu: GuestCpu): void;
}

export type RunResult =
  | { kind: 'exit'; status: number }
  /** `rip`: where the guest stopped, as the kernel reports it (the faulting instruction; after int3). */
  | { kind: 'signal'; signal: number; message: string; rip?: bigint; fault?: CpuFault };

/** What the CPU tells the kernel about a fault: siginfo's code and address, the trap's number and error code. */
export interface CpuFault {
  readonly code: number;
  readonly address: bigint;
  readonly trapno: number;
  readonly error: number;
}

/** si_code and the x86 trap number of the faults Ferry's generated code and interpreter raise. */
const CPU_FAULTS: Record<number, { code: number; trapno: number; addressIsRip: boolean }> = {
  4: { code: 2, trapno: 6, addressIsRip: true },     // SIGILL: ILL_ILLOPN, #UD
  5: { code: 0x80, trapno: 3, addressIsRip: false }, // SIGTRAP: SI_KERNEL, #BP
  8: { code: 1, trapno: 0, addressIsRip: true },     // SIGFPE: FPE_INTDIV, #DE
};
const SEGV_MAPERR = 1, SEGV_ACCERR = 2, BUS_ADRERR = 2, SI_KERNEL = 0x80, TRAP_GENERAL_PROTECTION = 13, TRAP_PAGE_FAULT = 14;
/** x86 page-fault error code bits. */
const PF_PRESENT = 1, PF_WRITE = 2, PF_USER = 4, PF_INSTR = 16;

export interface EngineOptions {
  dumpIr?: (text: string) => void;
  /** Code cache size in bytes (smaller only to test flushing). */
  codeCacheBytes?: number;
  /** Host memory reserved as guest RAM (committed only where the guest touches it). */
  ramBytes?: number;
}

/** The default guest RAM reservation: address space only, until touched. */
export const DEFAULT_RAM_BYTES = 32 * 2 ** 30;
/** QEMU's exception numbers as the interrupt hook receives them. */
const EXCP_SWI = 2;
const EXCP_PREFETCH_ABORT = 3;
const EXCP_DATA_ABORT = 4;
/** System registers and instructions by (op0, op1, CRn, CRm, op2). */
const SYSREG = {
  SCR_EL3: [3, 6, 1, 1, 0], SCTLR_EL1: [3, 0, 1, 0, 0], TCR_EL1: [3, 0, 2, 0, 2], TTBR0_EL1: [3, 0, 2, 0, 0],
  MAIR_EL1: [3, 0, 10, 2, 0], TLBI_VMALLE1: [1, 0, 8, 7, 0], TLBI_VAE1: [1, 0, 8, 7, 1],
} as const;
/** SCR_EL3.RW: EL1 runs AArch64. */
const SCR_RW = 0x400n;
/** Attribute 0: normal memory, write-back cacheable. */
const MAIR_NORMAL = 0xffn;
/** T0SZ 16 (48-bit addresses through TTBR0), 4 KiB granule, inner shareable WB walks; TTBR1 walks off; 44-bit PA. */
const TCR = 0x4b5903510n;
/** The reset value with M (MMU), C and I (caches) set. */
const SCTLR = 0xc5183dn;
/** The FAR/ESR layout of the loaded Unicorn, found once per process. */
let abortLayout: AbortLayout | undefined;

/** What saveRegisters captures; opaque to everyone else. */
export interface SavedRegisters {
  readonly hostRegs: bigint[];
  readonly nzcv: bigint;
  readonly state: Uint8Array;
  readonly xmm: Uint8Array[];
  readonly x87: Pick<X87State, 'regs' | 'empty' | 'top' | 'cw' | 'sw' | 'fip' | 'fop' | 'fdp'>;
}

export class GuestExit extends Error {
  constructor(readonly result: RunResult) { super('guest exit'); }
}

const PAGE = BigInt(PAGE_SIZE);
const SIGNAL_NAMES: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 8: 'SIGFPE', 11: 'SIGSEGV', 7: 'SIGBUS' };
export const signalName = (s: number): string => SIGNAL_NAMES[s] ?? `signal ${s}`;

export class Stats {
  blocks = 0;
  guestInsns = 0;
  translateNs = 0n;
  runNs = 0n;
  exits: Record<string, number> = {};
  smcInvalidations = 0;
  /** Static counts over translated code: guest store instructions and the host stores emitted for them. */
  guestStores = 0;
  hostStores = 0;
  count(reason: string): void { this.exits[reason] = (this.exits[reason] ?? 0) + 1; }
}

export class Engine implements GuestCpu {
  readonly uc: Unicorn;
  readonly memory: MmuMemory;
  readonly stats = new Stats();
  /** The guest's x87 state: every x87 instruction runs in the interpreter against it. */
  readonly x87 = new X87State();
  private readonly cache: CodeCache;
  private readonly lifter: Lifter;
  private readonly interpreter: Interpreter;
  private readonly runtime: { entry: bigint; dispatch: bigint; link: bigint; stop: bigint };
  private kernel: GuestKernel | undefined;
  private result: RunResult | undefined;
  private hookError: unknown;
  /** A data abort no mapping explains: the guest's signal, with what the kernel would report. */
  private pendingFault: { signal: number; fault: CpuFault; message: string } | undefined;
  /** While finding the abort layout: the context saved at the probe's fault. */
  private probeContext: Uint8Array | undefined;
  private calibrating = false;
  /** Guest RIP at which run() stops (instruction tests); none for programs. */
  private stopAt: bigint | undefined;

  constructor(private readonly options: EngineOptions = {}) {
    this.uc = Unicorn.arm64Max();
    this.uc.setPageSize4K();
    const ram = new PhysicalMemory(Number(RAM_PA), options.ramBytes ?? DEFAULT_RAM_BYTES);
    this.memory = new MmuMemory(ram, {
      flushAll: () => this.sysreg(SYSREG.TLBI_VMALLE1, 0n),
      flushPage: (va) => this.sysreg(SYSREG.TLBI_VAE1, BigInt(va) >> 12n),
    });
    this.setUpAddressSpace(ram);
    const rt = emitRuntimeCode();
    this.uc.memWrite(runtimePhysical(RUNTIME_CODE), rt.bytes);
    this.runtime = {
      entry: RUNTIME_CODE + BigInt(rt.entry), dispatch: RUNTIME_CODE + BigInt(rt.dispatch),
      link: RUNTIME_CODE + BigInt(rt.link), stop: RUNTIME_CODE + BigInt(rt.stop),
    };
    this.cache = new CodeCache(this.uc, this.runtime, options.codeCacheBytes);
    this.lifter = new Lifter(withVsyscallPage(this.memory));
    this.interpreter = new Interpreter(this, this.lifter);
    this.uc.regWrite(NC.UC_ARM64_REG_X28, STATE_ADDR);
    this.uc.regWrite(NC.UC_ARM64_REG_NZCV, 0x2000_0000n); // CF = 0 in the inverted convention
    this.uc.regWrite(NC.UC_ARM64_REG_X0 + X_PF, 1n);      // PF = 0
    this.uc.hookIntr((intno) => this.guard(() => this.onInterrupt(intno)));
    abortLayout ??= findAbortLayout((address, write) => this.probeFault(address, write));
  }

  private sysreg([op0, op1, crn, crm, op2]: readonly number[], value: bigint): void {
    this.uc.writeSystemRegister(op0, op1, crn, crm, op2, value);
  }

  /**
   * The CPU as the hardware under the guest: guest RAM is one Unicorn region of host memory, the
   * runtime another, and the MMU's page tables (Ferry's) say what each virtual page is. Unicorn
   * 2.0.1 also looks every virtual address up among its regions on a TLB miss, so placeholder
   * regions that allow everything cover the rest of the 48-bit range.
   */
  private setUpAddressSpace(ram: PhysicalMemory): void {
    const ramEnd = RAM_PA + BigInt(ram.size);
    const runtimeEnd = RUNTIME_PA + BigInt(RUNTIME_SPAN);
    this.uc.memMapPtr(RAM_PA, ram.size, NC.UC_PROT_ALL, ram.host.pointer);
    this.uc.memMap(RUNTIME_PA, RUNTIME_SPAN, NC.UC_PROT_ALL);
    for (const [start, end] of [[0n, RAM_PA], [ramEnd, RUNTIME_PA], [runtimeEnd, 1n << 48n]]) {
      this.uc.mmioPlaceholder(start, end - start, NC.UC_PROT_ALL);
    }
    const tables = this.memory.tables;
    for (let off = 0; off < RUNTIME_SPAN; off += 2 * 1024 * 1024) {
      tables.mapBlock(Number(RUNTIME_BASE) + off, Number(RUNTIME_PA) + off);
    }
    this.sysreg(SYSREG.SCR_EL3, SCR_RW);
    this.sysreg(SYSREG.MAIR_EL1, MAIR_NORMAL);
    this.sysreg(SYSREG.TCR_EL1, TCR);
    this.sysreg(SYSREG.TTBR0_EL1, BigInt(tables.rootAddress));
    this.sysreg(SYSREG.SCTLR_EL1, SCTLR);
  }

  /** Runs one load or store of the runtime's probe stub at an unmapped address; returns the saved context. */
  private probeFault(address: bigint, write: boolean): Uint8Array {
    const stub = RUNTIME_CODE + BigInt(RUNTIME_CODE_SIZE - 16);
    // ldr x0, [x1] / str x0, [x1]
    this.uc.memWrite(runtimePhysical(stub), new Uint8Array(new Uint32Array([write ? 0xf9000020 : 0xf9400020]).buffer));
    this.uc.removeCache(stub, stub + 4n);
    this.uc.regWrite(NC.UC_ARM64_REG_X0 + 1, address);
    this.calibrating = true;
    this.probeContext = undefined;
    try {
      this.uc.emuStart(stub, stub + 4n);
    } finally {
      this.calibrating = false;
    }
    if (this.hookError) throw this.hookError;
    if (!this.probeContext) throw new Error('the MMU did not fault on an unmapped address');
    return this.probeContext;
  }

  private onInterrupt(intno: number): void {
    if (intno === EXCP_SWI) return this.onSvc();
    if (intno === EXCP_DATA_ABORT || intno === EXCP_PREFETCH_ABORT) return this.onAbort(intno);
    throw new Error(`unexpected CPU exception ${intno} at host pc 0x${this.uc.regRead(NC.UC_ARM64_REG_PC).toString(16)}`);
  }

  setKernel(kernel: GuestKernel): void { this.kernel = kernel; }

  // ---- guest state (GuestCpu) ---------------------------------------------------------------
  private static xreg(n: number): number {
    return n === 29 ? NC.UC_ARM64_REG_X29 : n === 30 ? NC.UC_ARM64_REG_X30 : NC.UC_ARM64_REG_X0 + n;
  }
  gpr(n: number): bigint { return this.uc.regRead(NC.UC_ARM64_REG_X0 + n); }
  setGpr(n: number, v: bigint): void { this.uc.regWrite(NC.UC_ARM64_REG_X0 + n, BigInt.asUintN(64, v)); }
  private stateWord(offset: number): bigint {
    const b = new Uint8Array(8);
    this.uc.memRead(runtimePhysical(STATE_ADDR) + BigInt(offset), b);
    return new DataView(b.buffer).getBigUint64(0, true);
  }
  private setStateWord(offset: number, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.uc.memWrite(runtimePhysical(STATE_ADDR) + BigInt(offset), b);
  }
  fsBase(): bigint { return this.stateWord(STATE.fsBase); }
  setFsBase(v: bigint): void { this.setStateWord(STATE.fsBase, v); }
  gsBase(): bigint { return this.stateWord(STATE.gsBase); }
  setGsBase(v: bigint): void { this.setStateWord(STATE.gsBase, v); }
  /** RFLAGS status bits and DF as x86 defines them, from NZCV, the PF and AF registers and the state block. */
  rflags(): bigint {
    const nzcv = this.uc.regRead(NC.UC_ARM64_REG_NZCV);
    const pfByte = Number(this.uc.regRead(Engine.xreg(X_PF)) & 0xffn);
    const af = this.uc.regRead(Engine.xreg(X_AF)) & 0x10n;
    let ones = 0;
    for (let v = pfByte; v; v >>= 1) ones += v & 1;
    let f = 0x202n | af;
    if (!(nzcv & (1n << 29n))) f |= 1n;
    if (ones % 2 === 0) f |= 4n;
    if (nzcv & (1n << 30n)) f |= 0x40n;
    if (nzcv & (1n << 31n)) f |= 0x80n;
    if (nzcv & (1n << 28n)) f |= 0x800n;
    if (this.stateWord(STATE.df)) f |= 0x400n;
    return f;
  }
  setRflags(f: bigint): void {
    let nzcv = 0n;
    if (!(f & 1n)) nzcv |= 1n << 29n;
    if (f & 0x40n) nzcv |= 1n << 30n;
    if (f & 0x80n) nzcv |= 1n << 31n;
    if (f & 0x800n) nzcv |= 1n << 28n;
    this.uc.regWrite(NC.UC_ARM64_REG_NZCV, nzcv);
    this.uc.regWrite(Engine.xreg(X_PF), f & 4n ? 0n : 1n);
    this.uc.regWrite(Engine.xreg(X_AF), f & 0x10n);
    this.setStateWord(STATE.df, f & 0x400n ? 1n : 0n);
  }
  xmm(n: number): Buffer { return this.uc.regRead128(NC.UC_ARM64_REG_Q0 + n); }
  setXmm(n: number, bytes: Uint8Array): void { this.uc.regWrite128(NC.UC_ARM64_REG_Q0 + n, bytes); }
  /** MXCSR as stmxcsr gives it (the state block keeps it XORed with 0x1f80). */
  mxcsr(): number { return (Number(this.stateWord(STATE.mxcsr) & 0xffffffffn) ^ 0x1f80) >>> 0; }
  /**
   * Sets MXCSR (fxrstor, sigreturn, the interpreter), RC included: into FPCR.RMode, which the
   * translated SSE code rounds by (x86 00 nearest, 01 down, 10 up, 11 zero; AArch64 swaps the bits).
   */
  setMxcsr(v: number): void {
    const old = this.stateWord(STATE.mxcsr);
    this.setStateWord(STATE.mxcsr, (old & ~0xffffffffn) | BigInt((v ^ 0x1f80) >>> 0));
    const rc = BigInt((v >> 13) & 3);
    const rmode = ((rc & 1n) << 1n) | (rc >> 1n);
    const fpcr = this.uc.regRead(NC.UC_ARM64_REG_FPCR);
    this.uc.regWrite(NC.UC_ARM64_REG_FPCR, (fpcr & ~(3n << 22n)) | (rmode << 22n));
  }
  readMem(addr: bigint, len: number): Uint8Array { return this.memory.read(addr, len); }
  guestAccessible(addr: bigint, len: number, access: 'read' | 'write'): number {
    return this.memory.accessible(addr, len, access);
  }
  readGuest(addr: bigint, len: number): Uint8Array {
    this.requireAccess(addr, len, 'read');
    return this.memory.read(addr, len);
  }
  writeGuest(addr: bigint, data: Uint8Array): void {
    this.requireAccess(addr, data.length, 'write');
    this.writeMem(addr, data);
  }
  private requireAccess(addr: bigint, len: number, access: 'read' | 'write'): void {
    const n = this.memory.accessible(addr, len, access);
    if (n < len) throw new GuestFault(addr + BigInt(n), access);
  }
  writeMem(addr: bigint, data: Uint8Array): void {
    this.invalidateCode(addr, addr + BigInt(data.length));
    this.memory.write(addr, data);
  }
  /** Ends the run (exit or exit_group). */
  exit(status: number): void {
    this.result = { kind: 'exit', status: status & 0xff };
    this.uc.emuStop();
  }
  /** Delivers a fatal signal; Ferry has no guest signal handlers yet, so the guest ends. */
  /**
   * Every register of the guest CPU as the host holds it (guest GPRs, flags, XMM, the state block,
   * x87), for a task that must get them back exactly: a vfork parent while its child runs.
   */
  saveRegisters(): SavedRegisters {
    const hostRegs = [...Array(16).keys(), X_PF, X_AF, X_EXIT_RIP].map((n) => this.uc.regRead(Engine.xreg(n)));
    const state = new Uint8Array(32);
    this.uc.memRead(runtimePhysical(STATE_ADDR), state);
    const { regs, empty, top, cw, sw, fip, fop, fdp } = this.x87;
    return {
      hostRegs, nzcv: this.uc.regRead(NC.UC_ARM64_REG_NZCV), state,
      xmm: Array.from({ length: 16 }, (_, n) => this.xmm(n)),
      x87: { regs: regs.map((r) => ({ ...r })), empty: [...empty], top, cw, sw, fip, fop, fdp },
    };
  }
  restoreRegisters(saved: SavedRegisters): void {
    [...Array(16).keys(), X_PF, X_AF, X_EXIT_RIP].forEach((n, i) => this.uc.regWrite(Engine.xreg(n), saved.hostRegs[i]));
    this.uc.regWrite(NC.UC_ARM64_REG_NZCV, saved.nzcv);
    this.uc.memWrite(runtimePhysical(STATE_ADDR), saved.state);
    saved.xmm.forEach((bytes, n) => this.setXmm(n, bytes));
    Object.assign(this.x87, { ...saved.x87, regs: saved.x87.regs.map((r) => ({ ...r })), empty: [...saved.x87.empty] });
  }

  /** Where the guest continues after the current runtime exit (a syscall's next instruction). */
  exitRip(): bigint {
    return this.uc.regRead(Engine.xreg(X_EXIT_RIP));
  }
  /** Sends the guest elsewhere when the current runtime exit returns (a signal handler, sigreturn). */
  setExitRip(rip: bigint): void {
    this.uc.regWrite(Engine.xreg(X_EXIT_RIP), rip);
  }

  /** Frees the CPU and its memory; the engine cannot run again. */
  close(): void {
    this.uc.close();
    this.memory.close();
  }

  raise(signal: number, message: string, rip?: bigint, fault?: GuestFault): void {
    this.result = { kind: 'signal', signal, message, rip, fault: fault ? this.pageFault(fault.address, fault.access === 'write') : this.trap(signal, rip) };
    this.uc.emuStop();
  }

  /**
   * The details of a fault the generated code or the interpreter raised by signal number. A SIGSEGV
   * there is an instruction fetch from a page that is not executable (the frontend's fault) or else
   * a general-protection fault (hlt, a misaligned SSE operand, reserved MXCSR bits).
   */
  private trap(signal: number, rip: bigint | undefined): CpuFault | undefined {
    if (rip === undefined) return undefined;
    if (signal === 11) {
      const prot = this.memory.protOf(rip);
      if (prot === undefined || !(prot & PROT_EXEC)) return this.pageFault(rip, false, true);
      return { code: SI_KERNEL, address: 0n, trapno: TRAP_GENERAL_PROTECTION, error: 0 };
    }
    const known = CPU_FAULTS[signal];
    return known && { code: known.code, address: known.addressIsRip ? rip : 0n, trapno: known.trapno, error: 0 };
  }

  // ---- running ----------------------------------------------------------------------------
  run(rip: bigint, stopAt?: bigint): RunResult {
    this.stopAt = stopAt;
    this.result = undefined;
    this.hookError = undefined;
    this.setGpr(X_EXIT_RIP, rip);
    if (stopAt !== undefined) this.installStop(stopAt);
    const t0 = process.hrtime.bigint();
    let err: unknown;
    try {
      this.uc.emuStart(this.runtime.entry, STATE_ADDR);
    } catch (e) {
      err = e;
    }
    this.stats.runNs += process.hrtime.bigint() - t0;
    if (this.hookError) throw this.hookError;
    if (this.result) return this.result;
    if (this.pendingFault) {
      const pc = this.uc.regRead(NC.UC_ARM64_REG_PC);
      const at = this.cache.guestRipAt(pc);
      const { signal, fault, message } = this.pendingFault;
      this.pendingFault = undefined;
      return { kind: 'signal', signal, rip: at, fault, message: message + (at !== undefined ? ` by the instruction at 0x${at.toString(16)}` : '') };
    }
    if (err) throw err;
    throw new Error('emulation stopped without a result');
  }

  /** A SIGSEGV's details as Linux gives them: unmapped (MAPERR) or refused (ACCERR), with the error code. */
  private pageFault(address: bigint, write: boolean, fetch = false): CpuFault {
    const prot = this.memory.protOf(address);
    const accerr = prot !== undefined;
    return {
      code: accerr ? SEGV_ACCERR : SEGV_MAPERR, address, trapno: TRAP_PAGE_FAULT,
      error: PF_USER | (accerr && prot !== PROT_NONE ? PF_PRESENT : 0) | (write ? PF_WRITE : 0) | (fetch ? PF_INSTR : 0),
    };
  }

  private installStop(rip: bigint): void {
    const existing = this.cache.lookup(rip);
    if (existing) this.cache.invalidate(existing);
    // A block for the stop address: one branch to the runtime's stop stub, placed by its relocation.
    this.cache.install({
      start: rip, end: rip, guestInsns: 0, faults: [], pcMap: [[0, rip]], stores: { guest: 0, host: 0 },
      words: new Uint32Array([A.b(0)]), relocs: [{ kind: 'runtime', at: 0, symbol: 'stop' }],
    });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof GuestExit) this.result = e.result;
      else this.hookError = e;
      this.uc.emuStop();
    }
  }

  private onSvc(): void {
    const reason = Number(this.uc.regRead(NC.UC_ARM64_REG_X0 + X_REASON));
    const rip = this.uc.regRead(NC.UC_ARM64_REG_X0 + X_EXIT_RIP);
    switch (reason) {
      case ExitReason.Syscall:
        this.stats.count('syscall');
        if (!this.kernel) throw new Error('no kernel attached');
        this.kernel.syscall(this);
        return;
      case ExitReason.Miss:
        this.stats.count('miss');
        this.translate(rip);
        return;
      case ExitReason.Link: {
        this.stats.count('link');
        const target = this.cache.lookup(rip) ?? this.translate(rip);
        this.cache.link(this.uc.regRead(NC.UC_ARM64_REG_X30), target);
        return;
      }
      case ExitReason.Interpret: {
        this.stats.count('interpret');
        const next = this.interpreter.step(rip);
        this.setGpr(X_EXIT_RIP, next);
        return;
      }
      case ExitReason.Fault: {
        this.stats.count('fault');
        const info = this.faults.get(rip);
        this.raise(info?.signal ?? 4, info?.message ?? `fault at 0x${rip.toString(16)}`, rip);
        return;
      }
      case ExitReason.Stop:
        this.result = { kind: 'exit', status: 0 };
        this.uc.emuStop();
        return;
      default:
        throw new Error(`unknown runtime exit reason ${reason}`);
    }
  }

  private readonly faults = new Map<bigint, { signal: number; message: string }>();

  /** Translates the block at rip and installs it. */
  translate(rip: bigint): HostBlock {
    const t0 = process.hrtime.bigint();
    const block = optimize(this.lifter.lift(rip, this.stopAt !== undefined && this.stopAt > rip ? this.stopAt : undefined));
    if (this.options.dumpIr) this.options.dumpIr(dumpBlock(block));
    const compiled = compileBlock(block);
    for (const f of compiled.faults) this.faults.set(f.rip, { signal: f.signal, message: f.message });
    let host: HostBlock;
    try {
      host = this.cache.install(compiled);
    } catch (e) {
      if (!(e instanceof CodeCacheFull)) throw e;
      this.cache.flush();
      this.stats.count('flush');
      host = this.cache.install(compiled);
    }
    for (let p = rip & ~(PAGE - 1n); p < (block.end > rip ? block.end : rip + 1n); p += PAGE) this.memory.trackCode(p);
    this.stats.blocks++;
    this.stats.guestInsns += block.guestInsns;
    this.stats.guestStores += compiled.stores.guest;
    this.stats.hostStores += compiled.stores.host;
    this.stats.translateNs += process.hrtime.bigint() - t0;
    return host;
  }

  /** Drops translations of guest code in [start, end) (guest or runtime writes, unmaps). */
  invalidateCode(start: bigint, end: bigint): void {
    for (let p = start & ~(PAGE - 1n); p < end; p += PAGE) {
      if (!this.memory.isCodePage(p)) continue;
      const n = this.cache.invalidateRange(p, p + PAGE);
      this.stats.smcInvalidations += n;
      this.interpreter.forget(p, p + PAGE);
      this.memory.untrackCode(p);
    }
  }

  /** Consecutive aborts whose descriptor already allowed the access: past a few, retrying is not helping. */
  private staleRetries = 0;

  private onAbort(intno: number): void {
    const context = this.uc.saveContext();
    if (this.calibrating) {
      this.probeContext = context.slice();
      this.uc.emuStop();
      return;
    }
    const pc = this.uc.regRead(NC.UC_ARM64_REG_PC);
    if (intno === EXCP_PREFETCH_ABORT) throw new Error(`the host fetched from an unmapped page at 0x${pc.toString(16)}`);
    const { address, write } = readAbort(abortLayout!, context);
    this.stats.count('abort');
    const outcome = this.memory.resolveFault(address, write);
    if (outcome.kind === 'code-write') {
      // Self-modifying code: drop the page's translations (which gives the write back), retry the store.
      this.invalidateCode(outcome.page, outcome.page + PAGE);
    }
    if (outcome.kind === 'retry' && outcome.stale) {
      if (++this.staleRetries > 4) throw new Error(`guest access at 0x${address.toString(16)} keeps faulting`);
      return;
    }
    this.staleRetries = 0;
    if (outcome.kind !== 'fault') return;
    const access = `${write ? 'write' : 'read'} of 0x${address.toString(16)}`;
    this.pendingFault = outcome.code === 'bus'
      ? { signal: 7, message: `${access} past the end of its mapped file`,
        fault: { code: BUS_ADRERR, address, trapno: TRAP_PAGE_FAULT, error: PF_USER | (write ? PF_WRITE : 0) } }
      : { signal: 11, message: access, fault: this.pageFault(address, write) };
    this.uc.emuStop();
  }
}
