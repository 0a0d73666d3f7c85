// Compiles an optimized IR block into relocatable AArch64 code: temporaries in a small register pool,
// x86 flags in NZCV (carry inverted) plus PF/AF registers, and exit stubs recorded as relocations.
import { Addr, Block, Cond as X86Cond, Exit, Flag, FlagSet, Op, Temp } from '../../ir/ir';
import { opDef, opUses } from '../../ir/passes';
import { CodeBuffer } from './code-buffer';
import * as A from './encoder';
import { Cond, Extend, Mem, Shift } from './encoder';
import { ExitReason, gprHost, STATE, TEMP_POOL, X_AF, X_EXIT_RIP, X_PF, X_REASON, X_STATE } from './host-regs';

export type RuntimeSymbol = 'dispatch' | 'link';
export type Reloc =
  /** movz+3 movk at `at` load a guest address (relative to the module base when cached). */
  | { kind: 'guest'; at: number; value: bigint }
  /** b/bl at `at` to a runtime entry point. */
  | { kind: 'runtime'; at: number; symbol: RuntimeSymbol }
  /** b at `at` is a patchable link to the block for `target`; `stub` is the unlinked branch target. */
  | { kind: 'link'; at: number; stub: number; target: bigint };

export interface FaultInfo { signal: number; rip: bigint; message: string }

export interface CompiledBlock {
  start: bigint;
  end: bigint;
  guestInsns: number;
  words: Uint32Array;
  relocs: Reloc[];
  /** Fault exits, indexed by the number the block passes in X_EXIT_RIP's partner register x18. */
  faults: FaultInfo[];
  /** Host word index where each guest instruction's code starts, for fault reports. */
  pcMap: Array<[number, bigint]>;
}

const S = { A: 16, B: 17, C: 30 };   // scratch registers
const XZR = 31;
const NZCV_N = 31, NZCV_Z = 30, NZCV_C = 29, NZCV_V = 28;

/** x86 condition to AArch64 condition with the carry kept inverted; P/NP have none. */
const ARM_COND: Array<Cond | undefined> = [
  Cond.VS, Cond.VC, Cond.LO, Cond.HS, Cond.EQ, Cond.NE, Cond.LS, Cond.HI,
  Cond.MI, Cond.PL, undefined, undefined, Cond.LT, Cond.GE, Cond.LE, Cond.GT,
];

export class CodegenError extends Error {}

export function compileBlock(block: Block): CompiledBlock {
  return new BlockCompiler(block).compile();
}

class BlockCompiler {
  private readonly code = new CodeBuffer();
  private readonly relocs: Reloc[] = [];
  private readonly faults: FaultInfo[] = [];
  private readonly pcMap: Array<[number, bigint]> = [];
  private readonly reg = new Map<Temp, number>();
  private readonly consts = new Map<Temp, bigint>();
  private readonly lastUse = new Map<Temp, number>();
  private readonly free: number[] = [...TEMP_POOL];
  /** Exit stubs emitted after the body: [branch word index to fix, exit]. */
  private readonly pending: Array<{ at: number; kind: 'cbz' | 'cbnz' | 'bcond' | 'b'; reg?: number; cond?: Cond; exit: Exit }> = [];
  private now = 0;

  constructor(private readonly block: Block) {}

  compile(): CompiledBlock {
    const { ops } = this.block;
    ops.forEach((op, k) => opUses(op).forEach((t) => this.lastUse.set(t, k)));
    if (this.block.exit.kind === 'indirect') this.lastUse.set(this.block.exit.target, ops.length);
    let rip: bigint | undefined;
    ops.forEach((op, k) => {
      this.now = k;
      if (this.block.opRip[k] !== rip) {
        rip = this.block.opRip[k];
        this.pcMap.push([this.code.length, rip]);
      }
      this.lower(op);
      this.release(op);
    });
    this.now = ops.length;
    if (this.pcMap.length === 0) this.pcMap.push([0, this.block.start]);
    this.emitExit(this.block.exit);
    for (const p of this.pending) {
      const target = this.code.length;
      const off = (target - p.at) * 4;
      if (p.kind === 'cbz') this.code.patch(p.at, A.cbz(true, p.reg!, off));
      else if (p.kind === 'cbnz') this.code.patch(p.at, A.cbnz(true, p.reg!, off));
      else if (p.kind === 'bcond') this.code.patch(p.at, A.bCond(p.cond!, off));
      else this.code.patch(p.at, A.b(off));
      this.emitExit(p.exit);
    }
    return {
      start: this.block.start, end: this.block.end, guestInsns: this.block.guestInsns,
      words: this.code.words(), relocs: this.relocs, faults: this.faults, pcMap: this.pcMap,
    };
  }

  // ---- registers --------------------------------------------------------------------------

  private emit(word: number): number { return this.code.emit(word); }

  private alloc(t: Temp): number {
    const r = this.free.shift();
    if (r === undefined) throw new CodegenError(`register pool exhausted in block 0x${this.block.start.toString(16)}`);
    this.reg.set(t, r);
    return r;
  }
  /** The host register holding temp t, materializing a constant if needed. */
  private r(t: Temp): number {
    const r = this.reg.get(t);
    if (r !== undefined) return r;
    const c = this.consts.get(t);
    if (c === undefined) throw new CodegenError(`temp t${t} used before definition`);
    if (c === 0n) return XZR;
    const host = this.alloc(t);
    for (const w of A.movImm64(host, c)) this.emit(w);
    return host;
  }
  private release(op: Op): void {
    for (const t of new Set(opUses(op))) {
      if (this.lastUse.get(t) === this.now) this.drop(t);
    }
    const d = opDef(op);
    if (d !== undefined && !this.lastUse.has(d)) this.drop(d);
  }
  private drop(t: Temp): void {
    const r = this.reg.get(t);
    this.reg.delete(t);
    if (r !== undefined && TEMP_POOL.includes(r) && ![...this.reg.values()].includes(r)) this.free.push(r);
  }
  /** Allocates the destination of an op; operands stay valid during the op (released afterwards). */
  private dst(t: Temp): number { return this.alloc(t); }
  private constOf(t: Temp): bigint | undefined { return this.consts.get(t); }

  // ---- lowering ---------------------------------------------------------------------------

  private lower(op: Op): void {
    switch (op.op) {
      case 'const': this.consts.set(op.dst, op.value); return;
      case 'getreg': this.reg.set(op.dst, gprHost(op.reg)); return;
      case 'setreg': return this.setReg(op.reg, op.src);
      case 'bin': return this.bin(op);
      case 'un': return this.un(op);
      case 'ext': return this.ext(op.dst, op.a, op.from, op.signed);
      case 'extract': { const a = this.r(op.a); this.emit(A.ubfx(true, this.dst(op.dst), a, op.lsb, op.width)); return; }
      case 'insert': {
        const base = this.r(op.base), val = this.r(op.val);
        const d = this.dst(op.dst);
        this.emit(A.movReg(true, d, base));
        this.emit(A.bfi(true, d, val, op.lsb, op.width));
        return;
      }
      case 'lea': { const d = this.dst(op.dst); this.address(op.addr, d); return; }
      case 'segbase': this.emit(A.ldst(Mem.LDR_X, this.dst(op.dst), X_STATE, op.seg === 'fs' ? STATE.fsBase : STATE.gsBase)); return;
      case 'load': return this.load(op.dst, op.addr, op.size);
      case 'store': return this.store(op.addr, op.src, op.size);
      case 'select': return this.select(op.dst, op.cond, op.a, op.b);
      case 'setcc': return this.setcc(op.dst, op.cond);
      case 'arith': return this.arith(op);
      case 'logic': return this.logic(op);
      case 'setflags': return this.setflags(op);
      case 'resultflags': return this.resultflags(op);
      case 'getflag': return this.getflag(op.dst, op.flag);
      case 'cmc': this.emit(A.cfinv()); return;
      case 'getrflags': return this.getrflags(this.dst(op.dst));
      case 'setrflags': return this.setrflags(this.r(op.src));
      case 'getdf': this.emit(A.ldst(Mem.LDR_X, this.dst(op.dst), X_STATE, STATE.df)); return;
      case 'setdf':
        this.emit(A.movz(true, S.A, op.value));
        this.emit(A.ldst(Mem.STR_X, S.A, X_STATE, STATE.df));
        return;
      case 'sideexit': {
        const at = this.emit(A.nop());
        this.pending.push({ at, kind: op.when === 'zero' ? 'cbz' : 'cbnz', reg: this.r(op.a), exit: op.exit });
        return;
      }
    }
  }

  private setReg(guest: number, src: Temp): void {
    const host = gprHost(guest);
    // A live temp that aliases this guest register must move out before the register changes.
    for (const [t, r] of this.reg) {
      if (r === host && t !== src && (this.lastUse.get(t) ?? -1) > this.now) {
        const moved = this.alloc(t);
        this.emit(A.movReg(true, moved, host));
      }
    }
    const s = this.r(src);
    if (s !== host) this.emit(A.movReg(true, host, s));
  }

  private bin(op: Extract<Op, { op: 'bin' }>): void {
    const sf = op.size === 8;
    const bits = op.size * 8;
    const a = this.r(op.a);
    const c = this.constOf(op.b);
    if (c !== undefined && this.binImm(op, sf, bits, a, c)) return;
    const b = this.r(op.b);
    const d = this.dst(op.dst);
    switch (op.kind) {
      case 'add': this.emit(A.addReg(sf, d, a, b)); return;
      case 'sub': this.emit(A.subReg(sf, d, a, b)); return;
      case 'and': this.emit(A.andReg(sf, d, a, b)); return;
      case 'or': this.emit(A.orrReg(sf, d, a, b)); return;
      case 'xor': this.emit(A.eorReg(sf, d, a, b)); return;
      case 'andn': this.emit(A.bicReg(sf, d, a, b)); return;
      case 'shl': this.emit(A.lslv(sf, d, a, b)); return;
      case 'shr': this.emit(A.lsrv(sf, d, a, b)); return;
      case 'sar': this.emit(A.asrv(sf, d, a, b)); return;
      case 'ror': this.emit(A.rorv(sf, d, a, b)); return;
      case 'mul': this.emit(A.mul(sf, d, a, b)); return;
      case 'umulh': this.emit(A.umulh(d, a, b)); return;
      case 'smulh': this.emit(A.smulh(d, a, b)); return;
      case 'udiv': this.emit(A.udiv(sf, d, a, b)); return;
      case 'sdiv': this.emit(A.sdiv(sf, d, a, b)); return;
      case 'urem': case 'srem':
        this.emit((op.kind === 'urem' ? A.udiv : A.sdiv)(sf, S.A, a, b));
        this.emit(A.msub(sf, d, S.A, b, a));
        return;
    }
  }
  private binImm(op: Extract<Op, { op: 'bin' }>, sf: boolean, bits: number, a: number, c: bigint): boolean {
    const mask = (1n << BigInt(bits)) - 1n;
    const v = c & mask;
    const shiftable = op.kind === 'shl' || op.kind === 'shr' || op.kind === 'sar' || op.kind === 'ror';
    if (shiftable) {
      const n = Number(v & BigInt(bits - 1));
      const d = this.dst(op.dst);
      if (n === 0) { this.emit(A.movReg(sf, d, a)); return true; }
      const f = { shl: A.lslImm, shr: A.lsrImm, sar: A.asrImm, ror: A.rorImm }[op.kind as 'shl'];
      this.emit(f(sf, d, a, n));
      return true;
    }
    if ((op.kind === 'add' || op.kind === 'sub') && v < 4096n) {
      this.emit((op.kind === 'add' ? A.addImm : A.subImm)(sf, this.dst(op.dst), a, Number(v)));
      return true;
    }
    if ((op.kind === 'add' || op.kind === 'sub') && ((mask + 1n - v) & mask) < 4096n) {
      this.emit((op.kind === 'add' ? A.subImm : A.addImm)(sf, this.dst(op.dst), a, Number((mask + 1n - v) & mask)));
      return true;
    }
    if ((op.kind === 'and' || op.kind === 'or' || op.kind === 'xor') && v !== 0n && v !== mask && A.encodeLogicalImm(v, sf) !== null) {
      const f = { and: A.andImm, or: A.orrImm, xor: A.eorImm }[op.kind];
      this.emit(f(sf, this.dst(op.dst), a, v));
      return true;
    }
    return false;
  }

  private un(op: Extract<Op, { op: 'un' }>): void {
    const a = this.r(op.a);
    const d = this.dst(op.dst);
    switch (op.kind) {
      case 'not': this.emit(A.mvn(true, d, a)); return;
      case 'neg': this.emit(A.neg(true, d, a)); return;
      case 'bswap':
        if (op.size === 8) this.emit(A.rev(true, d, a));
        else if (op.size === 4) this.emit(A.rev(false, d, a));
        else { this.emit(A.rev16(false, d, a)); this.emit(A.uxth(d, d)); }
        return;
      case 'clz': this.emit(A.clz(true, d, a)); return;
      case 'ctz': this.emit(A.rbit(true, d, a)); this.emit(A.clz(true, d, d)); return;
      case 'popcnt':
        this.emit(A.fmovToFp(true, 31, a));
        this.emit(A.simd2Misc('cnt', '8b', 31, 31));
        this.emit(A.simdAcross('addv', '8b', 31, 31));
        this.emit(A.umov('b', d, 31, 0));
        return;
      case 'iszero': this.emit(A.clz(true, d, a)); this.emit(A.lsrImm(true, d, d, 6)); return;
      case 'nonzero':
        this.emit(A.neg(true, S.A, a));
        this.emit(A.orrReg(true, S.A, S.A, a));
        this.emit(A.lsrImm(true, d, S.A, 63));
        return;
    }
  }

  private ext(dst: Temp, src: Temp, from: 1 | 2 | 4 | 8, signed: boolean): void {
    const a = this.r(src);
    const d = this.dst(dst);
    if (from === 8) { this.emit(A.movReg(true, d, a)); return; }
    if (signed) this.emit(from === 1 ? A.sxtb(true, d, a) : from === 2 ? A.sxth(true, d, a) : A.sxtw(d, a));
    else this.emit(from === 1 ? A.uxtb(d, a) : from === 2 ? A.uxth(d, a) : A.movReg(false, d, a));
  }

  /** Computes an address into `into` (a scratch or the destination register). */
  private address(addr: Addr, into: number): number {
    const base = addr.base !== undefined ? this.r(addr.base) : undefined;
    const index = addr.index !== undefined ? this.r(addr.index) : undefined;
    const shift = Math.log2(addr.scale);
    let cur: number | undefined;
    if (base !== undefined && index !== undefined) { this.emit(A.addReg(true, into, base, index, Shift.LSL, shift)); cur = into; }
    else if (index !== undefined) { this.emit(A.lslImm(true, into, index, shift || 0)); cur = into; }
    else if (base !== undefined) cur = base;
    const disp = BigInt.asIntN(64, addr.disp);
    if (cur === undefined) { for (const w of A.movImm64(into, BigInt.asUintN(64, disp))) this.emit(w); return into; }
    if (disp === 0n) { if (cur !== into) this.emit(A.movReg(true, into, cur)); return into; }
    this.addConst(into, cur, disp);
    return into;
  }
  private addConst(d: number, n: number, v: bigint): void {
    if (v >= 0n && v < 4096n) this.emit(A.addImm(true, d, n, Number(v)));
    else if (v < 0n && -v < 4096n) this.emit(A.subImm(true, d, n, Number(-v)));
    else if (v >= 0n && v < (1n << 24n) && (v & 0xfffn) === 0n) this.emit(A.addImm(true, d, n, Number(v >> 12n), true));
    else {
      const tmp = d === S.C ? S.A : S.C;
      for (const w of A.movImm64(tmp, BigInt.asUintN(64, v))) this.emit(w);
      this.emit(A.addReg(true, d, n, tmp));
    }
  }
  /** [reg, #offset] when the address is base + small displacement, else a computed address. */
  private memOperand(addr: Addr): { base: number; offset: number } {
    const disp = BigInt.asIntN(64, addr.disp);
    if (addr.base !== undefined && addr.index === undefined && disp >= -256n && disp < 32768n) {
      return { base: this.r(addr.base), offset: Number(disp) };
    }
    return { base: this.address(addr, S.B), offset: 0 };
  }
  private static readonly LOADS = { 1: Mem.LDRB, 2: Mem.LDRH, 4: Mem.LDR_W, 8: Mem.LDR_X } as const;
  private static readonly STORES = { 1: Mem.STRB, 2: Mem.STRH, 4: Mem.STR_W, 8: Mem.STR_X } as const;
  private memAccess(op: A.MemOp, rt: number, addr: Addr): void {
    const m = this.memOperand(addr);
    try {
      this.emit(A.ldstOffset(op, rt, m.base, m.offset));
    } catch {
      this.addConst(S.B, m.base, BigInt(m.offset));
      this.emit(A.ldst(op, rt, S.B, 0));
    }
  }
  private load(dst: Temp, addr: Addr, size: 1 | 2 | 4 | 8): void {
    const m = this.memOperand(addr);
    const d = this.dst(dst);
    try {
      this.emit(A.ldstOffset(BlockCompiler.LOADS[size], d, m.base, m.offset));
    } catch {
      this.addConst(S.B, m.base, BigInt(m.offset));
      this.emit(A.ldst(BlockCompiler.LOADS[size], d, S.B, 0));
    }
  }
  private store(addr: Addr, src: Temp, size: 1 | 2 | 4 | 8): void {
    this.memAccess(BlockCompiler.STORES[size], this.r(src), addr);
  }

  // ---- flags ------------------------------------------------------------------------------

  /** Puts x86 PF (0/1) into register d, from the parity of X_PF's low byte. */
  private parity(d: number): void {
    this.emit(A.eorReg(false, d, X_PF, X_PF, Shift.LSR, 4));
    this.emit(A.eorReg(false, d, d, d, Shift.LSR, 2));
    this.emit(A.eorReg(false, d, d, d, Shift.LSR, 1));
    this.emit(A.andImm(false, d, d, 1n));
    this.emit(A.eorImm(false, d, d, 1n));
  }
  private setcc(dst: Temp, cond: X86Cond): void {
    const d = this.dst(dst);
    const arm = ARM_COND[cond];
    if (arm !== undefined) { this.emit(A.cset(true, d, arm)); return; }
    this.parity(d);
    if (cond === X86Cond.NP) this.emit(A.eorImm(false, d, d, 1n));
  }
  private select(dst: Temp, cond: X86Cond, a: Temp, b: Temp): void {
    const ra = this.r(a), rb = this.r(b);
    const d = this.dst(dst);
    const arm = ARM_COND[cond];
    if (arm !== undefined) { this.emit(A.csel(true, d, ra, rb, arm)); return; }
    this.emit(A.mrsNzcv(S.C));
    this.parity(S.A);
    this.emit(A.cmpImm(false, S.A, 0));
    this.emit(A.csel(true, d, ra, rb, cond === X86Cond.P ? Cond.NE : Cond.EQ));
    this.emit(A.msrNzcv(S.C));
  }
  private getflag(dst: Temp, flag: 'CF' | 'ZF' | 'SF' | 'OF' | 'PF' | 'AF'): void {
    const d = this.dst(dst);
    switch (flag) {
      case 'CF': this.emit(A.cset(true, d, Cond.LO)); return;
      case 'ZF': this.emit(A.cset(true, d, Cond.EQ)); return;
      case 'SF': this.emit(A.cset(true, d, Cond.MI)); return;
      case 'OF': this.emit(A.cset(true, d, Cond.VS)); return;
      case 'PF': this.parity(d); return;
      case 'AF': this.emit(A.ubfx(true, d, X_AF, 4, 1)); return;
    }
  }

  /** Flags the op must produce: its live set after dead-flag elimination. */
  private live(op: { flags: FlagSet; live?: FlagSet }): FlagSet { return op.live ?? op.flags; }

  private arith(op: Extract<Op, { op: 'arith' }>): void {
    const live = this.live(op);
    const w = op.size;
    const sf = w === 8;
    const a = this.r(op.a);
    const b = op.kind === 'neg' ? XZR : this.r(op.b);
    const d = this.dst(op.dst);
    const nzcvLive = live & (Flag.CF | Flag.ZF | Flag.SF | Flag.OF);
    const preserveCarry = op.kind === 'inc' || op.kind === 'dec';
    // AF needs the operands after the result register may have overwritten nothing: compute it first.
    if (live & Flag.AF) {
      if (op.kind === 'neg') this.emit(A.movReg(true, X_AF, a));
      else this.emit(A.eorReg(true, X_AF, a, b));
    }
    if (preserveCarry && nzcvLive) this.emit(A.mrsNzcv(S.C));
    if (op.kind === 'adc' || op.kind === 'sbb') {
      if (w >= 4) {
        if (op.kind === 'adc') this.emit(A.cfinv());
        (op.kind === 'adc' ? this.emitAdc : this.emitSbc).call(this, sf, d, a, b, nzcvLive !== 0);
        if (op.kind === 'adc' && (live & Flag.CF)) this.emit(A.cfinv());
      } else {
        this.smallCarryArith(op.kind, w, d, a, b, live);
      }
    } else {
      const isAdd = op.kind === 'add' || op.kind === 'inc';
      const rhs = op.kind === 'neg' ? a : b;
      const lhs = op.kind === 'neg' ? XZR : a;
      if (w >= 4) {
        this.emit((isAdd ? A.addReg : A.subReg)(sf, d, lhs, rhs, Shift.LSL, 0, nzcvLive !== 0));
      } else {
        this.emit((isAdd ? A.addReg : A.subReg)(false, d, lhs, rhs));
        if (nzcvLive) {
          const s = 32 - w * 8;
          if (lhs === XZR) this.emit(A.subReg(false, XZR, XZR, rhs, Shift.LSL, s, true));
          else {
            this.emit(A.lslImm(false, S.A, lhs, s));
            this.emit((isAdd ? A.addReg : A.subReg)(false, XZR, S.A, rhs, Shift.LSL, s, true));
          }
        }
      }
      if (isAdd && (live & Flag.CF)) this.emit(A.cfinv());
    }
    if (preserveCarry && nzcvLive) this.emit(A.rmif(S.C, 28, 0b0010));
    if (live & Flag.PF) this.emit(A.movReg(true, X_PF, d));
    if (live & Flag.AF) this.emit(A.eorReg(true, X_AF, X_AF, d));
  }
  private emitAdc(sf: boolean, d: number, a: number, b: number, flags: boolean): void { this.emit(A.adc(sf, d, a, b, flags)); }
  private emitSbc(sf: boolean, d: number, a: number, b: number, flags: boolean): void { this.emit(A.sbc(sf, d, a, b, flags)); }

  /** adc/sbb on 8 or 16 bits: the result and each flag computed explicitly. */
  private smallCarryArith(kind: 'adc' | 'sbb', w: number, d: number, a: number, b: number, live: FlagSet): void {
    const bits = w * 8;
    this.emit(A.cset(false, S.A, Cond.LO));                         // x86 CF
    this.emit((w === 1 ? A.uxtb : A.uxth)(S.B, a));
    this.emit((kind === 'adc' ? A.addExt : A.subExt)(false, S.B, S.B, b, w === 1 ? Extend.UXTB : Extend.UXTH));
    this.emit((kind === 'adc' ? A.addReg : A.subReg)(false, d, S.B, S.A));
    if (!(live & (Flag.CF | Flag.ZF | Flag.SF | Flag.OF))) return;
    // NZCV word: N = bit bits-1, Z = low bits zero, C = !bit bits, V from the sign rule.
    this.emit(A.mrsNzcv(S.C));
    this.emit(A.ubfx(false, S.A, d, bits, 1));
    this.emit(A.eorImm(false, S.A, S.A, 1n));
    this.emit(A.bfi(true, S.C, S.A, NZCV_C, 1));
    this.emit(A.ubfx(false, S.A, d, bits - 1, 1));
    this.emit(A.bfi(true, S.C, S.A, NZCV_N, 1));
    this.emit(A.lslImm(false, S.A, d, 32 - bits));
    this.emit(A.clz(false, S.A, S.A));
    this.emit(A.lsrImm(false, S.A, S.A, 5));
    this.emit(A.bfi(true, S.C, S.A, NZCV_Z, 1));
    // overflow: add: (a^r)&(b^r); sub: (a^b)&(a^r); sign bit of that
    this.emit(A.eorReg(false, S.A, a, d));
    this.emit(A.eorReg(false, S.B, kind === 'adc' ? b : a, kind === 'adc' ? d : b));
    this.emit(A.andReg(false, S.A, S.A, S.B));
    this.emit(A.ubfx(false, S.A, S.A, bits - 1, 1));
    this.emit(A.bfi(true, S.C, S.A, NZCV_V, 1));
    this.emit(A.msrNzcv(S.C));
  }

  private logic(op: Extract<Op, { op: 'logic' }>): void {
    const live = this.live(op);
    const w = op.size;
    const sf = w === 8;
    const a = this.r(op.a);
    const c = this.constOf(op.b);
    const d = this.dst(op.dst);
    const f = { and: A.andReg, or: A.orrReg, xor: A.eorReg }[op.kind];
    const mask = w === 8 ? (1n << 64n) - 1n : (1n << 32n) - 1n;
    if (c !== undefined && c !== 0n && (c & mask) !== mask && A.encodeLogicalImm(c & mask, sf) !== null) {
      this.emit({ and: A.andImm, or: A.orrImm, xor: A.eorImm }[op.kind](sf, d, a, c & mask));
    } else {
      this.emit(f(sf, d, a, this.r(op.b)));
    }
    if (live & (Flag.CF | Flag.ZF | Flag.SF | Flag.OF)) {
      if (w >= 4) this.emit(A.tstReg(sf, d, d));
      else { this.emit(A.lslImm(false, S.A, d, 32 - w * 8)); this.emit(A.tstReg(false, S.A, S.A)); }
      if (live & Flag.CF) this.emit(A.cfinv());
    }
    if (live & Flag.PF) this.emit(A.movReg(true, X_PF, d));
    if (live & Flag.AF) this.emit(A.movReg(true, X_AF, XZR));
  }

  /** Writes chosen NZCV bits from 0/1 registers, keeping the others: mrs, bfi..., msr. */
  private writeNzcv(bits: Array<[number, number, boolean]>): void {
    if (bits.length === 0) return;
    this.emit(A.mrsNzcv(S.C));
    for (const [bit, reg, invert] of bits) {
      if (invert) { this.emit(A.eorImm(false, S.A, reg, 1n)); this.emit(A.bfi(true, S.C, S.A, bit, 1)); }
      else this.emit(A.bfi(true, S.C, reg, bit, 1));
    }
    this.emit(A.msrNzcv(S.C));
  }
  private skipIfZero(t: Temp | undefined): number | undefined {
    if (t === undefined) return undefined;
    return this.emit(A.nop());
  }
  private endSkip(at: number | undefined, t: Temp | undefined): void {
    if (at === undefined || t === undefined) return;
    this.code.patch(at, A.cbz(true, this.r(t), (this.code.length - at) * 4));
  }

  private setflags(op: Extract<Op, { op: 'setflags' }>): void {
    const live = this.live(op);
    const skip = this.skipIfZero(op.unlessZero);
    const bits: Array<[number, number, boolean]> = [];
    const v = op.values;
    if (v.CF !== undefined && (live & Flag.CF)) bits.push([NZCV_C, this.r(v.CF), true]);
    if (v.ZF !== undefined && (live & Flag.ZF)) bits.push([NZCV_Z, this.r(v.ZF), false]);
    if (v.SF !== undefined && (live & Flag.SF)) bits.push([NZCV_N, this.r(v.SF), false]);
    if (v.OF !== undefined && (live & Flag.OF)) bits.push([NZCV_V, this.r(v.OF), false]);
    this.writeNzcv(bits);
    if (op.pfFrom !== undefined && (live & Flag.PF)) this.emit(A.movReg(true, X_PF, this.r(op.pfFrom)));
    if (v.AF !== undefined && (live & Flag.AF)) this.emit(A.lslImm(true, X_AF, this.r(v.AF), 4));
    this.endSkip(skip, op.unlessZero);
  }

  private resultflags(op: Extract<Op, { op: 'resultflags' }>): void {
    const live = this.live(op);
    const skip = this.skipIfZero(op.unlessZero);
    const res = this.r(op.result);
    const bits: Array<[number, number, boolean]> = [];
    const shift = 64 - op.size * 8;
    if (live & (Flag.ZF | Flag.SF)) {
      // Temporarily use x26-free scratch: S.B holds ZF, then SF is read from the shifted value.
      this.emit(A.lslImm(true, S.B, res, shift || 0));
      if (shift === 0) this.emit(A.movReg(true, S.B, res));
    }
    const pieces: Array<() => void> = [];
    this.emit(A.mrsNzcv(S.C));
    if (live & Flag.SF) { this.emit(A.lsrImm(true, S.A, S.B, 63)); this.emit(A.bfi(true, S.C, S.A, NZCV_N, 1)); }
    if (live & Flag.ZF) {
      this.emit(A.clz(true, S.A, S.B));
      this.emit(A.lsrImm(true, S.A, S.A, 6));
      this.emit(A.bfi(true, S.C, S.A, NZCV_Z, 1));
    }
    if (op.cf !== undefined && (live & Flag.CF)) bits.push([NZCV_C, this.r(op.cf), true]);
    if (op.of !== undefined && (live & Flag.OF)) bits.push([NZCV_V, this.r(op.of), false]);
    for (const [bit, reg, invert] of bits) {
      if (invert) { this.emit(A.eorImm(false, S.A, reg, 1n)); this.emit(A.bfi(true, S.C, S.A, bit, 1)); }
      else this.emit(A.bfi(true, S.C, reg, bit, 1));
    }
    this.emit(A.msrNzcv(S.C));
    void pieces;
    if (live & Flag.PF) this.emit(A.movReg(true, X_PF, res));
    if (op.af !== undefined && (live & Flag.AF)) this.emit(A.lslImm(true, X_AF, this.r(op.af), 4));
    this.endSkip(skip, op.unlessZero);
  }

  private getrflags(d: number): void {
    this.emit(A.mrsNzcv(S.C));
    this.emit(A.movz(true, d, 0x202));
    this.emit(A.ubfx(true, S.A, S.C, NZCV_C, 1));
    this.emit(A.eorImm(true, S.A, S.A, 1n));
    this.emit(A.orrReg(true, d, d, S.A));
    this.emit(A.ubfx(true, S.A, S.C, NZCV_Z, 1));
    this.emit(A.orrReg(true, d, d, S.A, Shift.LSL, 6));
    this.emit(A.ubfx(true, S.A, S.C, NZCV_N, 1));
    this.emit(A.orrReg(true, d, d, S.A, Shift.LSL, 7));
    this.emit(A.ubfx(true, S.A, S.C, NZCV_V, 1));
    this.emit(A.orrReg(true, d, d, S.A, Shift.LSL, 11));
    this.parity(S.A);
    this.emit(A.orrReg(true, d, d, S.A, Shift.LSL, 2));
    this.emit(A.andImm(true, S.A, X_AF, 0x10n));
    this.emit(A.orrReg(true, d, d, S.A));
    this.emit(A.ldst(Mem.LDR_X, S.A, X_STATE, STATE.df));
    this.emit(A.orrReg(true, d, d, S.A, Shift.LSL, 10));
  }
  private setrflags(src: number): void {
    this.emit(A.movz(true, S.C, 0));
    this.emit(A.ubfx(true, S.A, src, 0, 1));
    this.emit(A.eorImm(true, S.A, S.A, 1n));
    this.emit(A.bfi(true, S.C, S.A, NZCV_C, 1));
    this.emit(A.ubfx(true, S.A, src, 6, 1));
    this.emit(A.bfi(true, S.C, S.A, NZCV_Z, 1));
    this.emit(A.ubfx(true, S.A, src, 7, 1));
    this.emit(A.bfi(true, S.C, S.A, NZCV_N, 1));
    this.emit(A.ubfx(true, S.A, src, 11, 1));
    this.emit(A.bfi(true, S.C, S.A, NZCV_V, 1));
    this.emit(A.msrNzcv(S.C));
    // PF = 1 wants an even-parity byte (0), PF = 0 an odd one (1).
    this.emit(A.ubfx(true, X_PF, src, 2, 1));
    this.emit(A.eorImm(true, X_PF, X_PF, 1n));
    this.emit(A.andImm(true, X_AF, src, 0x10n));
    this.emit(A.ubfx(true, S.A, src, 10, 1));
    this.emit(A.ldst(Mem.STR_X, S.A, X_STATE, STATE.df));
  }

  // ---- exits ------------------------------------------------------------------------------

  private loadRip(value: bigint): void {
    const at = this.code.length;
    for (const w of A.movImm64Fixed(X_EXIT_RIP, value)) this.emit(w);
    this.relocs.push({ kind: 'guest', at, value });
  }
  private toRuntime(symbol: RuntimeSymbol, link: boolean): void {
    const at = this.emit(link ? A.bl(0) : A.b(0));
    this.relocs.push({ kind: 'runtime', at, symbol });
  }
  private callRuntime(reason: ExitReason): void {
    this.emit(A.movz(true, X_REASON, reason));
    this.emit(A.svc(0));
    this.toRuntime('dispatch', false);
  }
  /** A patchable direct branch to the block for `target`, through a stub until linked. */
  private directExit(target: bigint): void {
    const at = this.emit(A.b(4));
    const stub = this.code.length;
    this.relocs.push({ kind: 'link', at, stub, target });
    this.loadRip(target);
    this.toRuntime('link', true);
  }

  private emitExit(exit: Exit): void {
    switch (exit.kind) {
      case 'jump': return this.directExit(exit.target);
      case 'branch': {
        const arm = ARM_COND[exit.cond];
        let at: number;
        if (arm !== undefined) {
          at = this.emit(A.nop());
          this.directExit(exit.fallthrough);
          this.code.patch(at, A.bCond(arm, (this.code.length - at) * 4));
        } else {
          this.parity(S.A);
          at = this.emit(A.nop());
          this.directExit(exit.fallthrough);
          const off = (this.code.length - at) * 4;
          this.code.patch(at, exit.cond === X86Cond.P ? A.cbnz(false, S.A, off) : A.cbz(false, S.A, off));
        }
        this.directExit(exit.taken);
        return;
      }
      case 'indirect': {
        const r = this.r(exit.target);
        this.emit(A.movReg(true, X_EXIT_RIP, r));
        this.toRuntime('dispatch', false);
        return;
      }
      case 'syscall':
        this.loadRip(exit.next);
        this.callRuntime(ExitReason.Syscall);
        return;
      case 'interpret':
        this.loadRip(exit.rip);
        this.callRuntime(ExitReason.Interpret);
        return;
      case 'fault': {
        this.loadRip(exit.rip);
        this.emit(A.movz(true, 18, this.faults.length));
        this.faults.push({ signal: exit.signal, rip: exit.rip, message: exit.message });
        this.callRuntime(ExitReason.Fault);
        return;
      }
    }
  }
}
