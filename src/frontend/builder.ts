// Builds the IR for one guest block: temporaries, guest register and memory operand access with
// x86 partial-register rules, and the block's exit. The semantics table drives it.
import { X86Insn, X86Operand } from '../capstone/capstone';
import { Addr, ArithKind, BinKind, Block, Cond, Exit, FlagSet, LogicKind, Op, Size, Temp, UnKind } from '../ir/ir';
import { gpr } from './registers';

export class UnsupportedOperand extends Error {}

export const RSP = 4;

export class Builder {
  readonly ops: Op[] = [];
  readonly opRip: bigint[] = [];
  private temps = 0;
  exit: Exit | undefined;
  /** The instruction being lifted. */
  insn!: X86Insn;

  constructor(readonly start: bigint) {}

  get next(): bigint { return this.insn.address + BigInt(this.insn.size); }

  temp(): Temp { return this.temps++; }
  emit(op: Op): void { this.ops.push(op); this.opRip.push(this.insn.address); }

  const(value: bigint): Temp {
    const dst = this.temp();
    this.emit({ op: 'const', dst, value: BigInt.asUintN(64, value) });
    return dst;
  }
  getReg(reg: number): Temp {
    const dst = this.temp();
    this.emit({ op: 'getreg', dst, reg });
    return dst;
  }
  setReg(reg: number, src: Temp): void { this.emit({ op: 'setreg', reg, src }); }
  bin(kind: BinKind, a: Temp, b: Temp, size: 4 | 8 = 8): Temp {
    const dst = this.temp();
    this.emit({ op: 'bin', kind, dst, a, b, size });
    return dst;
  }
  un(kind: UnKind, a: Temp, size: Size): Temp {
    const dst = this.temp();
    this.emit({ op: 'un', kind, dst, a, size });
    return dst;
  }
  ext(a: Temp, from: 1 | 2 | 4 | 8, signed: boolean): Temp {
    const dst = this.temp();
    this.emit({ op: 'ext', dst, a, from, signed });
    return dst;
  }
  extract(a: Temp, lsb: number, width: number): Temp {
    const dst = this.temp();
    this.emit({ op: 'extract', dst, a, lsb, width });
    return dst;
  }
  insert(base: Temp, val: Temp, lsb: number, width: number): Temp {
    const dst = this.temp();
    this.emit({ op: 'insert', dst, base, val, lsb, width });
    return dst;
  }
  arith(kind: ArithKind, a: Temp, b: Temp, size: 1 | 2 | 4 | 8, flags: FlagSet): Temp {
    const dst = this.temp();
    this.emit({ op: 'arith', kind, dst, a, b, size, flags });
    return dst;
  }
  logic(kind: LogicKind, a: Temp, b: Temp, size: 1 | 2 | 4 | 8, flags: FlagSet): Temp {
    const dst = this.temp();
    this.emit({ op: 'logic', kind, dst, a, b, size, flags });
    return dst;
  }
  select(cond: Cond, a: Temp, b: Temp): Temp {
    const dst = this.temp();
    this.emit({ op: 'select', dst, cond, a, b });
    return dst;
  }
  setcc(cond: Cond): Temp {
    const dst = this.temp();
    this.emit({ op: 'setcc', dst, cond });
    return dst;
  }
  getFlag(flag: 'CF' | 'ZF' | 'SF' | 'OF' | 'PF' | 'AF'): Temp {
    const dst = this.temp();
    this.emit({ op: 'getflag', dst, flag });
    return dst;
  }
  load(addr: Addr, size: 1 | 2 | 4 | 8): Temp {
    const dst = this.temp();
    this.emit({ op: 'load', dst, addr, size });
    return dst;
  }
  store(addr: Addr, src: Temp, size: 1 | 2 | 4 | 8): void { this.emit({ op: 'store', addr, src, size }); }
  lea(addr: Addr): Temp {
    const dst = this.temp();
    this.emit({ op: 'lea', dst, addr });
    return dst;
  }

  /** The effective address of a memory operand, with FS/GS base and 32-bit address size applied. */
  address(o: X86Operand & { type: 'mem' }): Addr {
    let addr: Addr = { scale: o.scale as 1 | 2 | 4 | 8, disp: o.disp };
    if (o.base === 'rip') {
      addr = { scale: 1, disp: BigInt.asUintN(64, this.next + o.disp) };
    } else if (o.base) {
      addr.base = this.regRead(o.base);
    }
    if (o.index) addr.index = this.regRead(o.index);
    if (this.insn.addrSize === 4) {
      addr = { base: this.ext(this.lea(addr), 4, false), scale: 1, disp: 0n };
    }
    if (o.segment === 'fs' || o.segment === 'gs') {
      const seg = this.temp();
      this.emit({ op: 'segbase', dst: seg, seg: o.segment });
      addr = addr.base === undefined ? { ...addr, base: seg } : { base: seg, index: this.lea(addr), scale: 1, disp: 0n };
    }
    return addr;
  }

  /** Reads a GPR by Capstone name; the temp's bits above the register's width are unspecified. */
  regRead(name: string): Temp {
    const r = gpr(name);
    if (!r) throw new UnsupportedOperand(`register ${name}`);
    const full = this.getReg(r.index);
    return r.high ? this.extract(full, 8, 8) : full;
  }

  /** Writes a GPR with x86 rules: 32-bit writes zero the top half, 8/16-bit writes merge. */
  regWrite(name: string, value: Temp): void {
    const r = gpr(name);
    if (!r) throw new UnsupportedOperand(`register ${name}`);
    if (r.size === 8) return this.setReg(r.index, value);
    if (r.size === 4) return this.setReg(r.index, this.ext(value, 4, false));
    const old = this.getReg(r.index);
    this.setReg(r.index, this.insert(old, value, r.high ? 8 : 0, r.size * 8));
  }

  /** Reads an operand's value (register, immediate, or memory). */
  read(o: X86Operand, size: 1 | 2 | 4 | 8 = o.size as 1 | 2 | 4 | 8): Temp {
    switch (o.type) {
      case 'reg': return this.regRead(o.reg);
      case 'imm': return this.const(BigInt.asUintN(size * 8, o.imm));
      case 'mem': return this.load(this.address(o), size);
    }
  }

  /** Writes an operand; for memory, `addr` reuses an address computed for the read. */
  write(o: X86Operand, value: Temp, addr?: Addr, size: 1 | 2 | 4 | 8 = o.size as 1 | 2 | 4 | 8): void {
    switch (o.type) {
      case 'reg': return this.regWrite(o.reg, value);
      case 'mem': return this.store(addr ?? this.address(o), value, size);
      case 'imm': throw new UnsupportedOperand('write to an immediate');
    }
  }

  /** Read-modify-write helper: reads operand 0 once and returns a writer that reuses its address. */
  readForUpdate(o: X86Operand): { value: Temp; writeBack: (v: Temp) => void } {
    if (o.type === 'mem') {
      const addr = this.address(o);
      const size = o.size as 1 | 2 | 4 | 8;
      const value = this.load(addr, size);
      return { value, writeBack: (v) => this.store(addr, v, size) };
    }
    return { value: this.read(o), writeBack: (v) => this.write(o, v) };
  }

  push(value: Temp, size: 8 | 2 = 8): void {
    const sp = this.arithNoFlags('sub', this.getReg(RSP), BigInt(size));
    this.store({ base: sp, scale: 1, disp: 0n }, value, size);
    this.setReg(RSP, sp);
  }
  pop(size: 8 | 2 = 8): Temp {
    const sp = this.getReg(RSP);
    const value = this.load({ base: sp, scale: 1, disp: 0n }, size);
    this.setReg(RSP, this.arithNoFlags('add', sp, BigInt(size)));
    return value;
  }
  arithNoFlags(kind: 'add' | 'sub', a: Temp, imm: bigint): Temp {
    return this.bin(kind, a, this.const(imm), 8);
  }

  finish(exit: Exit, end: bigint, guestInsns: number): Block {
    return { start: this.start, end, guestInsns, ops: this.ops, opRip: this.opRip, exit, temps: this.temps };
  }
}
