// Executes one x87 instruction (or fxsave/fxrstor) on the guest's X87State, decoding the opcode
// and ModRM from the instruction bytes (Capstone 4's x87 operand lists are unreliable); only the
// memory operand's address comes from Capstone. Every exception is handled as if masked; an unmasked
// one only sets ES and B in the status word (no #MF/SIGFPE is delivered, and the unmasked responses,
// e.g. the exponent-wrapped overflow result, are not produced).
// The transcendental instructions (transcendental.ts) reduce trigonometric arguments with the CPU's
// 66-bit pi and round the exact values once; the CPU rounds its own approximations, so it differs
// by one ulp (or in C1) near rounding boundaries. Not implemented (SIGILL with an 'unsupported instruction' message): fbld/fbstp. fxsave stores FIP/FDP/FOP as 0 (as AMD CPUs do with no exception pending) and
// MXCSR_MASK 0xffff (the CPU Ferry presents has no misaligned-SSE mode).
import type { X86Insn, X86Operand } from '../../capstone/capstone';
import * as sf from './softfloat';
import { fromLittleEndian, toLittleEndian } from '../little-endian';
import * as tr from './transcendental';
import { F80, FpEnv } from './softfloat';
import { FSW_B, FSW_C0, FSW_C1, FSW_C2, FSW_C3, FSW_ES, FSW_SF, X87State } from './state';

export interface X87Cpu {
  readonly x87: X87State;
  gpr(n: number): bigint;
  setGpr(n: number, v: bigint): void;
  rflags(): bigint;
  setRflags(f: bigint): void;
  /** An instruction's memory access, under the guest's permissions. */
  readGuest(addr: bigint, len: number): Uint8Array;
  writeGuest(addr: bigint, data: Uint8Array): void;
  xmm(n: number): Uint8Array;
  setXmm(n: number, bytes: Uint8Array): void;
  mxcsr(): number;
  setMxcsr(v: number): void;
}

/** Raised for instructions that must fault (#UD, #GP): the interpreter turns it into a signal. */
export class X87Fault extends Error { constructor(readonly signal: number, message: string) { super(message); } }

/** Capstone names the interpreter hands to this module. */
export const X87_NAMES = [
  'fld', 'fst', 'fstp', 'fstpnce', 'fild', 'fist', 'fistp', 'fisttp', 'fbld', 'fbstp',
  'fldz', 'fld1', 'fldpi', 'fldl2e', 'fldl2t', 'fldlg2', 'fldln2', 'fxch',
  'fadd', 'faddp', 'fiadd', 'fsub', 'fsubp', 'fisub', 'fsubr', 'fsubrp', 'fisubr',
  'fmul', 'fmulp', 'fimul', 'fdiv', 'fdivp', 'fidiv', 'fdivr', 'fdivrp', 'fidivr',
  'fchs', 'fabs', 'fsqrt', 'frndint', 'fscale', 'fxtract', 'fprem', 'fprem1',
  'fsin', 'fcos', 'fsincos', 'fptan', 'fpatan', 'f2xm1', 'fyl2x', 'fyl2xp1',
  'fcom', 'fcomp', 'fcompp', 'ficom', 'ficomp', 'fucom', 'fucomp', 'fucompp',
  'fcomi', 'fcomip', 'fcompi', 'fucomi', 'fucomip', 'fucompi', 'ftst', 'fxam',
  'fnstsw', 'fstsw', 'fnstcw', 'fstcw', 'fldcw', 'fninit', 'finit', 'fnclex', 'fclex', 'wait', 'fwait',
  'ffree', 'ffreep', 'fincstp', 'fdecstp', 'fnop', 'fnstenv', 'fstenv', 'fldenv', 'fnsave', 'fsave', 'frstor',
  'fxsave', 'fxsave64', 'fxrstor', 'fxrstor64',
  'fcmovb', 'fcmove', 'fcmovbe', 'fcmovu', 'fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu',
  'fneni', 'fndisi', 'fsetpm',
];
const X87_SET = new Set(X87_NAMES);
export function isX87(name: string): boolean { return X87_SET.has(name); }

const CF = 1n, PF = 4n, AF = 0x10n, ZF = 0x40n, SF = 0x80n, OF = 0x800n;
const RAX = 0;

// Constants with more precision than the register holds: rounded by RC when loaded.
const CONSTANTS: Record<string, { m: bigint; e: number }> = {
  pi: { m: 0xc90fdaa22168c234c4c6628b80dc1cd1n, e: 1 - 127 },
  l2e: { m: 0xb8aa3b295c17f0bbbe87fed0691d3e89n, e: 0 - 127 },
  l2t: { m: 0xd49a784bcd1b8afe492bf6ff4dafdb4cn, e: 1 - 127 },
  lg2: { m: 0x9a209a84fbcff7988f8959ac0b7c9178n, e: -2 - 127 },
  ln2: { m: 0xb17217f7d1cf79abc9e3b39803f2f6afn, e: -1 - 127 },
};

const PREFIXES = new Set([0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65]);

export function executeX87(cpu: X87Cpu, insn: X86Insn, address: (o: X86Operand & { type: 'mem' }) => bigint): void {
  const st = cpu.x87;
  const saved = st.clone();
  try {
    new X87Exec(cpu, insn, address).run();
  } catch (e) {
    st.restore(saved);
    throw e;
  }
}

class X87Exec {
  private readonly st: X87State;
  private env: FpEnv;
  constructor(private readonly cpu: X87Cpu, private readonly insn: X86Insn,
    private readonly address: (o: X86Operand & { type: 'mem' }) => bigint) {
    this.st = cpu.x87;
    this.env = this.newEnv();
  }

  private newEnv(): FpEnv {
    const pc = (this.st.cw >> 8) & 3;
    return sf.newEnv(pc === 0 ? 24 : pc === 2 ? 53 : 64, (this.st.cw >> 10) & 3);
  }
  private get fmt(): sf.Format { return sf.regFormat(this.env.prec); }

  private addr(): bigint {
    const m = this.insn.operands.find((o) => o.type === 'mem') as (X86Operand & { type: 'mem' }) | undefined;
    if (!m) throw new Error(`x87: ${this.insn.name} has no memory operand`);
    return this.address(m);
  }
  private load(n: number): bigint { return fromLittleEndian(this.cpu.readGuest(this.addr(), n)); }
  private storeBytes(bytes: Uint8Array): void { this.cpu.writeGuest(this.addr(), bytes); }

  // ---- stack ----
  private isEmpty(i: number): boolean { return this.st.empty[this.st.phys(i)]; }
  private get(i: number): F80 { return this.st.regs[this.st.phys(i)]; }
  private set(i: number, v: F80): void { const p = this.st.phys(i); this.st.regs[p] = v; this.st.empty[p] = false; }
  private pop(): void { this.st.empty[this.st.top] = true; this.st.top = (this.st.top + 1) & 7; }
  private push(v: F80): void {
    const t = (this.st.top - 1) & 7;
    if (!this.st.empty[t]) { this.stackFault(true); v = sf.DEFAULT_NAN; }
    this.st.top = t;
    this.st.regs[t] = v;
    this.st.empty[t] = false;
  }
  /** Stack overflow (C1 = 1) or underflow (C1 = 0): IE and SF. */
  private stackFault(overflow: boolean): void {
    this.st.sw = (this.st.sw | sf.IE | FSW_SF) & ~FSW_C1;
    if (overflow) this.st.sw |= FSW_C1;
    this.faulted = true;
  }
  private faulted = false;
  /** ST(i), or undefined after an underflow when it is empty. */
  private operand(i: number): F80 | undefined {
    if (this.isEmpty(i)) { this.stackFault(false); return undefined; }
    return this.get(i);
  }

  private setC(c3: number, c2: number, c1: number, c0: number): void {
    this.st.sw = (this.st.sw & ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)) |
      (c0 ? FSW_C0 : 0) | (c1 ? FSW_C1 : 0) | (c2 ? FSW_C2 : 0) | (c3 ? FSW_C3 : 0);
  }
  private setC1(v: boolean): void { this.st.sw = v ? this.st.sw | FSW_C1 : this.st.sw & ~FSW_C1; }
  /** Merges the operation's exception flags and C1 (rounded up) into the status word. */
  private commit(roundingC1 = true): void {
    this.st.sw |= this.env.flags;
    if (roundingC1 && !this.faulted) this.setC1(this.env.roundedUp);
  }
  private summary(): void {
    if (this.st.sw & 0x3f & ~this.st.cw & 0x3f) this.st.sw |= FSW_ES | FSW_B;
    else this.st.sw &= ~(FSW_ES | FSW_B);
  }

  run(): void {
    const b = this.insn.bytes;
    let k = 0;
    let rexW = false;
    while (k < b.length && PREFIXES.has(b[k])) k++;
    if (k < b.length && (b[k] & 0xf0) === 0x40) { rexW = (b[k] & 8) !== 0; k++; }
    const opc = b[k];
    if (opc === 0x9b) { this.summary(); return; } // fwait: nothing is pending with masked exceptions
    if (opc === 0x0f) {
      const modrm = b[k + 2];
      const reg = (modrm >> 3) & 7;
      if (reg === 0) return this.fxsave(rexW);
      if (reg === 1) return this.fxrstor(rexW);
      throw new X87Fault(4, `x87: unexpected 0f ae /${reg}`);
    }
    const modrm = b[k + 1];
    const reg = (modrm >> 3) & 7;
    const rm = modrm & 7;
    const memory = (modrm >> 6) !== 3;
    if (!isControl(opc, modrm)) {
      this.st.fip = this.insn.address;
      this.st.fop = ((opc & 7) << 8) | modrm;
      if (memory) this.st.fdp = this.addr();
    }
    // Every x87 arithmetic, load and store first clears C1; a rounding or a stack fault sets it.
    if ((modrm >> 6) !== 3) this.memoryForm(opc, reg);
    else this.registerForm(opc, reg, rm, modrm);
    this.summary();
  }

  // ---- memory forms ----
  private memoryForm(opc: number, reg: number): void {
    switch (opc) {
      case 0xd8: return this.arith(reg, 0, () => this.real(4), false);
      case 0xdc: return this.arith(reg, 0, () => this.real(8), false);
      case 0xda: return this.arith(reg, 0, () => sf.fromInt(BigInt.asIntN(32, this.load(4))), false);
      case 0xde: return this.arith(reg, 0, () => sf.fromInt(BigInt.asIntN(16, this.load(2))), false);
      case 0xd9:
        switch (reg) {
          case 0: return this.fldReal(4);
          case 2: return this.fstReal(4, false);
          case 3: return this.fstReal(4, true);
          case 4: return this.fldenv();
          case 5: this.st.cw = (Number(this.load(2)) & 0x1f3f) | 0x40; return;
          case 6: return this.fnstenv();
          case 7: this.storeBytes(toLittleEndian(BigInt(this.st.cw), 2)); return;
        }
        break;
      case 0xdb:
        switch (reg) {
          case 0: return this.fild(4);
          case 1: return this.fist(4, true, true);
          case 2: return this.fist(4, false, false);
          case 3: return this.fist(4, true, false);
          case 5: return this.fld80();
          case 7: return this.fstp80();
        }
        break;
      case 0xdd:
        switch (reg) {
          case 0: return this.fldReal(8);
          case 1: return this.fist(8, true, true);
          case 2: return this.fstReal(8, false);
          case 3: return this.fstReal(8, true);
          case 4: return this.frstor();
          case 6: return this.fnsave();
          case 7: this.storeBytes(toLittleEndian(BigInt(this.st.statusWord()), 2)); return;
        }
        break;
      case 0xdf:
        switch (reg) {
          case 0: return this.fild(2);
          case 1: return this.fist(2, true, true);
          case 2: return this.fist(2, false, false);
          case 3: return this.fist(2, true, false);
          case 5: return this.fild(8);
          case 7: return this.fist(8, true, false);
        }
        break;
    }
    throw new X87Fault(4, this.unsupported());
  }

  /** A real memory operand widened to 80 bits, SNaNs kept signaling (the operation reports them). */
  private real(n: 4 | 8): F80 {
    const v = this.load(n);
    const fmt = n === 4 ? sf.FMT32 : sf.FMT64;
    const probe = sf.newEnv(64, 0);
    const x = sf.fromIeee(v, fmt, probe);
    if (probe.flags & sf.IE) return { ...x, sig: x.sig & ~(1n << 62n) }; // keep it an SNaN
    return x; // a denormal source comes marked (den) for the operation's DE
  }

  private fldReal(n: 4 | 8): void {
    const v = this.load(n);
    const { den: _den, ...x } = sf.fromIeee(v, n === 4 ? sf.FMT32 : sf.FMT64, this.env);
    this.setC1(false);
    this.push(x);
    this.st.sw |= this.env.flags;
  }
  private fld80(): void {
    const x = sf.fromBytes80(this.cpu.readGuest(this.addr(), 10));
    this.setC1(false);
    this.push(x);
  }
  private fild(n: number): void {
    const v = BigInt.asIntN(n * 8, this.load(n));
    this.setC1(false);
    this.push(sf.fromInt(v));
  }
  private fstReal(n: 4 | 8, popAfter: boolean): void {
    this.setC1(false);
    const x = this.operand(0);
    let bits: bigint;
    if (!x) bits = n === 4 ? 0xffc00000n : 0xfff8000000000000n;
    else bits = sf.toIeee(x, n === 4 ? sf.FMT32 : sf.FMT64, this.env);
    this.storeBytes(toLittleEndian(bits, n));
    this.commit();
    if (popAfter) this.pop();
  }
  private fstp80(): void {
    this.setC1(false);
    const x = this.operand(0) ?? sf.DEFAULT_NAN;
    this.storeBytes(sf.toBytes80(x));
    this.pop();
  }
  private fist(n: number, popAfter: boolean, truncate: boolean): void {
    this.setC1(false);
    const x = this.operand(0);
    const bits = n * 8;
    let v: bigint;
    if (!x) v = 1n << BigInt(bits - 1);
    else v = sf.toInt(x, bits, this.env, truncate);
    this.storeBytes(toLittleEndian(v, n));
    this.commit();
    if (popAfter) this.pop();
  }

  // ---- register forms ----
  private registerForm(opc: number, reg: number, i: number, modrm: number): void {
    switch (opc) {
      case 0xd8: return this.arith(reg, 0, () => this.regOperand(i), false);
      case 0xdc: return this.arith(reg, i, () => this.regOperand(0), false, true);
      case 0xde:
        if (reg === 3 && i === 1) return this.compare(() => this.regOperand(1), 2, false); // fcompp
        if (reg === 2 || reg === 3) return this.compare(() => this.regOperand(i), 1, false);
        return this.arith(reg, i, () => this.regOperand(0), true, true);
      case 0xd9: return this.d9(reg, i, modrm);
      case 0xda:
        if (modrm === 0xe9) return this.compare(() => this.regOperand(1), 2, true); // fucompp
        if (reg < 4) return this.fcmov(reg, false, i);
        break;
      case 0xdb:
        if (reg < 4) return this.fcmov(reg, true, i);
        if (modrm === 0xe2) { this.st.sw &= ~(0xff | FSW_B); return; } // fnclex
        if (modrm === 0xe3) { this.st.init(); return; }                  // fninit
        if (modrm === 0xe0 || modrm === 0xe1 || modrm === 0xe4) return;    // 8087/287 leftovers: no-ops
        if (reg === 5) return this.comi(i, true, false);
        if (reg === 6) return this.comi(i, false, false);
        break;
      case 0xdd:
        switch (reg) {
          case 0: this.st.empty[this.st.phys(i)] = true; return;  // ffree
          case 1: return this.fxch(i);
          case 2: return this.fstReg(i, false);
          case 3: return this.fstReg(i, true);
          case 4: return this.compare(() => this.regOperand(i), 0, true);
          case 5: return this.compare(() => this.regOperand(i), 1, true);
        }
        break;
      case 0xdf:
        if (reg === 0) { this.st.empty[this.st.phys(i)] = true; this.pop(); return; } // ffreep
        if (modrm === 0xe0) { this.cpu.setGpr(RAX, (this.cpu.gpr(RAX) & ~0xffffn) | BigInt(this.st.statusWord())); return; }
        if (reg === 1) return this.fxch(i);
        if (reg === 2 || reg === 3) return this.fstReg(i, true);
        if (reg === 5) return this.comi(i, true, true);
        if (reg === 6) return this.comi(i, false, true);
        break;
    }
    throw new X87Fault(4, this.unsupported());
  }

  /** The message format the CLI reports (as the lifter's unsupportedMessage). */
  private unsupported(): string {
    const bytes = Array.from(this.insn.bytes, (x) => x.toString(16).padStart(2, '0')).join(' ');
    return `unsupported instruction '${this.insn.text}' at 0x${this.insn.address.toString(16)} (bytes ${bytes})`;
  }

  private regOperand(i: number): F80 | undefined { return this.operand(i); }

  private d9(reg: number, i: number, modrm: number): void {
    if (reg === 0) { // fld st(i)
      this.setC1(false);
      const x = this.operand(i) ?? sf.DEFAULT_NAN;
      this.push(x);
      return;
    }
    if (reg === 1) return this.fxch(i);
    if (reg === 3) return this.fstReg(i, true); // fstp1 alias
    switch (modrm) {
      case 0xd0: return; // fnop
      case 0xe0: case 0xe1: { // fchs, fabs
        this.setC1(false);
        const x = this.operand(0);
        if (!x) { this.set(0, sf.DEFAULT_NAN); return; }
        this.set(0, { ...x, sign: modrm === 0xe0 ? x.sign ^ 1 : 0 });
        return;
      }
      case 0xe4: return this.compare(() => sf.ZERO, 0, false, true); // ftst
      case 0xe5: return this.fxam();
      case 0xe8: return this.loadConst(sf.ONE);
      case 0xe9: return this.loadConst('l2t');
      case 0xea: return this.loadConst('l2e');
      case 0xeb: return this.loadConst('pi');
      case 0xec: return this.loadConst('lg2');
      case 0xed: return this.loadConst('ln2');
      case 0xee: return this.loadConst(sf.ZERO);
      case 0xf4: return this.fxtract();
      case 0xf5: case 0xf8: return this.fprem(modrm === 0xf5);
      case 0xf6: this.st.top = (this.st.top - 1) & 7; this.setC1(false); return;
      case 0xf7: this.st.top = (this.st.top + 1) & 7; this.setC1(false); return;
      case 0xfa: return this.unary((x) => sf.sqrt(x, this.env, this.fmt));
      case 0xfc: return this.unary((x) => sf.roundInt(x, this.env));
      case 0xfd: return this.binary01((a, b) => sf.scale(a, b, this.env));
      case 0xf0: return this.unary((x) => tr.f2xm1(x, this.env, this.tfmt));
      case 0xf1: return this.binary10p((y, x) => tr.fyl2x(y, x, this.env, this.tfmt));
      case 0xf9: return this.binary10p((y, x) => tr.fyl2xp1(y, x, this.env, this.tfmt));
      case 0xf3: return this.binary10p((y, x) => tr.atan2(y, x, this.env, this.tfmt));
      case 0xfe: return this.trig('sin');
      case 0xff: return this.trig('cos');
      case 0xf2: return this.trig('tan');
      case 0xfb: return this.trig('sincos');
    }
    throw new X87Fault(4, this.unsupported());
  }

  /** Transcendental results: the precision control does not apply (always 64 bits, measured). */
  private get tfmt(): sf.Format { return sf.FMT80; }

  /** ST1 = f(ST1, ST0), then pop (fpatan, fyl2x, fyl2xp1). */
  private binary10p(f: (y: F80, x: F80) => F80): void {
    this.setC1(false);
    const x = this.operand(0);
    const y = x ? this.operand(1) : undefined;
    this.set(1, x && y ? f(y, x) : sf.DEFAULT_NAN);
    this.commit();
    this.pop();
  }

  /** fsin, fcos, fptan (pushes 1.0), fsincos (sin in ST1, cos in ST0); C2 = 1 out of range. */
  private trig(op: tr.TrigOp): void {
    this.setC1(false);
    const pushes = op === 'tan' || op === 'sincos';
    const x = this.operand(0);
    if (!x) {
      this.set(0, sf.DEFAULT_NAN);
      if (pushes) this.push(sf.DEFAULT_NAN);
      this.st.sw &= ~FSW_C2;
      return;
    }
    if (pushes && !this.st.empty[(this.st.top - 1) & 7]) {
      this.set(0, sf.DEFAULT_NAN);
      this.push(sf.DEFAULT_NAN);
      this.st.sw &= ~FSW_C2;
      return;
    }
    const r = tr.trig(x, op, this.env, this.tfmt);
    if (!r) { this.st.sw |= FSW_C2; return; }
    this.st.sw &= ~FSW_C2;
    this.set(0, r[0]);
    if (op === 'tan') this.push(sf.isNaN80(r[0]) ? r[0] : sf.ONE);
    else if (op === 'sincos') this.push(r[1]);
    this.commit();
  }

  private loadConst(c: F80 | string): void {
    this.setC1(false);
    if (typeof c === 'string') {
      const k = CONSTANTS[c];
      const env = sf.newEnv(64, this.env.rc);
      const v = sf.roundPack(0, k.m, k.e, false, sf.FMT80, env);
      this.push(v);
      return;
    }
    this.push(c);
  }

  private fxch(i: number): void {
    this.setC1(false);
    let a = this.get(0), b = this.get(i);
    if (this.isEmpty(0) || this.isEmpty(i)) {
      this.stackFault(false);
      if (this.isEmpty(0)) a = sf.DEFAULT_NAN;
      if (this.isEmpty(i)) b = sf.DEFAULT_NAN;
    }
    this.set(0, b);
    this.set(i, a);
  }

  private fstReg(i: number, popAfter: boolean): void {
    this.setC1(false);
    const x = this.operand(0) ?? sf.DEFAULT_NAN;
    this.set(i, x);
    if (popAfter) this.pop();
  }

  private fcmov(reg: number, negate: boolean, i: number): void {
    const f = this.cpu.rflags();
    let c: boolean;
    switch (reg) {
      case 0: c = (f & CF) !== 0n; break;
      case 1: c = (f & ZF) !== 0n; break;
      case 2: c = (f & (CF | ZF)) !== 0n; break;
      default: c = (f & PF) !== 0n; break;
    }
    if (negate) c = !c;
    this.setC1(false);
    if (this.isEmpty(0) || this.isEmpty(i)) {
      this.stackFault(false);
      this.set(0, sf.DEFAULT_NAN);
      return;
    }
    if (c) this.set(0, this.get(i));
  }

  /** fadd..fdivr: reg field selects the operation; dest is ST(dst), the other operand from `src`. */
  private arith(reg: number, dst: number, src: () => F80 | undefined, popAfter: boolean, reversed = false): void {
    if (reg === 2 || reg === 3) return this.compare(src, reg === 3 ? 1 : 0, false);
    this.setC1(false);
    const other = src();
    const x = this.operand(dst);
    let op = reg;
    if (reversed && op >= 4) op ^= 1;
    let result: F80;
    if (!x || !other) {
      result = sf.DEFAULT_NAN;
    } else {
      result = this.compute(op, x, other);
    }
    this.set(dst, result);
    this.commit();
    if (popAfter) this.pop();
  }

  private compute(op: number, x: F80, y: F80): F80 {
    const env = this.env, fmt = this.fmt;
    let r: F80;
    switch (op) {
      case 0: r = sf.add(x, y, env, fmt); break;
      case 1: r = sf.mul(x, y, env, fmt); break;
      case 4: r = sf.add(x, y, env, fmt, true); break;
      case 5: r = sf.add(y, x, env, fmt, true); break;
      case 6: r = sf.div(x, y, env, fmt); break;
      default: r = sf.div(y, x, env, fmt); break;
    }
    const { den: _den, ...plain } = r;
    return plain;
  }

  private unary(f: (x: F80) => F80): void {
    this.setC1(false);
    const x = this.operand(0);
    this.set(0, x ? f(x) : sf.DEFAULT_NAN);
    this.commit();
  }

  /** ST0 = f(ST0, ST1). */
  private binary01(f: (a: F80, b: F80) => F80): void {
    this.setC1(false);
    const a = this.operand(0);
    const b = a ? this.operand(1) : undefined;
    this.set(0, a && b ? f(a, b) : sf.DEFAULT_NAN);
    this.commit();
  }

  /** fcom family: C3 C2 C0 from comparing ST0 with the operand; pops `pops` times. */
  private compare(src: () => F80 | undefined, pops: number, unordered: boolean, ftst = false): void {
    const y = src();
    const x = this.operand(0);
    let order: sf.Order;
    if (!x || !y) {
      if (x && !y) { /* underflow already reported */ }
      order = 'un';
    } else {
      order = sf.compare(x, y, this.env, unordered);
    }
    void ftst;
    const c1 = 0;
    if (order === 'gt') this.setC(0, 0, c1, 0);
    else if (order === 'lt') this.setC(0, 0, c1, 1);
    else if (order === 'eq') this.setC(1, 0, c1, 0);
    else this.setC(1, 1, c1, 1);
    this.st.sw |= this.env.flags;
    for (let k = 0; k < pops; k++) this.pop();
  }

  /** fcomi/fucomi(p): ZF PF CF from the comparison; OF SF AF cleared. */
  private comi(i: number, unordered: boolean, popAfter: boolean): void {
    this.setC1(false);
    const y = this.operand(i);
    const x = this.operand(0);
    let order: sf.Order = 'un';
    if (x && y) order = sf.compare(x, y, this.env, unordered);
    const bits = order === 'gt' ? 0n : order === 'lt' ? CF : order === 'eq' ? ZF : ZF | PF | CF;
    this.cpu.setRflags((this.cpu.rflags() & ~(CF | PF | AF | ZF | SF | OF)) | bits);
    this.st.sw |= this.env.flags;
    if (popAfter) this.pop();
  }

  private fxam(): void {
    const x = this.get(0);
    const sign = x.sign;
    if (this.isEmpty(0)) return this.setC(1, 0, sign, 1);
    switch (sf.kind(x)) {
      case 'unsupported': return this.setC(0, 0, sign, 0);
      case 'qnan': case 'snan': return this.setC(0, 0, sign, 1);
      case 'normal': return this.setC(0, 1, sign, 0);
      case 'inf': return this.setC(0, 1, sign, 1);
      case 'zero': return this.setC(1, 0, sign, 0);
      case 'denormal': return this.setC(1, 1, sign, 0);
    }
  }

  private fxtract(): void {
    this.setC1(false);
    const x = this.operand(0);
    if (!x) { this.set(0, sf.DEFAULT_NAN); this.push(sf.DEFAULT_NAN); return; }
    if (!this.st.empty[(this.st.top - 1) & 7]) {
      // Stack overflow: the masked response leaves the indefinite in both.
      this.set(0, sf.DEFAULT_NAN);
      this.push(sf.DEFAULT_NAN);
      return;
    }
    const [e, s] = sf.extract(x, this.env);
    this.set(0, e);
    this.push(s);
    this.st.sw |= this.env.flags;
  }

  private fprem(ieee: boolean): void {
    const a = this.operand(0);
    const b = a ? this.operand(1) : undefined;
    if (!a || !b) { this.set(0, sf.DEFAULT_NAN); this.setC(0, 0, 0, 0); return; }
    const r = sf.remainder(a, b, this.env, ieee);
    this.set(0, r.result);
    this.setC(r.c3, r.c2, r.c1, r.c0);
    this.st.sw |= this.env.flags;
  }

  // ---- environment and state images ----
  /** The 28-byte protected-mode environment (as 64-bit code stores it); pointers are 0. */
  private envImage(): Uint8Array {
    const out = new Uint8Array(28);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0xffff0000 | this.st.cw, true);
    v.setUint32(4, 0xffff0000 | this.st.statusWord(), true);
    v.setUint32(8, 0xffff0000 | this.st.tagWord(), true);
    v.setUint32(12, Number(this.st.fip & 0xffffffffn), true);
    v.setUint32(16, ((this.st.fop & 0x7ff) << 16 | USER_CS) >>> 0, true);
    v.setUint32(20, Number(this.st.fdp & 0xffffffffn), true);
    v.setUint32(24, 0xffff0000, true);
    return out;
  }
  private loadEnvImage(bytes: Uint8Array): void {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.st.cw = (v.getUint16(0, true) & 0x1f3f) | 0x40;
    this.st.setStatusWord(v.getUint16(4, true));
    this.st.setTagWord(v.getUint16(8, true));
    this.st.fip = BigInt(v.getUint32(12, true));
    this.st.fop = v.getUint16(18, true) & 0x7ff;
    this.st.fdp = BigInt(v.getUint32(20, true));
  }
  private fnstenv(): void {
    this.storeBytes(this.envImage());
    this.st.cw |= 0x3f;
  }
  private fldenv(): void {
    this.loadEnvImage(this.cpu.readGuest(this.addr(), 28));
  }
  private fnsave(): void {
    const out = new Uint8Array(108);
    out.set(this.envImage(), 0);
    for (let i = 0; i < 8; i++) out.set(sf.toBytes80(this.get(i)), 28 + 10 * i);
    this.storeBytes(out);
    this.st.init();
  }
  private frstor(): void {
    const bytes = this.cpu.readGuest(this.addr(), 108);
    this.loadEnvImage(bytes.subarray(0, 28));
    for (let i = 0; i < 8; i++) this.st.regs[this.st.phys(i)] = sf.fromBytes80(bytes.subarray(28 + 10 * i, 38 + 10 * i));
  }
  private fxsave(_rexW: boolean): void {
    const a = this.addr();
    if (a % 16n) throw new X87Fault(11, `fxsave to unaligned address 0x${a.toString(16)}`);
    const out = this.cpu.readGuest(a, 512).slice();
    const v = new DataView(out.buffer);
    out.fill(0, 0, 32);
    v.setUint16(0, this.st.cw, true);
    v.setUint16(2, this.st.statusWord(), true);
    out[4] = this.st.abridgedTags();
    v.setUint32(24, this.cpu.mxcsr(), true);
    v.setUint32(28, MXCSR_MASK, true);
    for (let i = 0; i < 8; i++) {
      out.fill(0, 32 + 16 * i, 48 + 16 * i);
      out.set(sf.toBytes80(this.get(i)), 32 + 16 * i);
    }
    for (let n = 0; n < 16; n++) out.set(this.cpu.xmm(n), 160 + 16 * n);
    this.cpu.writeGuest(a, out.subarray(0, 416));
  }
  private fxrstor(_rexW: boolean): void {
    const a = this.addr();
    if (a % 16n) throw new X87Fault(11, `fxrstor from unaligned address 0x${a.toString(16)}`);
    const bytes = this.cpu.readGuest(a, 512);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const mxcsr = v.getUint32(24, true);
    if (mxcsr & ~MXCSR_MASK) throw new X87Fault(11, 'fxrstor with reserved MXCSR bits set');
    this.st.cw = (v.getUint16(0, true) & 0x1f3f) | 0x40;
    this.st.setStatusWord(v.getUint16(2, true));
    this.st.setAbridgedTags(bytes[4]);
    for (let i = 0; i < 8; i++) this.st.regs[this.st.phys(i)] = sf.fromBytes80(bytes.subarray(32 + 16 * i, 42 + 16 * i));
    for (let n = 0; n < 16; n++) this.cpu.setXmm(n, bytes.slice(160 + 16 * n, 176 + 16 * n));
    this.cpu.setMxcsr(mxcsr);
  }
}

/** The code segment selector of 64-bit Linux user code, stored with the last instruction pointer. */
const USER_CS = 0x33;

/** Control instructions leave the last instruction/opcode/data pointers alone. */
function isControl(opc: number, modrm: number): boolean {
  const reg = (modrm >> 3) & 7;
  if ((modrm >> 6) !== 3) {
    return (opc === 0xd9 && reg >= 4) || (opc === 0xdd && (reg === 4 || reg === 6 || reg === 7));
  }
  return (opc === 0xdb && (modrm === 0xe2 || modrm === 0xe3)) || (opc === 0xdf && modrm === 0xe0);
}

/** The MXCSR bits fxsave reports as writable (MXCSR_MASK). */
export const MXCSR_MASK = 0xffff;
