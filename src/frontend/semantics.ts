// The one table of x86 instruction semantics: for each Capstone instruction name, the flags it
// reads and writes and how it lifts to IR. A lift returns an Exit when the instruction ends the block.
import { X86Insn, X86Operand } from '../capstone/capstone';
import { Addr, ALL_FLAGS, Cond, COND_NAMES, COND_READS, Exit, Flag, FlagSet, Temp, VecKind } from '../ir/ir';
import { Builder, RSP, UnsupportedOperand } from './builder';
import { gpr, xmm } from './registers';
import { registerX87 } from './semantics-x87';
import { registerMmx } from './semantics-mmx';

export interface Semantics {
  reads: FlagSet;
  writes: FlagSet;
  lift(b: Builder, i: X86Insn): Exit | void;
}

const { CF, PF, AF, ZF, SF, OF } = Flag;
const ALL = ALL_FLAGS;
type W = 1 | 2 | 4 | 8;
const RAX = 0, RCX = 1, RDX = 2, R11 = 11;

const table = new Map<string, Semantics>();
function def(names: string | string[], reads: FlagSet, writes: FlagSet, lift: Semantics['lift']): void {
  for (const n of typeof names === 'string' ? [names] : names) table.set(n, { reads, writes, lift });
}
export function semanticsOf(name: string): Semantics | undefined {
  return table.get(name);
}

const op = (i: X86Insn, n: number): X86Operand => i.operands[n];
const width = (o: X86Operand): W => o.size as W;
const bits = (w: W): number => w * 8;
const opSize = (w: W): 4 | 8 => (w === 8 ? 8 : 4);

// ---- data movement -------------------------------------------------------------------------
def(['mov', 'movabs'], 0, 0, (b, i) => b.write(op(i, 0), b.read(op(i, 1), width(op(i, 0)))));
def('movzx', 0, 0, (b, i) => b.write(op(i, 0), b.ext(b.read(op(i, 1)), width(op(i, 1)), false)));
def(['movsx', 'movsxd'], 0, 0, (b, i) => b.write(op(i, 0), b.ext(b.read(op(i, 1)), width(op(i, 1)), true)));
def('lea', 0, 0, (b, i) => {
  const m = op(i, 1);
  if (m.type !== 'mem') throw new Error('lea without memory operand');
  b.write(op(i, 0), b.lea(b.address({ ...m, segment: '' })));
});
def(['nop', 'endbr64', 'endbr32', 'pause', 'prefetch', 'prefetcht0', 'prefetcht1', 'prefetcht2', 'prefetchnta',
  'prefetchw', 'lfence', 'mfence', 'sfence'], 0, 0, () => undefined);
def('push', 0, 0, (b, i) => b.push(b.ext(b.read(op(i, 0)), width(op(i, 0)), true)));
def('pop', 0, 0, (b, i) => {
  const o = op(i, 0);
  // pop into a memory operand that uses rsp computes the address after the increment
  const v = b.pop();
  b.write(o, v);
});
def('leave', 0, 0, (b) => {
  b.setReg(RSP, b.getReg(5));
  b.setReg(5, b.pop());
});
def('xchg', 0, 0, (b, i) => {
  const x = b.readForUpdate(op(i, 0));
  const y = b.read(op(i, 1));
  x.writeBack(y);
  b.write(op(i, 1), x.value);
});
def(['cbw', 'cwde', 'cdqe'], 0, 0, (b, i) => {
  const w = ({ cbw: 1, cwde: 2, cdqe: 4 } as const)[i.name as 'cbw' | 'cwde' | 'cdqe'];
  b.write({ type: 'reg', reg: ['ax', 'eax', '', 'rax'][w - 1], size: w * 2, access: 2 }, b.ext(b.getReg(RAX), w, true));
});
def(['cwd', 'cdq', 'cqo'], 0, 0, (b, i) => {
  const w = ({ cwd: 2, cdq: 4, cqo: 8 } as const)[i.name as 'cwd' | 'cdq' | 'cqo'];
  const sign = b.bin('sar', b.ext(b.getReg(RAX), w, true), b.const(63n));
  b.write({ type: 'reg', reg: ({ 2: 'dx', 4: 'edx', 8: 'rdx' } as const)[w], size: w, access: 2 }, sign);
});
def('bswap', 0, 0, (b, i) => b.write(op(i, 0), b.un('bswap', b.read(op(i, 0)), width(op(i, 0)))));
def('movbe', 0, 0, (b, i) => b.write(op(i, 0), b.un('bswap', b.read(op(i, 1)), width(op(i, 0)))));

// ---- arithmetic and logic ------------------------------------------------------------------
for (const kind of ['add', 'sub', 'adc', 'sbb'] as const) {
  const reads = kind === 'adc' || kind === 'sbb' ? CF : 0;
  def(kind, reads, ALL, (b, i) => {
    const w = width(op(i, 0));
    const dst = b.readForUpdate(op(i, 0));
    dst.writeBack(b.arith(kind, dst.value, b.read(op(i, 1), w), w, ALL));
  });
}
def('cmp', 0, ALL, (b, i) => {
  const w = width(op(i, 0));
  b.arith('sub', b.read(op(i, 0)), b.read(op(i, 1), w), w, ALL);
});
for (const kind of ['and', 'or', 'xor'] as const) {
  def(kind, 0, ALL, (b, i) => {
    const w = width(op(i, 0));
    const dst = b.readForUpdate(op(i, 0));
    dst.writeBack(b.logic(kind, dst.value, b.read(op(i, 1), w), w, ALL));
  });
}
def('test', 0, ALL, (b, i) => {
  const w = width(op(i, 0));
  b.logic('and', b.read(op(i, 0)), b.read(op(i, 1), w), w, ALL);
});
def('not', 0, 0, (b, i) => {
  const dst = b.readForUpdate(op(i, 0));
  dst.writeBack(b.un('not', dst.value, 8));
});
def('neg', 0, ALL, (b, i) => {
  const w = width(op(i, 0));
  const dst = b.readForUpdate(op(i, 0));
  dst.writeBack(b.arith('neg', dst.value, dst.value, w, ALL));
});
for (const kind of ['inc', 'dec'] as const) {
  def(kind, 0, ALL & ~CF, (b, i) => {
    const w = width(op(i, 0));
    const dst = b.readForUpdate(op(i, 0));
    dst.writeBack(b.arith(kind, dst.value, b.const(1n), w, ALL & ~CF));
  });
}
def('xadd', 0, ALL, (b, i) => {
  const w = width(op(i, 0));
  const dst = b.readForUpdate(op(i, 0));
  const src = b.read(op(i, 1));
  const sum = b.arith('add', dst.value, src, w, ALL);
  b.write(op(i, 1), dst.value);
  dst.writeBack(sum);
});
def('cmpxchg', 0, ALL, (b, i) => {
  // Guest threads share one CPU and switch only between blocks, so the lock prefix needs no atomics.
  const w = width(op(i, 0));
  const dst = b.readForUpdate(op(i, 0));
  const acc = b.getReg(RAX);
  b.arith('sub', acc, dst.value, w, ALL);
  dst.writeBack(b.select(Cond.E, b.read(op(i, 1)), dst.value));
  // On failure the accumulator gets the old value; on success it is not written at all.
  const loaded = w === 4 ? b.ext(dst.value, 4, false) : w === 8 ? dst.value : b.insert(acc, dst.value, 0, bits(w));
  b.setReg(RAX, b.select(Cond.E, acc, loaded));
});

// ---- multiply and divide -------------------------------------------------------------------
function widen(b: Builder, v: Temp, w: W, signed: boolean): Temp {
  return w === 8 ? v : b.ext(v, w, signed);
}
def(['mul', 'imul'], 0, CF | OF, (b, i) => {
  const signed = i.name === 'imul';
  const w = width(op(i, 0));
  if (i.operands.length === 1) {
    const src = b.read(op(i, 0));
    const acc = b.getReg(RAX);
    let lo: Temp, hi: Temp, overflow: Temp;
    if (w === 8) {
      lo = b.bin('mul', acc, src);
      hi = b.bin(signed ? 'smulh' : 'umulh', acc, src);
      overflow = signed ? b.bin('xor', hi, b.bin('sar', lo, b.const(63n))) : hi;
    } else {
      const full = b.bin('mul', widen(b, acc, w, signed), widen(b, src, w, signed));
      lo = full;
      hi = b.bin('shr', full, b.const(BigInt(bits(w))));
      overflow = b.bin('xor', full, widen(b, full, w, signed));
    }
    if (w === 1) {
      b.write({ type: 'reg', reg: 'ax', size: 2, access: 2 }, lo);
    } else {
      const names = ({ 2: ['ax', 'dx'], 4: ['eax', 'edx'], 8: ['rax', 'rdx'] } as const)[w];
      b.write({ type: 'reg', reg: names[0], size: w, access: 2 }, lo);
      b.write({ type: 'reg', reg: names[1], size: w, access: 2 }, hi);
    }
    mulFlags(b, overflow);
    return;
  }
  const [x, y] = i.operands.length === 2 ? [op(i, 0), op(i, 1)] : [op(i, 1), op(i, 2)];
  const a = b.read(x, w), c = b.read(y, w);
  let product: Temp, overflow: Temp;
  if (w === 8) {
    product = b.bin('mul', a, c);
    overflow = b.bin('xor', b.bin('smulh', a, c), b.bin('sar', product, b.const(63n)));
  } else {
    product = b.bin('mul', b.ext(a, w, true), b.ext(c, w, true));
    overflow = b.bin('xor', product, b.ext(product, w, true));
  }
  b.write(op(i, 0), product);
  mulFlags(b, overflow);
});
/** CF = OF = (the product does not fit); the real CPU (AMD, measured) leaves SF, ZF, AF and PF unchanged. */
function mulFlags(b: Builder, overflow: Temp): void {
  const ovf = b.un('nonzero', overflow, 8);
  b.emit({ op: 'setflags', values: { CF: ovf, OF: ovf }, flags: CF | OF });
}
/** Measured on this CPU: div leaves CF and OF, sets AF and clears ZF, SF and PF. */
export const DIV_FLAGS = { set: AF, clear: ZF | SF | PF };
def(['div', 'idiv'], 0, ZF | SF | AF | PF, (b, i) => {
  const w = width(op(i, 0));
  const signed = i.name === 'idiv';
  if (w === 8) return divide64(b, i, signed);
  const divisor = widen(b, b.read(op(i, 0)), w, signed);
  // The dividend fits in 64 bits for operand sizes up to 32: divide once, check the quotient range.
  let dividend: Temp;
  if (w === 1) dividend = b.ext(b.getReg(RAX), 2, signed);
  else {
    const hi = b.ext(b.getReg(RDX), w, false);
    const lo = b.ext(b.getReg(RAX), w, false);
    const joined = b.bin('or', b.bin('shl', hi, b.const(BigInt(bits(w)))), lo);
    dividend = signed && w === 2 ? b.ext(joined, 4, true) : joined;
  }
  b.emit({ op: 'sideexit', a: divisor, when: 'zero', exit: { kind: 'interpret', rip: i.address } });
  const q = b.bin(signed ? 'sdiv' : 'udiv', dividend, divisor);
  const r = b.bin(signed ? 'srem' : 'urem', dividend, divisor);
  const fits = b.bin('xor', q, widen(b, q, w, signed));
  b.emit({ op: 'sideexit', a: fits, when: 'nonzero', exit: { kind: 'interpret', rip: i.address } });
  if (w === 1) {
    b.write({ type: 'reg', reg: 'ax', size: 2, access: 2 }, b.bin('or', b.ext(q, 1, false), b.bin('shl', b.ext(r, 1, false), b.const(8n))));
  } else {
    const names = ({ 2: ['ax', 'dx'], 4: ['eax', 'edx'] } as const)[w];
    b.write({ type: 'reg', reg: names[0], size: w, access: 2 }, q);
    b.write({ type: 'reg', reg: names[1], size: w, access: 2 }, r);
  }
  const zero = b.const(0n);
  b.emit({ op: 'setflags', values: { ZF: zero, SF: zero, AF: b.const(1n) }, pfFrom: b.const(1n), flags: ZF | SF | AF | PF });
});

/**
 * 64-bit divide: inline when rdx only extends rax (the usual case after xor edx,edx or cqo); a
 * 128-bit dividend, a zero divisor or a signed divide by -1 goes to the interpreter (which faults
 * exactly as the CPU does).
 */
function divide64(b: Builder, i: X86Insn, signed: boolean): Exit | void {
  const slow: Exit = { kind: 'interpret', rip: i.address };
  const divisor = b.read(op(i, 0));
  const rax = b.getReg(RAX), rdx = b.getReg(RDX);
  const extension = signed ? b.bin('sar', rax, b.const(63n)) : b.const(0n);
  b.emit({ op: 'sideexit', a: b.bin('xor', rdx, extension), when: 'nonzero', exit: slow });
  b.emit({ op: 'sideexit', a: divisor, when: 'zero', exit: slow });
  if (signed) b.emit({ op: 'sideexit', a: b.un('not', divisor, 8), when: 'zero', exit: slow });
  const q = b.bin(signed ? 'sdiv' : 'udiv', rax, divisor);
  const r = b.bin(signed ? 'srem' : 'urem', rax, divisor);
  b.setReg(RAX, q);
  b.setReg(RDX, r);
  const zero = b.const(0n);
  b.emit({ op: 'setflags', values: { ZF: zero, SF: zero, AF: b.const(1n) }, pfFrom: b.const(1n), flags: ZF | SF | AF | PF });
}

// ---- shifts and rotates --------------------------------------------------------------------
type ShiftKind = 'shl' | 'shr' | 'sar' | 'rol' | 'ror';
function shiftCount(b: Builder, i: X86Insn, w: W): { count: Temp; known?: number } {
  const mask = w === 8 ? 63 : 31;
  const o = i.operands[1];
  if (!o) return { count: b.const(1n), known: 1 };
  if (o.type === 'imm') {
    const n = Number(o.imm) & mask;
    return { count: b.const(BigInt(n)), known: n };
  }
  return { count: b.bin('and', b.read(o, 1), b.const(BigInt(mask)), 4) };
}
function liftShift(kind: ShiftKind) {
  return (b: Builder, i: X86Insn): void => {
    const w = width(op(i, 0));
    const n = bits(w);
    const { count, known } = shiftCount(b, i, w);
    if (known === 0) {
      if (op(i, 0).type === 'reg' && w === 4) b.write(op(i, 0), b.read(op(i, 0)));
      return;
    }
    const dst = b.readForUpdate(op(i, 0));
    const x = kind === 'sar' ? widen(b, dst.value, w, true) : widen(b, dst.value, w, false);
    const one = b.const(1n);
    const cm1 = b.bin('sub', count, one, 4);
    let result: Temp, cf: Temp, of: Temp;
    const msbOf = (v: Temp) => b.bin('and', b.bin('shr', widen(b, v, w, false), b.const(BigInt(n - 1))), one);
    if (kind === 'shl') {
      result = b.bin('shl', x, count, 8);
      cf = w === 8 ? b.bin('and', b.bin('shr', x, b.bin('sub', b.const(64n), count)), one)
        : b.bin('and', b.bin('shr', result, b.const(BigInt(n))), one);
      of = b.bin('xor', msbOf(result), cf);
    } else if (kind === 'shr' || kind === 'sar') {
      result = b.bin(kind, x, count, 8);
      const before = b.bin(kind, x, cm1, 8);
      cf = b.bin('and', before, one);
      // Measured: OF is the sign bit of the value one shift before the end (for count 1, the original's).
      of = kind === 'shr' ? msbOf(before) : b.const(0n);
    } else {
      // Rotates act modulo the width; for 8/16 bits build the doubled value and shift.
      const r = kind === 'rol' ? b.bin('sub', b.const(BigInt(n)), b.bin('and', count, b.const(BigInt(n - 1)), 4), 4) : count;
      result = rotateRight(b, x, r, w);
      if (kind === 'rol') {
        cf = b.bin('and', result, one);
        of = b.bin('xor', msbOf(result), cf);
      } else {
        cf = msbOf(result);
        of = b.bin('xor', cf, b.bin('and', b.bin('shr', widen(b, result, w, false), b.const(BigInt(n - 2))), one));
      }
      dst.writeBack(result);
      b.emit({ op: 'setflags', values: { CF: cf, OF: of }, flags: CF | OF, unlessZero: known === undefined ? count : undefined });
      return;
    }
    dst.writeBack(result);
    // Measured: this CPU sets AF after a shift by a non-zero count.
    b.emit({ op: 'resultflags', result, size: w, cf, of, af: b.const(1n), flags: ALL, unlessZero: known === undefined ? count : undefined });
  };
}
function rotateRight(b: Builder, x: Temp, r: Temp, w: W): Temp {
  if (w >= 4) return b.bin('ror', x, r, opSize(w));
  const n = BigInt(bits(w));
  const doubled = b.bin('or', x, b.bin('shl', x, b.const(n)));
  return b.bin('shr', doubled, b.bin('and', r, b.const(n - 1n), 4));
}
for (const k of ['shl', 'shr', 'sar'] as const) def(k, 0, ALL, liftShift(k));
def('sal', 0, ALL, liftShift('shl'));
for (const k of ['rol', 'ror'] as const) def(k, 0, CF | OF, liftShift(k));
for (const k of ['rcl', 'rcr', 'shld', 'shrd']) def(k, CF, ALL, (b, i) => ({ kind: 'interpret', rip: i.address }));

// ---- bit operations ------------------------------------------------------------------------
def(['bt', 'bts', 'btr', 'btc'], 0, CF, (b, i) => {
  const w = width(op(i, 0));
  const n = bits(w);
  const o = op(i, 0), src = op(i, 1);
  let target: { value: Temp; writeBack: (v: Temp) => void };
  let bit: Temp;
  if (o.type === 'mem' && src.type === 'reg') {
    // A register bit offset addresses memory beyond the operand: signed, in units of the width.
    const off = b.ext(b.read(src), w, true);
    const unit = b.bin('sar', off, b.const(BigInt(Math.log2(n))));
    const base = b.lea(b.address(o));
    const addr = { base, index: unit, scale: w as 1 | 2 | 4 | 8, disp: 0n };
    const value = b.load(addr, w);
    target = { value, writeBack: (v) => b.store(addr, v, w) };
    bit = b.bin('and', off, b.const(BigInt(n - 1)));
  } else {
    target = b.readForUpdate(o);
    bit = b.bin('and', b.read(src, src.type === 'imm' ? 1 : w), b.const(BigInt(n - 1)));
  }
  const one = b.const(1n);
  const cf = b.bin('and', b.bin('shr', widen(b, target.value, w, false), bit), one);
  const mask = b.bin('shl', one, bit);
  if (i.name === 'bts') target.writeBack(b.bin('or', target.value, mask));
  if (i.name === 'btr') target.writeBack(b.bin('andn', target.value, mask));
  if (i.name === 'btc') target.writeBack(b.bin('xor', target.value, mask));
  b.emit({ op: 'setflags', values: { CF: cf }, flags: CF });
});
// Measured on this CPU (Zen 4): a zero source sets ZF and PF and leaves the whole destination
// register (even a 32-bit one's upper half); a non-zero one clears ZF and sets PF from the index.
// CF, OF, SF and AF are cleared either way.
def(['bsf', 'bsr'], 0, ALL, (b, i) => {
  const w = width(op(i, 0));
  const src = widen(b, b.read(op(i, 1)), w, false);
  const idx = i.name === 'bsf' ? b.un('ctz', src, 8) : b.bin('sub', b.const(63n), b.un('clz', src, 8));
  const zero = b.const(0n);
  const found = b.un('nonzero', src, 8);
  b.emit({ op: 'setflags', values: { ZF: b.un('iszero', src, 8), CF: zero, OF: zero, SF: zero, AF: zero },
    pfFrom: b.bin('mul', idx, found), flags: ALL });
  const dst = op(i, 0);
  const full = dst.type === 'reg' && w === 4 ? gpr(dst.reg) : undefined;
  if (full) b.setReg(full.index, b.select(Cond.E, b.getReg(full.index), idx));
  else b.write(dst, b.select(Cond.E, b.read(dst), idx));
});
def(['tzcnt', 'lzcnt', 'popcnt'], 0, ALL & ~OF, (b, i) => {
  const w = width(op(i, 0));
  const src = widen(b, b.read(op(i, 1)), w, false);
  let result: Temp;
  if (i.name === 'popcnt') result = b.un('popcnt', src, 8);
  else if (i.name === 'tzcnt') result = b.un('ctz', w === 8 ? src : b.bin('or', src, b.const(1n << BigInt(bits(w)))), 8);
  else result = b.bin('sub', b.un('clz', src, 8), b.const(BigInt(64 - bits(w))));
  b.write(op(i, 0), result);
  if (i.name === 'popcnt') {
    b.emit({ op: 'resultflags', result: src, size: w, cf: b.const(0n), of: b.const(0n), af: b.const(0n), flags: ALL });
    b.emit({ op: 'setflags', values: { SF: b.const(0n) }, pfFrom: b.const(1n), flags: SF | PF });
  } else {
    // Measured: CF = source is zero, ZF = result is zero, SF/PF/AF cleared, OF unchanged.
    const zero = b.const(0n);
    b.emit({ op: 'setflags', values: { CF: b.un('iszero', src, 8), ZF: b.un('iszero', result, 8), SF: zero, AF: zero },
      pfFrom: b.const(1n), flags: CF | ZF | SF | AF | PF });
  }
});

// ---- conditions ----------------------------------------------------------------------------
COND_NAMES.forEach((suffix, cond) => {
  def(`set${suffix}`, COND_READS[cond], 0, (b, i) => b.write(op(i, 0), b.setcc(cond)));
  def(`cmov${suffix}`, COND_READS[cond], 0, (b, i) => {
    const w = width(op(i, 0));
    b.write(op(i, 0), b.select(cond, b.read(op(i, 1), w), b.read(op(i, 0), w)));
  });
  def(`j${suffix}`, COND_READS[cond], 0, (b, i) => ({ kind: 'branch', cond, taken: immTarget(i), fallthrough: b.next }));
});
for (const [alias, cond] of [['setnae', Cond.B], ['setnb', Cond.AE], ['setz', Cond.E], ['setnz', Cond.NE]] as const) {
  def(alias, COND_READS[cond], 0, (b, i) => b.write(op(i, 0), b.setcc(cond)));
}
def(['jrcxz', 'jecxz'], 0, 0, (b, i) => {
  const rcx = b.getReg(RCX);
  const v = i.name === 'jecxz' ? b.ext(rcx, 4, false) : rcx;
  b.emit({ op: 'sideexit', a: v, when: 'zero', exit: { kind: 'jump', target: immTarget(i) } });
  return { kind: 'jump', target: b.next };
});
def(['loop', 'loope', 'loopne'], ZF, 0, (b, i) => {
  const rcx = b.bin('sub', b.getReg(RCX), b.const(1n));
  b.setReg(RCX, rcx);
  let go = rcx;
  if (i.name !== 'loop') {
    const z = b.setcc(i.name === 'loope' ? Cond.E : Cond.NE);
    go = b.bin('and', b.un('nonzero', rcx, 8), z);
  }
  b.emit({ op: 'sideexit', a: go, when: 'nonzero', exit: { kind: 'jump', target: immTarget(i) } });
  return { kind: 'jump', target: b.next };
});
function immTarget(i: X86Insn): bigint {
  const o = i.operands[0];
  if (o.type !== 'imm') throw new Error('direct branch without immediate target');
  return BigInt.asUintN(64, o.imm);
}

// ---- control transfer ----------------------------------------------------------------------
def('jmp', 0, 0, (b, i) => {
  const o = op(i, 0);
  if (o.type === 'imm') return { kind: 'jump', target: immTarget(i) };
  return { kind: 'indirect', target: b.read(o, 8) };
});
def('call', 0, 0, (b, i) => {
  const o = op(i, 0);
  const target = o.type === 'imm' ? undefined : b.read(o, 8);
  b.push(b.const(b.next));
  return target === undefined ? { kind: 'jump', target: immTarget(i) } : { kind: 'indirect', target };
});
def('ret', 0, 0, (b, i) => {
  const target = b.pop();
  const o = i.operands[0];
  if (o && o.type === 'imm') b.setReg(RSP, b.arithNoFlags('add', b.getReg(RSP), o.imm));
  return { kind: 'indirect', target };
});
def('syscall', ALL, 0, (b) => {
  b.setReg(RCX, b.const(b.next));
  const flags = b.temp();
  b.emit({ op: 'getrflags', dst: flags });
  b.setReg(R11, flags);
  return { kind: 'syscall', next: b.next };
});
def('ud2', 0, 0, (b, i) => ({ kind: 'fault', signal: 4, rip: i.address, message: 'ud2' }));
def('int3', 0, 0, (b, i) => ({ kind: 'fault', signal: 5, rip: b.next, message: 'int3' }));
def('hlt', 0, 0, (b, i) => ({ kind: 'fault', signal: 11, rip: i.address, message: 'hlt in user mode' }));
def(['cpuid', 'rdtsc', 'rdtscp', 'cmpxchg8b', 'cmpxchg16b', 'xgetbv'], ALL, ALL, (b, i) => ({ kind: 'interpret', rip: i.address }));
for (const s of ['lods', 'cmps', 'scas']) {
  def(['b', 'w', 'd', 'q'].map((x) => s + x), ALL, ALL, (b, i) => ({ kind: 'interpret', rip: i.address }));
}
/** Rep counts from here on are copied or filled by the runtime in one host operation. */
const INLINE_REP_LIMIT_BITS = 6n;
for (const kind of ['movs', 'stos'] as const) {
  (['b', 'w', 'd', 'q'] as const).forEach((suffix, k) => {
    def(kind + suffix, 0, 0, (b, i) => {
      const size = (1 << k) as 1 | 2 | 4 | 8;
      const rep = i.prefix[0] === 0xf3 || i.prefix[0] === 0xf2;
      // Segment overrides and 32-bit addressing are rare: the interpreter has them.
      if (i.prefix[1] !== 0 || i.addrSize !== 8) return { kind: 'interpret', rip: i.address };
      const df = b.temp();
      b.emit({ op: 'getdf', dst: df });
      let slow = df;
      if (rep) slow = b.bin('or', df, b.bin('shr', b.getReg(RCX), b.const(INLINE_REP_LIMIT_BITS)));
      b.emit({ op: 'sideexit', a: slow, when: 'nonzero', exit: { kind: 'interpret', rip: i.address } });
      b.emit({ op: 'strop', kind, size, rep });
    });
  });
}

// ---- flag instructions ---------------------------------------------------------------------
def('clc', 0, CF, (b) => b.emit({ op: 'setflags', values: { CF: b.const(0n) }, flags: CF }));
def('stc', 0, CF, (b) => b.emit({ op: 'setflags', values: { CF: b.const(1n) }, flags: CF }));
def('cmc', CF, CF, (b) => b.emit({ op: 'cmc' }));
def('cld', 0, 0, (b) => b.emit({ op: 'setdf', value: 0 }));
def('std', 0, 0, (b) => b.emit({ op: 'setdf', value: 1 }));
def(['pushfq', 'pushf'], ALL, 0, (b) => {
  const f = b.temp();
  b.emit({ op: 'getrflags', dst: f });
  b.push(f);
});
def(['popfq', 'popf'], 0, ALL, (b) => b.emit({ op: 'setrflags', src: b.pop() }));
def('lahf', ALL, 0, (b) => {
  const f = b.temp();
  b.emit({ op: 'getrflags', dst: f });
  b.setReg(RAX, b.insert(b.getReg(RAX), f, 8, 8));
});
def('sahf', 0, CF | PF | AF | ZF | SF, (b) => {
  const ah = b.extract(b.getReg(RAX), 8, 8);
  const f = b.temp();
  b.emit({ op: 'getrflags', dst: f });
  b.emit({ op: 'setrflags', src: b.insert(f, ah, 0, 8) });
});

// ---- SSE / SSE2 -----------------------------------------------------------------------------
/** V16 holds a memory source operand for the one instruction that loads it. */
const XMEM = 16;
const isXmm = (o: X86Operand | undefined): boolean => o !== undefined && o.type === 'reg' && xmm(o.reg) !== undefined;
function xreg(o: X86Operand): number {
  const n = o.type === 'reg' ? xmm(o.reg) : undefined;
  if (n === undefined) throw new UnsupportedOperand(`expected an xmm register`);
  return n;
}
/** A 16-byte SSE memory operand must be 16-byte aligned (movdqu/movups/movupd excepted): else #GP, SIGSEGV. */
function alignedAddress(b: Builder, o: X86Operand & { type: 'mem' }): Addr {
  const addr = b.address(o);
  const low = b.bin('and', b.lea(addr), b.const(15n));
  b.emit({ op: 'sideexit', a: low, when: 'nonzero', exit: { kind: 'fault', signal: 11, rip: b.insn.address, message: `misaligned ${b.insn.name} operand` } });
  return addr;
}
/** An XMM source: its register, or V16 loaded with `size` bytes from memory (16 bytes must be aligned). */
function xsrc(b: Builder, o: X86Operand, size: 4 | 8 | 16): number {
  if (o.type !== 'mem') return xreg(o);
  b.emit({ op: 'vload', xd: XMEM, addr: size === 16 ? alignedAddress(b, o) : b.address(o), size });
  return XMEM;
}
function vop(b: Builder, kind: VecKind, xd: number, xa: number, xb: number, lane?: 'b' | 'h' | 's' | 'd', imm?: number): void {
  b.emit({ op: 'vop', kind, xd, xa, xb, lane, imm });
}
def(['movdqu', 'movdqa', 'movaps', 'movups', 'movapd', 'movupd'], 0, 0, (b, i) => {
  const d = op(i, 0), s = op(i, 1);
  const address = (m: X86Operand & { type: 'mem' }) => (/^mov(dqa|aps|apd)$/.test(i.name) ? alignedAddress(b, m) : b.address(m));
  if (d.type === 'mem') b.emit({ op: 'vstore', xa: xreg(s), addr: address(d), size: 16 });
  else if (s.type === 'mem') b.emit({ op: 'vload', xd: xreg(d), addr: address(s), size: 16 });
  else vop(b, 'mov', xreg(d), xreg(d), xreg(s));
});
def(['movd', 'movq'], 0, 0, (b, i) => {
  const d = op(i, 0), s = op(i, 1);
  if (isXmm(d)) {
    if (isXmm(s)) vop(b, 'movq', xreg(d), xreg(d), xreg(s));
    else if (s.type === 'mem') b.emit({ op: 'vload', xd: xreg(d), addr: b.address(s), size: s.size as 4 | 8 });
    else b.emit({ op: 'vfromgpr', xd: xreg(d), src: b.read(s), size: s.size as 4 | 8 });
  } else if (d.type === 'mem') {
    b.emit({ op: 'vstore', xa: xreg(s), addr: b.address(d), size: d.size as 4 | 8 });
  } else {
    const t = b.temp();
    b.emit({ op: 'vtogpr', dst: t, xa: xreg(s), size: d.size as 4 | 8 });
    b.write(d, t);
  }
});
function scalarMove(lane: 's' | 'd') {
  return (b: Builder, i: X86Insn): void => {
    const d = op(i, 0), s = op(i, 1);
    const size = lane === 'd' ? 8 : 4;
    if (d.type === 'mem') b.emit({ op: 'vstore', xa: xreg(s), addr: b.address(d), size });
    else if (s.type === 'mem') b.emit({ op: 'vload', xd: xreg(d), addr: b.address(s), size });
    else vop(b, 'movlow', xreg(d), xreg(d), xreg(s), lane);
  };
}
{
  const stringMovsd = table.get('movsd')!;
  const sseMovsd = scalarMove('d');
  // movsd is also the string instruction (movs dword), told apart by its xmm operand.
  def('movsd', stringMovsd.reads, stringMovsd.writes, (b, i) => (i.operands.some(isXmm) ? sseMovsd(b, i) : stringMovsd.lift(b, i)));
}
def('movss', 0, 0, scalarMove('s'));
function packed(kind: VecKind, lane?: 'b' | 'h' | 's' | 'd') {
  return (b: Builder, i: X86Insn): void => {
    const d = xreg(op(i, 0));
    vop(b, kind, d, d, xsrc(b, op(i, 1), 16), lane);
  };
}
def(['pxor', 'xorps', 'xorpd'], 0, 0, packed('xor'));
def(['por', 'orps', 'orpd'], 0, 0, packed('or'));
def(['pand', 'andps', 'andpd'], 0, 0, packed('and'));
def(['pandn', 'andnps', 'andnpd'], 0, 0, packed('andn'));
for (const [l, lane] of [['b', 'b'], ['w', 'h'], ['d', 's'], ['q', 'd']] as const) {
  def(`padd${l}`, 0, 0, packed('add', lane));
  def(`psub${l}`, 0, 0, packed('sub', lane));
  if (l !== 'q') def(`pcmpeq${l}`, 0, 0, packed('cmpeq', lane));
}
for (const [suffix, lane] of [['bw', 'b'], ['wd', 'h'], ['dq', 's'], ['qdq', 'd']] as const) {
  def(`punpckl${suffix}`, 0, 0, packed('zip1', lane));
  def(`punpckh${suffix}`, 0, 0, packed('zip2', lane));
}
def('unpcklps', 0, 0, packed('zip1', 's'));
def('unpckhps', 0, 0, packed('zip2', 's'));
def('unpcklpd', 0, 0, packed('zip1', 'd'));
def('unpckhpd', 0, 0, packed('zip2', 'd'));
def(['pshufd', 'shufps', 'pshuflw', 'pshufhw'], 0, 0, (b, i) => {
  const imm = op(i, 2);
  if (imm.type !== 'imm') throw new UnsupportedOperand(`${i.name} without immediate`);
  const d = xreg(op(i, 0));
  vop(b, i.name as 'pshufd', d, d, xsrc(b, op(i, 1), 16), undefined, Number(imm.imm) & 0xff);
});
def('pmovmskb', 0, 0, (b, i) => {
  const t = b.temp();
  b.emit({ op: 'vmovmsk', dst: t, xa: xreg(op(i, 1)) });
  b.write(op(i, 0), t);
});
for (const [lane, suffix] of [['d', 'sd'], ['s', 'ss']] as const) {
  const size = lane === 'd' ? 8 : 4;
  for (const k of ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'] as const) {
    def(`${k}${suffix}`, 0, 0, (b, i) => {
      const d = xreg(op(i, 0));
      vop(b, `f${k}` as VecKind, d, d, xsrc(b, op(i, 1), size), lane);
    });
  }
  def([`ucomi${suffix}`, `comi${suffix}`], 0, ALL, (b, i) => {
    const a = xreg(op(i, 0));
    b.emit({ op: 'fcomi', xa: a, xb: xsrc(b, op(i, 1), size), type: lane, flags: ALL });
  });
  def(`cvtsi2${suffix}`, 0, 0, (b, i) => {
    const s = op(i, 1);
    const from = s.size as 4 | 8;
    b.emit({ op: 'vcvti2f', xd: xreg(op(i, 0)), src: b.read(s, from), from, type: lane });
  });
  // cvt*2si rounds by MXCSR; Ferry keeps MXCSR at its default, round to nearest even.
  def([`cvtt${suffix}2si`, `cvt${suffix}2si`], 0, 0, (b, i) => {
    const d = op(i, 0);
    const t = b.temp();
    b.emit({ op: 'vcvtf2i', dst: t, xa: xsrc(b, op(i, 1), size), type: lane, size: d.size as 4 | 8, round: !i.name.startsWith('cvtt') });
    b.write(d, t);
  });
}
for (const [lane, suffix] of [['d', 'pd'], ['s', 'ps']] as const) {
  for (const k of ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'] as const) {
    def(`${k}${suffix}`, 0, 0, (b, i) => {
      const d = xreg(op(i, 0));
      vop(b, `pf${k}` as VecKind, d, d, xsrc(b, op(i, 1), 16), lane);
    });
  }
}
function immOf(i: X86Insn, n: number): number {
  const o = op(i, n);
  if (!o || o.type !== 'imm') throw new UnsupportedOperand(`${i.name} without an immediate count`);
  return Number(BigInt.asUintN(8, o.imm));
}
def(['psrldq', 'pslldq'], 0, 0, (b, i) => {
  const d = xreg(op(i, 0));
  vop(b, i.name as 'psrldq', d, d, d, undefined, immOf(i, 1));
});
for (const [name, kind] of [['psrl', 'ushr'], ['psll', 'shl'], ['psra', 'sshr']] as const) {
  for (const [l, lane] of [['w', 'h'], ['d', 's'], ['q', 'd']] as const) {
    if (kind === 'sshr' && l === 'q') continue;
    // An immediate count, or the low quadword of an xmm register or aligned m128.
    def(`${name}${l}`, 0, 0, (b, i) => {
      const d = xreg(op(i, 0));
      if (op(i, 1).type === 'imm') vop(b, kind, d, d, d, lane, immOf(i, 1));
      else vop(b, `${kind}v` as VecKind, d, d, xsrc(b, op(i, 1), 16), lane);
    });
  }
}
for (const [l, lane] of [['b', 'b'], ['w', 'h'], ['d', 's']] as const) def(`pcmpgt${l}`, 0, 0, packed('cmpgt', lane));
def('packuswb', 0, 0, packed('packus', 'b'));
def('packsswb', 0, 0, packed('packss', 'b'));
def('packssdw', 0, 0, packed('packss', 'h'));
def('shufpd', 0, 0, (b, i) => {
  const d = xreg(op(i, 0));
  const imm = immOf(i, 2);
  vop(b, 'shufpd', d, d, xsrc(b, op(i, 1), 16), undefined, imm);
});
['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'].forEach((pred, imm) => {
  for (const [suffix, lane, kind, size] of [['sd', 'd', 'fcmps', 8], ['ss', 's', 'fcmps', 4], ['pd', 'd', 'fcmpp', 16], ['ps', 's', 'fcmpp', 16]] as const) {
    def(`cmp${pred}${suffix}`, 0, 0, (b, i) => {
      const d = xreg(op(i, 0));
      vop(b, kind, d, d, xsrc(b, op(i, 1), size), lane, imm);
    });
  }
});
for (const [name, kind, lane] of [['paddsb', 'sqadd', 'b'], ['paddsw', 'sqadd', 'h'], ['paddusb', 'uqadd', 'b'], ['paddusw', 'uqadd', 'h'],
  ['psubsb', 'sqsub', 'b'], ['psubsw', 'sqsub', 'h'], ['psubusb', 'uqsub', 'b'], ['psubusw', 'uqsub', 'h'], ['pminub', 'umin', 'b'],
  ['pmaxub', 'umax', 'b'], ['pminsw', 'smin', 'h'], ['pmaxsw', 'smax', 'h'], ['pavgb', 'urhadd', 'b'], ['pavgw', 'urhadd', 'h'],
  ['pmullw', 'mul', 'h']] as const) {
  def(name, 0, 0, packed(kind, lane));
}
def(['movmskps', 'movmskpd'], 0, 0, (b, i) => {
  const t = b.temp();
  b.emit({ op: 'vmovmsk', dst: t, xa: xreg(op(i, 1)), lane: i.name === 'movmskps' ? 's' : 'd' });
  b.write(op(i, 0), t);
});
/** movhps/movhpd/movlps/movlpd: one 64-bit half to or from memory; the register forms movhlps/movlhps. */
def(['movhps', 'movhpd', 'movlps', 'movlpd'], 0, 0, (b, i) => {
  const d = op(i, 0), s = op(i, 1);
  const high = i.name.startsWith('movh');
  if (d.type === 'mem') {
    const x = xreg(s);
    if (high) vop(b, 'ins', XMEM, XMEM, x, 'd', 0x01);
    b.emit({ op: 'vstore', xa: high ? XMEM : x, addr: b.address(d), size: 8 });
  } else {
    if (s.type !== 'mem') throw new UnsupportedOperand(`${i.name} register form`);
    const x = xreg(d);
    b.emit({ op: 'vload', xd: XMEM, addr: b.address(s), size: 8 });
    vop(b, 'ins', x, x, XMEM, 'd', high ? 0x10 : 0x00);
  }
});
def('movhlps', 0, 0, (b, i) => { const d = xreg(op(i, 0)); vop(b, 'ins', d, d, xreg(op(i, 1)), 'd', 0x01); });
def('movlhps', 0, 0, (b, i) => { const d = xreg(op(i, 0)); vop(b, 'ins', d, d, xreg(op(i, 1)), 'd', 0x10); });
def('cvtps2pd', 0, 0, (b, i) => { const d = xreg(op(i, 0)); vop(b, 'cvtps2pd', d, d, xsrc(b, op(i, 1), 8)); });
def('cvtdq2pd', 0, 0, (b, i) => { const d = xreg(op(i, 0)); vop(b, 'cvtdq2pd', d, d, xsrc(b, op(i, 1), 8)); });
def('cvtpd2ps', 0, 0, packed('cvtpd2ps'));
def('cvttps2dq', 0, 0, packed('cvttps2dq'));
def('pmuludq', 0, 0, packed('pmuludq'));
def('cvtdq2ps', 0, 0, (b, i) => { const d = xreg(op(i, 0)); vop(b, 'cvtdq2ps', d, d, xsrc(b, op(i, 1), 16)); });
def('cvtss2sd', 0, 0, (b, i) => { const d = xreg(op(i, 0)); vop(b, 'cvt', d, d, xsrc(b, op(i, 1), 4), 'd'); });
def('cvtsd2ss', 0, 0, (b, i) => { const d = xreg(op(i, 0)); vop(b, 'cvt', d, d, xsrc(b, op(i, 1), 8), 's'); });
def('pmulhw', 0, 0, packed('pmulh'));
def('pmulhuw', 0, 0, packed('pmulhu'));
def('pmaddwd', 0, 0, packed('pmaddwd'));
def('psadbw', 0, 0, packed('psadbw'));
def('cvtps2dq', 0, 0, packed('cvtps2dq'));
def('cvtpd2dq', 0, 0, packed('cvtpd2dq'));
def('cvttpd2dq', 0, 0, packed('cvttpd2dq'));
/** pextrw: word imm & 7 zero-extended into a gpr (or, the SSE4.1 form, stored to m16). */
def('pextrw', 0, 0, (b, i) => {
  vop(b, 'ins', XMEM, XMEM, xreg(op(i, 1)), 'h', immOf(i, 2) & 7);
  const t = b.temp();
  b.emit({ op: 'vtogpr', dst: t, xa: XMEM, size: 4 });
  b.write(op(i, 0), b.ext(t, 2, false));
});
/** pinsrw: word imm & 7 of the xmm register = the low word of a gpr, or m16. */
def('pinsrw', 0, 0, (b, i) => {
  const d = xreg(op(i, 0));
  b.emit({ op: 'vfromgpr', xd: XMEM, src: b.read(op(i, 1)), size: 4 });
  vop(b, 'ins', d, d, XMEM, 'h', (immOf(i, 2) & 7) << 4);
});
/** Non-temporal stores are plain stores here; the 16-byte forms need an aligned address like movdqa. */
def('movnti', 0, 0, (b, i) => b.write(op(i, 0), b.read(op(i, 1))));
def(['movntdq', 'movntpd', 'movntps'], 0, 0, (b, i) => {
  const d = op(i, 0);
  if (d.type !== 'mem') throw new UnsupportedOperand(`${i.name} without a memory destination`);
  b.emit({ op: 'vstore', xa: xreg(op(i, 1)), addr: alignedAddress(b, d), size: 16 });
});
/** MXCSR: reserved bits 31:16 set raise #GP (SIGSEGV); the exception flags are not tracked (stmxcsr gives what ldmxcsr set). */
def('ldmxcsr', 0, 0, (b, i) => {
  const v = b.read(op(i, 0));
  const reserved = b.bin('shr', b.ext(v, 4, false), b.const(16n));
  b.emit({ op: 'sideexit', a: reserved, when: 'nonzero', exit: { kind: 'fault', signal: 11, rip: i.address, message: 'ldmxcsr with reserved MXCSR bits set' } });
  b.emit({ op: 'setmxcsr', src: v });
});
def('stmxcsr', 0, 0, (b, i) => {
  const t = b.temp();
  b.emit({ op: 'getmxcsr', dst: t });
  b.write(op(i, 0), t);
});

export const SEMANTICS_FLAGS = { CF, PF, AF, ZF, SF, OF };

registerX87(def);
registerMmx(def, semanticsOf);
