// Compiles an optimized IR block into relocatable AArch64 code: temporaries in a small register pool,
// x86 flags in NZCV (carry inverted) plus PF/AF registers, and exit stubs recorded as relocations.
import { Addr, Block, Cond as X86Cond, Exit, Flag, FlagSet, Op, Temp } from '../../ir/ir';
import { opDef, opUses } from '../../ir/passes';
import { CodeBuffer } from './code-buffer';
import * as A from './encoder';
import { Cond, Extend, Mem, Shift } from './encoder';
import { ExitReason, gprHost, STATE, TEMP_POOL, X_AF, X_EXIT_RIP, X_PF, X_REASON, X_STATE } from './host-regs';

export type RuntimeSymbol = 'dispatch' | 'link' | 'stop';
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
  /** Guest stores in the block and the host store instructions emitted for the whole block. */
  stores: { guest: number; host: number };
}

const S = { A: 16, B: 17, C: 30 };   // scratch registers
const V = { T: 17 };                 // vector scratch (V16 carries memory operands)
const XZR = 31;
const NZCV_N = 31, NZCV_Z = 30, NZCV_C = 29, NZCV_V = 28;

/** x86 condition to AArch64 condition with the carry kept inverted; P/NP have none. */
const ARM_COND: Array<Cond | undefined> = [
  Cond.VS, Cond.VC, Cond.LO, Cond.HS, Cond.EQ, Cond.NE, Cond.LS, Cond.HI,
  Cond.MI, Cond.PL, undefined, undefined, Cond.LT, Cond.GE, Cond.LE, Cond.GT,
];

export class CodegenError extends Error {}

/** Lowerings that write their destination only after reading every operand (see hintDestination). */
const HINT_SAFE = new Set<Op['op']>(['bin', 'un', 'ext', 'extract', 'lea', 'load', 'select', 'setcc', 'arith', 'logic', 'segbase']);

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
    this.uses = ops.map((op) => [...new Set(opUses(op))]);
    this.uses.forEach((list, k) => list.forEach((t) => this.lastUse.set(t, k)));
    if (this.block.exit.kind === 'indirect') this.lastUse.set(this.block.exit.target, ops.length);
    let rip: bigint | undefined;
    ops.forEach((op, k) => {
      this.now = k;
      if (this.block.opRip[k] !== rip) {
        rip = this.block.opRip[k];
        this.pcMap.push([this.code.length, rip]);
      }
      this.hintDestination(op, ops[k + 1]);
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
      stores: { guest: this.block.ops.filter((o) => o.op === 'store' || o.op === 'vstore' || o.op === 'strop').length, host: this.hostStores },
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
  /** Each op's distinct operand temps, computed once. */
  private uses: Temp[][] = [];
  private release(op: Op): void {
    for (const t of this.uses[this.now]) {
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
  private dst(t: Temp): number {
    const hinted = this.hint.get(t);
    if (hinted !== undefined) { this.hint.delete(t); this.reg.set(t, hinted); return hinted; }
    return this.alloc(t);
  }
  /** Destinations computed straight into a guest register, saving the setreg's move. */
  private readonly hint = new Map<Temp, number>();
  /**
   * When op's result only feeds the next op, a setreg, compute it into that guest register directly.
   * Safe only for lowerings that read all their operands before writing the destination, and only
   * when no other live temp still needs the guest register's old value.
   */
  private hintDestination(op: Op, next: Op | undefined): void {
    if (!next || next.op !== 'setreg') return;
    const d = opDef(op);
    if (d === undefined || next.src !== d || this.lastUse.get(d) !== this.now + 1) return;
    if (!HINT_SAFE.has(op.op)) return;
    if ((op.op === 'arith' || op.op === 'logic') && op.size < 4) return;
    const host = gprHost(next.reg);
    for (const [t, r] of this.reg) {
      if (r === host && (this.lastUse.get(t) ?? -1) > this.now) return;
    }
    this.hint.set(d, host);
  }
  private constOf(t: Temp): bigint | undefined { return this.consts.get(t); }

  // ---- lowering ---------------------------------------------------------------------------

  /** Bits above which a temp is known to be zero, from the op that defined it (undefined: unknown). */
  private zeroAbove(t: Temp): number | undefined {
    const c = this.consts.get(t);
    if (c !== undefined) return c.toString(2).length;
    return this.knownWidth.get(t);
  }
  private readonly knownWidth = new Map<Temp, number>();
  private noteWidth(op: Op): void {
    switch (op.op) {
      case 'ext': if (!op.signed) this.knownWidth.set(op.dst, op.from * 8); return;
      case 'bin': if (op.size === 4) this.knownWidth.set(op.dst, 32); return;
      case 'arith': case 'logic': if (op.size >= 4) this.knownWidth.set(op.dst, op.size * 8); return;
      case 'load': this.knownWidth.set(op.dst, op.size * 8); return;
      case 'setcc': case 'getflag': this.knownWidth.set(op.dst, 1); return;
      case 'un': if (op.kind === 'iszero' || op.kind === 'nonzero') this.knownWidth.set(op.dst, 1); return;
      case 'extract': this.knownWidth.set(op.dst, op.width); return;
      default: return;
    }
  }

  private lower(op: Op): void {
    this.noteWidth(op);
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
      case 'setmxcsr': return this.setMxcsr(this.r(op.src));
      case 'getmxcsr': return this.getMxcsr(this.dst(op.dst));
      case 'setdf':
        this.emit(A.movz(true, S.A, op.value));
        this.emit(A.ldst(Mem.STR_X, S.A, X_STATE, STATE.df));
        this.hostStores++;
        return;
      case 'vload': this.memAccess(({ 4: Mem.LDR_S, 8: Mem.LDR_D, 16: Mem.LDR_Q } as const)[op.size], op.xd, op.addr); return;
      case 'vstore': this.memAccess(({ 4: Mem.STR_S, 8: Mem.STR_D, 16: Mem.STR_Q } as const)[op.size], op.xa, op.addr); return;
      case 'vop': return this.vop(op);
      case 'vfromgpr': this.emit(A.fmovToFp(op.size === 8, op.xd, this.r(op.src))); return;
      case 'vtogpr': { const d = this.dst(op.dst); this.emit(A.fmovFromFp(op.size === 8, d, op.xa)); return; }
      case 'vmovmsk': return op.lane === 's' || op.lane === 'd' ? this.fpMovmsk(op.dst, op.xa, op.lane) : this.vmovmsk(op.dst, op.xa);
      case 'vcvti2f': {
        this.emit(A.intToFp('scvtf', op.from === 8, op.type, V.T, this.r(op.src)));
        this.emit(A.insElement(op.type, op.xd, 0, V.T, 0));
        return;
      }
      case 'vcvtf2i': return this.vcvtf2i(op);
      case 'fcomi': return this.fcomi(op);
      case 'strop': return this.strop(op);
      case 'sideexit': {
        const at = this.emit(A.nop());
        this.pending.push({ at, kind: op.when === 'zero' ? 'cbz' : 'cbnz', reg: this.r(op.a), exit: op.exit });
        return;
      }
    }
  }

  /** Moves any live temp that still names a guest register out of it before code changes it in place. */
  private evict(host: number): void {
    for (const [t, r] of this.reg) {
      if (r === host && (this.lastUse.get(t) ?? -1) > this.now) {
        const moved = this.alloc(t);
        this.emit(A.movReg(true, moved, host));
      }
    }
  }

  /** Inline movs/stos (DF = 0): post-indexed load and store, a loop on rcx for rep. */
  private strop(op: Extract<Op, { op: 'strop' }>): void {
    const RAX = gprHost(0), RCX = gprHost(1), RSI = gprHost(6), RDI = gprHost(7);
    for (const r of [RCX, RSI, RDI]) this.evict(r);
    const mem = ({ 1: [Mem.LDRB, Mem.STRB], 2: [Mem.LDRH, Mem.STRH], 4: [Mem.LDR_W, Mem.STR_W], 8: [Mem.LDR_X, Mem.STR_X] } as const)[op.size];
    const body = (): void => {
      if (op.kind === 'movs') {
        this.emit(A.ldstIndexed(mem[0], S.A, RSI, op.size, 'post'));
        this.emit(A.ldstIndexed(mem[1], S.A, RDI, op.size, 'post'));
      } else {
        this.emit(A.ldstIndexed(mem[1], RAX, RDI, op.size, 'post'));
      }
      this.hostStores++;
    };
    if (!op.rep) return body();
    const skip = this.emit(A.nop());
    const loop = this.code.length;
    body();
    this.emit(A.subImm(true, RCX, RCX, 1));
    this.emit(A.cbnz(true, RCX, (loop - this.code.length) * 4));
    this.code.patch(skip, A.cbz(true, RCX, (this.code.length - skip) * 4));
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
    const known = this.zeroAbove(src);
    if (!signed && known !== undefined && known <= from * 8 && a !== XZR) {
      // Already zero above `from`: the result is the source itself (a second name for its register).
      this.hint.delete(dst);
      this.reg.set(dst, a);
      return;
    }
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
  private hostStores = 0;
  private memAccess(op: A.MemOp, rt: number, addr: Addr): void {
    if (op.opc === 0 || (op.simd && op.opc === 2)) this.hostStores++;
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

  // ---- vectors ----------------------------------------------------------------------------

  private vop(op: Extract<Op, { op: 'vop' }>): void {
    const { xd, xa, xb } = op;
    const lane = op.lane ?? 'd';
    const arr = ({ b: '16b', h: '8h', s: '4s', d: '2d' } as const)[lane];
    const fp = lane === 's' ? 's' : 'd';
    switch (op.kind) {
      case 'mov': if (xd !== xb) this.emit(A.vmov(xd, xb)); return;
      case 'movq': this.emit(A.fpUnary('fmov', 'd', xd, xb)); return;
      case 'movlow': this.emit(A.insElement(lane, xd, 0, xb, 0)); return;
      case 'and': this.emit(A.simdLogic('and', '16b', xd, xa, xb)); return;
      case 'or': this.emit(A.simdLogic('orr', '16b', xd, xa, xb)); return;
      case 'xor': this.emit(A.simdLogic('eor', '16b', xd, xa, xb)); return;
      case 'andn': this.emit(A.simdLogic('bic', '16b', xd, xb, xa)); return;
      case 'add': this.emit(A.simd3Same('add', arr, xd, xa, xb)); return;
      case 'sub': this.emit(A.simd3Same('sub', arr, xd, xa, xb)); return;
      case 'cmpeq': this.emit(A.simd3Same('cmeq', arr, xd, xa, xb)); return;
      case 'zip1': this.emit(A.simdPermute('zip1', arr, xd, xa, xb)); return;
      case 'zip2': this.emit(A.simdPermute('zip2', arr, xd, xa, xb)); return;
      case 'pshufd': {
        for (let i = 0; i < 4; i++) this.emit(A.insElement('s', V.T, i, xb, (op.imm! >> (2 * i)) & 3));
        this.emit(A.vmov(xd, V.T));
        return;
      }
      case 'shufps': {
        // Result dwords 0-1 come from xa, 2-3 from xb.
        for (let i = 0; i < 4; i++) this.emit(A.insElement('s', V.T, i, i < 2 ? xa : xb, (op.imm! >> (2 * i)) & 3));
        this.emit(A.vmov(xd, V.T));
        return;
      }
      case 'pfadd': case 'pfsub': case 'pfmul': case 'pfdiv': case 'pfsqrt': {
        this.x86FpLanes(op.kind.slice(1) as 'fadd', lane === 's' ? '4s' : '2d', xa, xb);
        this.emit(A.vmov(xd, V.T));
        return;
      }
      case 'pfmin': case 'pfmax': {
        const va = lane === 's' ? '4s' : '2d';
        // a < b ? a : b per lane (a > b for max); NaN or equal lanes give b.
        if (op.kind === 'pfmin') this.emit(A.fpVec3('fcmgt', va, 18, xb, xa));
        else this.emit(A.fpVec3('fcmgt', va, 18, xa, xb));
        this.emit(A.vmov(V.T, xb));
        this.emit(A.simdLogic('bit', '16b', V.T, xa, 18));
        this.emit(A.vmov(xd, V.T));
        return;
      }
      case 'cvtdq2ps': this.emit(A.scvtfVec('4s', xd, xb)); return;
      case 'psrldq': case 'pslldq': {
        const n = op.imm!;
        if (n === 0) { if (xd !== xa) this.emit(A.vmov(xd, xa)); return; }
        if (n >= 16) { this.emit(A.moviZero(xd)); return; }
        this.emit(A.moviZero(18));
        if (op.kind === 'psrldq') this.emit(A.simdExt(true, xd, xa, 18, n));
        else this.emit(A.simdExt(true, xd, 18, xa, 16 - n));
        return;
      }
      case 'ushr': case 'shl': case 'sshr': {
        const esize = 8 << ['b', 'h', 's', 'd'].indexOf(lane);
        const n = op.imm!;
        if (n === 0) { if (xd !== xa) this.emit(A.vmov(xd, xa)); return; }
        if (n >= esize && op.kind !== 'sshr') { this.emit(A.moviZero(xd)); return; }
        this.emit(A.simdShiftImm(op.kind, arr, xd, xa, Math.min(n, op.kind === 'sshr' ? esize : esize - 1)));
        return;
      }
      case 'cmpgt': this.emit(A.simd3Same('cmgt', arr, xd, xa, xb)); return;
      case 'packus': case 'packss': {
        const narrow = op.kind === 'packus' ? 'sqxtun' : 'sqxtn';
        const [lo, hi] = lane === 'b' ? ['8b', '16b'] as const : ['4h', '8h'] as const;
        this.emit(A.simdNarrow(narrow, lo, V.T, xa));
        this.emit(A.simdNarrow(narrow, hi, V.T, xb));
        this.emit(A.vmov(xd, V.T));
        return;
      }
      case 'pshuflw': case 'pshufhw': {
        // One half of the words shuffled within itself, the other half copied.
        const base = op.kind === 'pshuflw' ? 0 : 4;
        this.emit(A.vmov(V.T, xb));
        for (let i = 0; i < 4; i++) this.emit(A.insElement('h', V.T, base + i, xb, base + ((op.imm! >> (2 * i)) & 3)));
        this.emit(A.vmov(xd, V.T));
        return;
      }
      case 'fcmpp': case 'fcmps': {
        const va = lane === 's' ? '4s' : '2d';
        const pred = op.imm! & 7;
        const base = pred & 3;
        if (base === 0) this.emit(A.fpVec3('fcmeq', va, V.T, xa, xb));
        else if (base === 1) this.emit(A.fpVec3('fcmgt', va, V.T, xb, xa));
        else if (base === 2) this.emit(A.fpVec3('fcmge', va, V.T, xb, xa));
        else {
          // ordered: both lanes equal to themselves; unord is its complement.
          this.emit(A.fpVec3('fcmeq', va, V.T, xa, xa));
          this.emit(A.fpVec3('fcmeq', va, 18, xb, xb));
          this.emit(A.simdLogic('and', '16b', V.T, V.T, 18));
        }
        // Predicates 4-7 are the negations of 0-3; unord (3) is the negation of ordered.
        if ((pred >= 4) !== (base === 3)) this.emit(A.simd2Misc('not', '16b', V.T, V.T));
        if (op.kind === 'fcmpp') this.emit(A.vmov(xd, V.T));
        else this.emit(A.insElement(lane, xd, 0, V.T, 0));
        return;
      }
      case 'ins': this.emit(A.insElement(lane, xd, op.imm! >> 4, xb, op.imm! & 15)); return;
      case 'sqadd': case 'uqadd': case 'sqsub': case 'uqsub': case 'smin': case 'smax': case 'umin': case 'umax': case 'urhadd': case 'mul':
        this.emit(A.simd3Same(op.kind, arr, xd, xa, xb));
        return;
      case 'cvtps2pd': this.emit(A.fcvtl2d(V.T, xb)); this.emit(A.vmov(xd, V.T)); return;
      case 'cvtpd2ps': this.emit(A.fcvtn2s(xd, xb)); return;
      case 'cvtdq2pd':
        this.emit(A.simdShiftLong('sshll', '2s', V.T, xb, 0));
        this.emit(A.scvtfVec('2d', xd, V.T));
        return;
      case 'cvttps2dq':
        // NaN or out of range gives 0x80000000 per lane; fcvtzs gives 0 or 0x7fffffff there.
        this.emit(A.fcvtzsVec('4s', V.T, xb));
        this.emit(A.fpVec3('fcmeq', '4s', 18, xb, xb));
        this.emit(A.moviZero(20));
        this.emit(A.simd2Misc('not', '16b', 20, 20));
        this.emit(A.simdShiftImm('ushr', '4s', 20, 20, 1));
        this.emit(A.simd3Same('cmeq', '4s', 19, V.T, 20));
        this.emit(A.simdLogic('orn', '16b', 19, 19, 18));
        this.emit(A.simd2Misc('not', '16b', 20, 20));
        this.emit(A.simdLogic('bit', '16b', V.T, 20, 19));
        this.emit(A.vmov(xd, V.T));
        return;
      case 'pmuludq':
        this.emit(A.simdNarrow('xtn', '2s', 18, xa));
        this.emit(A.simdNarrow('xtn', '2s', 19, xb));
        this.emit(A.simdMulLong('umull', '2s', xd, 18, 19));
        return;
      case 'shufpd':
        this.emit(A.insElement('d', V.T, 0, xa, op.imm! & 1));
        this.emit(A.insElement('d', V.T, 1, xb, (op.imm! >> 1) & 1));
        this.emit(A.vmov(xd, V.T));
        return;
      case 'fmin': case 'fmax':
        // x86: a < b ? a : b (a > b for max); any NaN or equal values give b.
        this.emit(A.mrsNzcv(S.C));
        this.emit(A.fcmp(fp, xa, xb));
        this.emit(A.fcsel(fp, V.T, xa, xb, op.kind === 'fmin' ? Cond.MI : Cond.GT));
        this.emit(A.msrNzcv(S.C));
        this.emit(A.insElement(fp, xd, 0, V.T, 0));
        return;
      case 'fsqrt':
        this.x86FpScalar('fsqrt', fp, xa, xb);
        this.emit(A.insElement(fp, xd, 0, V.T, 0));
        return;
      case 'cvt': {
        // lane is the result type; the source is the other precision.
        const from = fp === 'd' ? 's' : 'd';
        this.emit(A.fcvt(fp, from, V.T, xb));
        this.emit(A.insElement(fp, xd, 0, V.T, 0));
        return;
      }
      case 'fadd': case 'fsub': case 'fmul': case 'fdiv':
        this.x86FpScalar(op.kind, fp, xa, xb);
        this.emit(A.insElement(fp, xd, 0, V.T, 0));
        return;
      case 'pmulh': case 'pmulhu': case 'pmaddwd': case 'psadbw': return this.vecMulSum(op.kind, xd, xa, xb);
      case 'ushrv': case 'shlv': case 'sshrv': return this.vecShiftByXmm(op.kind, lane, xd, xa, xb);
      case 'cvtps2dq':
        // Round by FPCR (set from MXCSR.RC) first; the truncating conversion is then exact.
        this.emit(A.fpVecUnary('frinti', '4s', 16, xb));
        return this.vop({ ...op, kind: 'cvttps2dq', xb: 16 });
      case 'cvtpd2dq': case 'cvttpd2dq': return this.cvtpd2dq(xd, xb, op.kind === 'cvtpd2dq');
    }
  }

  /** pmulhw/pmulhuw (high halves of the products), pmaddwd (pairwise sums of products), psadbw. */
  private vecMulSum(kind: 'pmulh' | 'pmulhu' | 'pmaddwd' | 'psadbw', xd: number, xa: number, xb: number): void {
    if (kind === 'psadbw') {
      // |a - b| per byte, summed over each 8-byte half into a 64-bit lane (at most 8 * 255).
      this.emit(A.simd3Same('uabd', '16b', V.T, xa, xb));
      this.emit(A.simdAddLongPairwise('uaddlp', '16b', V.T, V.T));
      this.emit(A.simdAddLongPairwise('uaddlp', '8h', V.T, V.T));
      this.emit(A.simdAddLongPairwise('uaddlp', '4s', xd, V.T));
      return;
    }
    const mul = kind === 'pmulhu' ? 'umull' : 'smull';
    this.emit(A.simdMulLong(mul, '4h', 18, xa, xb));
    this.emit(A.simdMulLong(mul, '8h', 19, xa, xb));
    if (kind === 'pmaddwd') this.emit(A.simd3Same('addp', '4s', xd, 18, 19));
    else this.emit(A.simdPermute('uzp2', '8h', xd, 18, 19));
  }

  /**
   * psrl/psll/psra with an xmm count: the count is xb's unsigned low quadword; counts of the lane width
   * or more give 0 (all sign bits for psra). USHL/SSHL shift by each lane's signed low byte, so the
   * count is clamped to the lane width and negated for right shifts.
   */
  private vecShiftByXmm(kind: 'ushrv' | 'shlv' | 'sshrv', lane: 'b' | 'h' | 's' | 'd', xd: number, xa: number, xb: number): void {
    const arr = ({ b: '16b', h: '8h', s: '4s', d: '2d' } as const)[lane];
    const esize = 8 << ['b', 'h', 's', 'd'].indexOf(lane);
    this.emit(A.umov('d', S.A, xb, 0));
    this.emit(A.mrsNzcv(S.C));
    this.emit(A.movz(true, S.B, esize));
    this.emit(A.cmpReg(true, S.A, S.B));
    this.emit(A.csel(true, S.A, S.A, S.B, Cond.LO));
    this.emit(A.msrNzcv(S.C));
    if (kind !== 'shlv') this.emit(A.neg(true, S.A, S.A));
    this.emit(A.dupGeneral(arr, V.T, S.A));
    this.emit(A.simd3Same(kind === 'sshrv' ? 'sshl' : 'ushl', arr, xd, xa, V.T));
  }

  /** cvtpd2dq (rounding by FPCR) / cvttpd2dq: two doubles to the low two dwords, upper half zeroed; NaN or out of range gives 0x80000000. */
  private cvtpd2dq(xd: number, xb: number, round: boolean): void {
    let src = xb;
    if (round) { this.emit(A.fpVecUnary('frinti', '2d', 16, xb)); src = 16; }
    this.emit(A.fcvtzsVec('2d', V.T, src));                  // int64, saturating
    this.emit(A.simdNarrow('sqxtn', '2s', 18, V.T));          // int32, saturating
    this.emit(A.simdShiftLong('sshll', '2s', 19, 18, 0));
    this.emit(A.simd3Same('cmeq', '2d', 19, 19, V.T));        // fits in 32 bits
    this.emit(A.fpVec3('fcmeq', '2d', 20, src, src));         // not NaN
    this.emit(A.simdLogic('and', '16b', 19, 19, 20));
    this.emit(A.simdNarrow('xtn', '2s', 19, 19));
    this.emit(A.moviZero(20));
    this.emit(A.simd2Misc('not', '8b', 20, 20));
    this.emit(A.simdShiftImm('shl', '2s', 20, 20, 31));       // 0x80000000 in the low two lanes
    this.emit(A.simdLogic('bsl', '8b', 19, 18, 20));          // the 64-bit form zeroes the upper half
    this.emit(A.vmov(xd, 19));
  }

  /**
   * ldmxcsr: MXCSR lives at STATE.mxcsr in the state block XORed with its default 0x1f80, so the
   * zeroed block reads as 0x1f80; RC goes to FPCR.RMode (x86 00 nearest, 01 down, 10 up, 11 zero ->
   * AArch64 00, 10, 01, 11: the two bits swapped). FTZ/DAZ and the exception masks are stored only.
   */
  private setMxcsr(r: number): void {
    this.emit(A.eorImm(false, S.A, r, 0x1f80n));
    this.emit(A.ldst(Mem.STR_W, S.A, X_STATE, STATE.mxcsr));
    this.emit(A.mrs(S.B, 'fpcr'));
    this.emit(A.ubfx(false, S.A, r, 13, 1));
    this.emit(A.bfi(true, S.B, S.A, 23, 1));
    this.emit(A.ubfx(false, S.A, r, 14, 1));
    this.emit(A.bfi(true, S.B, S.A, 22, 1));
    this.emit(A.msr('fpcr', S.B));
  }
  private getMxcsr(d: number): void {
    this.emit(A.ldst(Mem.LDR_W, d, X_STATE, STATE.mxcsr));
    this.emit(A.eorImm(false, d, d, 0x1f80n));
  }

  /**
   * V.T = xa OP xb on the low lane with x86's NaN rules, without branches (a branch would end
   * Unicorn's translation block) and without extra FP instructions (each is a helper call there):
   * AArch64 already propagates a NaN operand quieted; integer tests on the bits then (1) make a newly
   * made NaN negative (x86's default NaN) unless an operand was that same NaN, and (2) let a NaN
   * first operand win over a NaN second one.
   */
  private x86FpScalar(kind: 'fadd' | 'fsub' | 'fmul' | 'fdiv' | 'fsqrt', fp: 's' | 'd', xa: number, xb: number): void {
    const sf = fp === 'd';
    const dflt = sf ? 0x7ff8_0000_0000_0000n : 0x7fc0_0000n;
    const sign = sf ? 1n << 63n : 1n << 31n;
    const quiet = sf ? 1n << 51n : 1n << 22n;
    const [expLsb, expBits, mantShift] = sf ? [52, 11, 12] : [23, 8, 9];
    this.emit(A.mrsNzcv(S.C));
    if (kind === 'fsqrt') this.emit(A.fpUnary('fsqrt', fp, V.T, xb));
    else this.emit(A.fpArith(kind, fp, V.T, xa, xb));
    // (1) result is the AArch64 default NaN and no source was: flip its sign.
    this.emit(A.fmovFromFp(sf, S.A, V.T));
    this.emit(A.eorImm(sf, S.B, S.A, dflt));
    this.emit(A.cmpImm(sf, S.B, 0));
    const sources = kind === 'fsqrt' ? [xb] : [xa, xb];
    // A chain of conditional compares: NE at the end exactly when the sign must flip; a failed
    // step forces Z=1 (EQ) so later steps keep it.
    sources.forEach((src, k) => {
      this.emit(A.fmovFromFp(sf, S.B, src));
      this.emit(A.eorImm(sf, S.B, S.B, dflt));
      this.emit(A.ccmpImm(sf, S.B, 0, 0b0100, k === 0 ? Cond.EQ : Cond.NE));
    });
    this.emit(A.orrImm(sf, S.B, S.A, sign));
    this.emit(A.csel(sf, S.A, S.B, S.A, Cond.NE));
    this.emit(A.fmovToFp(sf, V.T, S.A));
    if (kind !== 'fsqrt') {
      // (2) a NaN first operand wins, quieted.
      this.emit(A.fmovFromFp(sf, S.A, xa));
      this.emit(A.ubfx(sf, S.B, S.A, expLsb, expBits));
      this.emit(A.cmpImm(sf, S.B, (1 << expBits) - 1));
      this.emit(A.lslImm(sf, S.B, S.A, mantShift));
      this.emit(A.ccmpImm(sf, S.B, 0, 0b0100, Cond.EQ));
      this.emit(A.orrImm(sf, S.A, S.A, quiet));
      this.emit(A.fmovToFp(sf, 18, S.A));
      this.emit(A.fcsel(fp, V.T, 18, V.T, Cond.NE));
    }
    this.emit(A.msrNzcv(S.C));
  }

  /**
   * V.T = xa OP xb per lane with x86's NaN rules: a NaN first operand wins (quieted), else a NaN
   * second operand (quieted, as AArch64 already does); a newly made NaN is negative (x86's default).
   */
  private x86FpLanes(kind: 'fadd' | 'fsub' | 'fmul' | 'fdiv' | 'fsqrt', va: '4s' | '2d', xa: number, xb: number): void {
    const esize = va === '4s' ? 32 : 64;
    if (kind === 'fsqrt') this.emit(A.fpVecUnary('fsqrt', va, V.T, xb));
    else this.emit(A.fpVec3(kind, va, V.T, xa, xb));
    const src1 = kind === 'fsqrt' ? xb : xa;
    this.emit(A.fpVec3('fcmeq', va, 18, src1, src1));
    this.emit(A.fpVec3('fcmeq', va, 19, xb, xb));
    this.emit(A.simdLogic('and', '16b', 19, 18, 19));
    this.emit(A.fpVec3('fcmeq', va, 20, V.T, V.T));
    this.emit(A.simdLogic('bic', '16b', 19, 19, 20));
    this.emit(A.simdShiftImm('shl', va, 19, 19, esize - 1));
    this.emit(A.simdLogic('eor', '16b', V.T, V.T, 19));
    if (kind !== 'fsqrt') {
      this.emit(A.fpVec3('fadd', va, 19, xa, xa));
      this.emit(A.simdLogic('bif', '16b', V.T, 19, 18));
    }
  }

  /** pmovmskb: the top bit of each byte; 0/1 bytes gather into one byte by a multiply. */
  private vmovmsk(dst: Temp, xa: number): void {
    const d = this.dst(dst);
    this.emit(A.simdShiftImm('ushr', '16b', V.T, xa, 7));
    this.emit(A.umov('d', S.A, V.T, 0));
    this.emit(A.umov('d', S.B, V.T, 1));
    for (const w of A.movImm64(S.C, 0x0102040810204080n)) this.emit(w);
    this.emit(A.mul(true, S.A, S.A, S.C));
    this.emit(A.mul(true, S.B, S.B, S.C));
    this.emit(A.lsrImm(true, S.A, S.A, 56));
    this.emit(A.lsrImm(true, S.B, S.B, 56));
    this.emit(A.orrReg(true, d, S.A, S.B, Shift.LSL, 8));
  }

  /** movmskps/movmskpd: lane sign bits through two 64-bit halves. */
  private fpMovmsk(dst: Temp, xa: number, lane: 's' | 'd'): void {
    const d = this.dst(dst);
    this.emit(A.simdShiftImm('ushr', lane === 's' ? '4s' : '2d', V.T, xa, lane === 's' ? 31 : 63));
    this.emit(A.umov('d', S.A, V.T, 0));
    this.emit(A.umov('d', S.B, V.T, 1));
    if (lane === 's') {
      this.emit(A.orrReg(true, S.A, S.A, S.A, Shift.LSR, 31));
      this.emit(A.orrReg(true, S.B, S.B, S.B, Shift.LSR, 31));
      this.emit(A.andImm(true, S.A, S.A, 3n));
      this.emit(A.andImm(true, S.B, S.B, 3n));
      this.emit(A.orrReg(true, d, S.A, S.B, Shift.LSL, 2));
    } else {
      this.emit(A.orrReg(true, d, S.A, S.B, Shift.LSL, 1));
    }
  }

  private vcvtf2i(op: Extract<Op, { op: 'vcvtf2i' }>): void {
    const d = this.dst(op.dst);
    this.emit(A.mrsNzcv(S.C));
    // cvt*2si rounds by MXCSR.RC, which ldmxcsr copies to FPCR.RMode: FRINTI rounds by FPCR.
    if (op.round) this.emit(A.fpUnary('frinti', op.type, V.T, op.xa));
    this.emit(A.fpToInt('fcvtzs', true, op.type, S.A, op.round ? V.T : op.xa));
    if (op.size === 8) {
      // Saturation to INT64_MAX means out of range (INT64_MIN is the indefinite value already).
      for (const w of A.movImm64(S.B, 0x7fffffffffffffffn)) this.emit(w);
      this.emit(A.cmpReg(true, S.A, S.B));
      for (const w of A.movImm64(S.B, 0x8000000000000000n)) this.emit(w);
      this.emit(A.csel(true, S.A, S.B, S.A, Cond.EQ));
    } else {
      this.emit(A.sxtw(S.B, S.A));
      this.emit(A.cmpReg(true, S.B, S.A));
      this.emit(A.movz(true, S.B, 0x8000, 1));
      this.emit(A.csel(true, S.A, S.A, S.B, Cond.EQ));
    }
    this.emit(A.fcmp(op.type, op.xa, op.xa));
    this.emit(A.csel(true, d, S.B, S.A, Cond.VS));
    if (op.size === 4) this.emit(A.movReg(false, d, d));
    this.emit(A.msrNzcv(S.C));
  }

  private fcomi(op: Extract<Op, { op: 'fcomi' }>): void {
    // fcmp: unordered 0011, equal 0110, less 1000, greater 0010.
    // x86: CF = less or unordered (LT), ZF = equal or unordered, PF = unordered; OF, SF, AF = 0.
    this.emit(A.fcmp(op.type, op.xa, op.xb));
    this.emit(A.cset(false, S.A, Cond.GE));                 // !CF, the stored carry
    this.emit(A.cset(false, S.B, Cond.EQ));
    this.emit(A.cset(false, X_PF, Cond.VC));                // 0 (even parity) when unordered
    this.emit(A.cset(false, S.C, Cond.VS));
    this.emit(A.orrReg(false, S.B, S.B, S.C));              // ZF
    this.emit(A.lslImm(false, S.A, S.A, NZCV_C));
    this.emit(A.orrReg(false, S.A, S.A, S.B, Shift.LSL, NZCV_Z));
    this.emit(A.msrNzcv(S.A));
    this.emit(A.movReg(true, X_AF, XZR));
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
    // add/sub of a small constant uses the immediate form (AF then needs the constant as a logical immediate).
    const c = op.kind === 'neg' || w < 4 ? undefined : this.constOf(op.b);
    const imm = c !== undefined && (op.kind === 'add' || op.kind === 'sub' || op.kind === 'inc' || op.kind === 'dec') &&
      (c & (sf ? (1n << 64n) - 1n : 0xffff_ffffn)) < 4096n && (!(live & Flag.AF) || (c !== 0n && A.encodeLogicalImm(c, true) !== null))
      ? Number(c) : undefined;
    const b = op.kind === 'neg' || imm !== undefined ? XZR : this.r(op.b);
    const d = this.dst(op.dst);
    const nzcvLive = live & (Flag.CF | Flag.ZF | Flag.SF | Flag.OF);
    const preserveCarry = op.kind === 'inc' || op.kind === 'dec';
    // AF needs the operands after the result register may have overwritten nothing: compute it first.
    if (live & Flag.AF) {
      if (op.kind === 'neg') this.emit(A.movReg(true, X_AF, a));
      else if (imm !== undefined) this.emit(A.eorImm(true, X_AF, a, BigInt(imm)));
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
      if (imm !== undefined) {
        this.emit((isAdd ? A.addImm : A.subImm)(sf, d, a, imm, false, nzcvLive !== 0));
      } else if (w >= 4) {
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
    this.insertNzcvBits(bits);
    this.emit(A.msrNzcv(S.C));
  }
  /** Inserts 0/1 registers (inverted where asked) into the NZCV word held in S.C. */
  private insertNzcvBits(bits: Array<[number, number, boolean]>): void {
    for (const [bit, reg, invert] of bits) {
      if (invert) { this.emit(A.eorImm(false, S.A, reg, 1n)); this.emit(A.bfi(true, S.C, S.A, bit, 1)); }
      else this.emit(A.bfi(true, S.C, reg, bit, 1));
    }
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
      // S.B holds the result shifted so its sign bit is bit 63: SF is that bit, ZF is S.B == 0.
      this.emit(shift ? A.lslImm(true, S.B, res, shift) : A.movReg(true, S.B, res));
    }
    this.emit(A.mrsNzcv(S.C));
    if (live & Flag.SF) { this.emit(A.lsrImm(true, S.A, S.B, 63)); this.emit(A.bfi(true, S.C, S.A, NZCV_N, 1)); }
    if (live & Flag.ZF) {
      this.emit(A.clz(true, S.A, S.B));
      this.emit(A.lsrImm(true, S.A, S.A, 6));
      this.emit(A.bfi(true, S.C, S.A, NZCV_Z, 1));
    }
    if (op.cf !== undefined && (live & Flag.CF)) bits.push([NZCV_C, this.r(op.cf), true]);
    if (op.of !== undefined && (live & Flag.OF)) bits.push([NZCV_V, this.r(op.of), false]);
    this.insertNzcvBits(bits);
    this.emit(A.msrNzcv(S.C));
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
    this.hostStores++;
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
