// Interprets, in TypeScript with BigInt, the instructions that are rare or that bulk memory work
// makes cheaper on the host side: 128-bit divide, rep string ops, cpuid, rdtsc, rcl/rcr, shld/shrd.
import { X86Insn, X86Operand } from '../capstone/capstone';
import { gpr as gprRef } from '../frontend/registers';
import { Lifter, unsupportedMessage } from '../frontend/lift';
import { DIV_FLAGS } from '../frontend/semantics';
import { Flag, FlagSet } from '../ir/ir';
import { GuestFault } from '../memory/guest-memory';
import { executeX87, isX87, X87Fault } from './x87/exec';
import { executeMmx, isMmx } from './mmx';
import { fromLittleEndian, toLittleEndian } from './little-endian';
import { X87State } from './x87/state';

export interface GuestCpu {
  gpr(n: number): bigint;
  setGpr(n: number, v: bigint): void;
  rflags(): bigint;
  setRflags(f: bigint): void;
  fsBase(): bigint;
  gsBase(): bigint;
  setFsBase(v: bigint): void;
  setGsBase(v: bigint): void;
  /** Kernel-side access: any mapped byte, whatever the guest's permissions. */
  readMem(addr: bigint, len: number): Uint8Array;
  writeMem(addr: bigint, data: Uint8Array): void;
  /** An instruction's access: the guest's permissions apply; a GuestFault names the first byte refused. */
  readGuest(addr: bigint, len: number): Uint8Array;
  writeGuest(addr: bigint, data: Uint8Array): void;
  /** How many bytes from addr (up to len) an instruction may read or write. */
  guestAccessible(addr: bigint, len: number, access: 'read' | 'write'): number;
  /** Ends the run with a signal; `rip` is where the kernel would report the guest stopped. */
  /** `fault`: the access the guest's permissions refused, for siginfo. */
  raise(signal: number, message: string, rip?: bigint, fault?: GuestFault): void;
  exit(status: number): void;
  /** The x87 register file (ST0-7, control, status, tags). */
  readonly x87: X87State;
  xmm(n: number): Uint8Array;
  setXmm(n: number, bytes: Uint8Array): void;
  mxcsr(): number;
  setMxcsr(v: number): void;
}

const CF = 1n, PF = 4n, AF = 0x10n, ZF = 0x40n, SF = 0x80n, DF = 0x400n, OF = 0x800n;
const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSI = 6, RDI = 7;
const mask = (bits: number) => (1n << BigInt(bits)) - 1n;
const signed = (v: bigint, bits: number) => BigInt.asIntN(bits, v);

class Signal extends Error { constructor(readonly signal: number, message: string) { super(message); } }

/** CPUID feature bits, each naming what Ferry implements; AVX, AVX-512 and x87/FXSR are not advertised. */
export const CPUID_FEATURES = {
  leaf1Edx: { fpu: 0, tsc: 4, cx8: 8, cmov: 15, mmx: 23, fxsr: 24, sse: 25, sse2: 26 },
  leaf1Ecx: { cx16: 13, movbe: 22, popcnt: 23 },
  // ERMS and FSRM tell glibc to copy and fill with rep movsb/stosb, which the runtime does host-side in one piece.
  leaf7Ebx: { erms: 9 },
  leaf7Edx: { fsrm: 4 },
  ext1Ecx: { lzcnt: 5 },
  ext1Edx: { syscall: 11, lm: 29 },
} as const;
const bitsOf = (set: Record<string, number>) => Object.values(set).reduce((a, b) => a | (1 << b), 0) >>> 0;
/** AT_HWCAP on x86-64 is CPUID.1:EDX. */
export const HWCAP = BigInt(bitsOf(CPUID_FEATURES.leaf1Edx));
/**
 * The vendor is "AuthenticAMD": glibc reads the feature leaves only for vendors it knows (for any
 * other it assumes no SSE2 and refuses to start), and AMD's is the CPU whose undefined flags Ferry
 * reproduces. EBX, EDX, ECX order.
 */
const VENDOR = [0x68747541, 0x69746e65, 0x444d4163];
/** Family 17h (EAX of leaf 1 with the extended family), which glibc treats as a plain modern AMD CPU. */
const SIGNATURE = 0x00800f12;
/** Cache descriptions (leaves 0x80000005/6) that glibc sizes its memcpy strategies by: 32 KiB L1, 512 KiB L2, 16 MiB L3, 64-byte lines. */
const L1_CACHE = (32 << 24) | (8 << 16) | (1 << 8) | 64;
const L2_CACHE = (512 << 16) | (6 << 12) | (1 << 8) | 64;
const L3_CACHE = (32 << 18) | (8 << 12) | (1 << 8) | 64;

/** CPUID leaves by number: [eax, ebx, ecx, edx]; unknown leaves read as zeros. */
const CPUID: Record<string, [number, number, number, number]> = {
  '0': [0x7, VENDOR[0], VENDOR[2], VENDOR[1]],
  '1': [SIGNATURE, 0x00000800, bitsOf(CPUID_FEATURES.leaf1Ecx), bitsOf(CPUID_FEATURES.leaf1Edx)],
  '7': [0, bitsOf(CPUID_FEATURES.leaf7Ebx), 0, bitsOf(CPUID_FEATURES.leaf7Edx)],
  '2147483648': [0x80000008, VENDOR[0], VENDOR[2], VENDOR[1]],
  '2147483649': [SIGNATURE, 0, bitsOf(CPUID_FEATURES.ext1Ecx), bitsOf(CPUID_FEATURES.ext1Edx)],
  '2147483653': [0, 0, L1_CACHE, L1_CACHE],
  '2147483654': [0, 0, L2_CACHE, L3_CACHE],
  '2147483656': [0x3030, 0, 0, 0],
};

export class Interpreter {
  constructor(private readonly cpu: GuestCpu, private readonly lifter: Lifter) {}

  /** Runs the instruction at rip; returns the next rip (the same rip raises nothing new). */
  /** Instructions already decoded, by address (x87 and MMX loops come back to the same ones). */
  private readonly decoded = new Map<bigint, X86Insn>();

  /** Forgets decoded instructions in [start, end) after their code changed. */
  forget(start: bigint, end: bigint): void {
    for (const rip of this.decoded.keys()) if (rip >= start - 15n && rip < end) this.decoded.delete(rip);
  }

  step(rip: bigint): bigint {
    let insn = this.decoded.get(rip);
    if (!insn) {
      insn = this.lifter.decodeOne(rip);
      if (insn) this.decoded.set(rip, insn);
    }
    if (!insn) { this.cpu.raise(4, `undecodable instruction at 0x${rip.toString(16)}`, rip); return rip; }
    const next = rip + BigInt(insn.size);
    try {
      this.exec(insn);
    } catch (e) {
      if (e instanceof Signal || e instanceof X87Fault) { this.cpu.raise(e.signal, e.message, rip); return rip; }
      if (e instanceof GuestFault) { this.cpu.raise(11, `${e.message} by the instruction at 0x${rip.toString(16)}`, rip, e); return rip; }
      throw e;
    }
    return next;
  }

  private reg(name: string): bigint {
    const r = gprRef(name)!;
    const v = this.cpu.gpr(r.index);
    return r.high ? (v >> 8n) & 0xffn : v & mask(r.size * 8);
  }
  private setReg(name: string, value: bigint): void {
    const r = gprRef(name)!;
    const old = this.cpu.gpr(r.index);
    if (r.size === 8) this.cpu.setGpr(r.index, value);
    else if (r.size === 4) this.cpu.setGpr(r.index, value & mask(32));
    else {
      const shift = r.high ? 8n : 0n;
      const m = mask(r.size * 8) << shift;
      this.cpu.setGpr(r.index, (old & ~m) | ((value << shift) & m));
    }
  }
  private addr(o: X86Operand & { type: 'mem' }, insn: X86Insn): bigint {
    let a = o.disp;
    if (o.base === 'rip') a += insn.address + BigInt(insn.size);
    else if (o.base) a += this.reg(o.base);
    if (o.index) a += this.reg(o.index) * BigInt(o.scale);
    if (insn.addrSize === 4) a &= mask(32);
    if (o.segment === 'fs') a += this.cpu.fsBase();
    if (o.segment === 'gs') a += this.cpu.gsBase();
    return BigInt.asUintN(64, a);
  }
  private load(addr: bigint, size: number): bigint {
    return fromLittleEndian(this.cpu.readGuest(addr, size));
  }
  private store(addr: bigint, size: number, v: bigint): void {
    this.cpu.writeGuest(addr, toLittleEndian(v, size));
  }
  private read(o: X86Operand, insn: X86Insn): bigint {
    if (o.type === 'reg') return this.reg(o.reg);
    if (o.type === 'imm') return BigInt.asUintN(o.size * 8, o.imm);
    return this.load(this.addr(o, insn), o.size);
  }
  private write(o: X86Operand, insn: X86Insn, v: bigint): void {
    if (o.type === 'reg') this.setReg(o.reg, v & mask(o.size * 8));
    else if (o.type === 'mem') this.store(this.addr(o, insn), o.size, v);
  }
  private setFlags(set: bigint, values: bigint): void {
    this.cpu.setRflags((this.cpu.rflags() & ~set) | (values & set));
  }
  private static parity(v: bigint): bigint {
    let ones = 0;
    for (let b = Number(v & 0xffn); b; b >>= 1) ones += b & 1;
    return ones % 2 === 0 ? PF : 0n;
  }
  private static szp(v: bigint, bits: number): bigint {
    const m = v & mask(bits);
    return (m === 0n ? ZF : 0n) | ((m >> BigInt(bits - 1)) & 1n ? SF : 0n) | Interpreter.parity(m);
  }

  private exec(insn: X86Insn): void {
    const name = insn.name;
    const ops = insn.operands;
    if (isMmx(insn)) return executeMmx(this.cpu, insn, (o) => this.addr(o, insn));
    if (isX87(name)) return executeX87(this.cpu, insn, (o) => this.addr(o, insn));
    if (name === 'cpuid') {
      const leaf = Number(this.cpu.gpr(RAX) & mask(32));
      const [a, b, c, d] = CPUID[String(leaf)] ?? [0, 0, 0, 0];
      this.cpu.setGpr(RAX, BigInt(a >>> 0)); this.cpu.setGpr(RBX, BigInt(b >>> 0));
      this.cpu.setGpr(RCX, BigInt(c >>> 0)); this.cpu.setGpr(RDX, BigInt(d >>> 0));
      return;
    }
    if (name === 'rdtsc' || name === 'rdtscp') {
      const t = process.hrtime.bigint();
      this.cpu.setGpr(RAX, t & mask(32));
      this.cpu.setGpr(RDX, (t >> 32n) & mask(32));
      if (name === 'rdtscp') this.cpu.setGpr(RCX, 0n);
      return;
    }
    if (name === 'div' || name === 'idiv') return this.divide(insn);
    if (/^(movs|stos|lods|cmps|scas)[bwdq]$/.test(name) && ops.length !== 0 && !(ops[0].type === 'reg' && ops[0].reg.startsWith('xmm'))) {
      return this.string(insn);
    }
    if (name === 'shld' || name === 'shrd') return this.doubleShift(insn);
    if (name === 'rcl' || name === 'rcr') return this.rotateCarry(insn);
    if (name === 'cmpxchg8b') {
      // edx:eax against m64; on a match ecx:ebx is stored, else m64 is loaded into edx:eax (zero-extended).
      const a = this.addr(ops[0] as X86Operand & { type: 'mem' }, insn);
      const old = this.load(a, 8);
      const expected = ((this.cpu.gpr(RDX) & mask(32)) << 32n) | (this.cpu.gpr(RAX) & mask(32));
      if (old === expected) {
        this.store(a, 8, ((this.cpu.gpr(RCX) & mask(32)) << 32n) | (this.cpu.gpr(RBX) & mask(32)));
        this.setFlags(ZF, ZF);
      } else {
        this.cpu.setGpr(RAX, old & mask(32)); this.cpu.setGpr(RDX, old >> 32n);
        this.setFlags(ZF, 0n);
      }
      return;
    }
    if (name === 'cmpxchg16b') {
      const m = ops[0] as X86Operand & { type: 'mem' };
      const a = this.addr(m, insn);
      if (a % 16n) throw new Signal(11, `cmpxchg16b on unaligned address 0x${a.toString(16)}`);
      const lo = this.load(a, 8), hi = this.load(a + 8n, 8);
      if (lo === this.cpu.gpr(RAX) && hi === this.cpu.gpr(RDX)) {
        this.store(a, 8, this.cpu.gpr(RBX)); this.store(a + 8n, 8, this.cpu.gpr(RCX));
        this.setFlags(ZF, ZF);
      } else {
        this.cpu.setGpr(RAX, lo); this.cpu.setGpr(RDX, hi);
        this.setFlags(ZF, 0n);
      }
      return;
    }
    throw new Signal(4, unsupportedMessage(insn));
  }

  private divide(insn: X86Insn): void {
    const o = insn.operands[0];
    const bits = o.size * 8;
    const isSigned = insn.name === 'idiv';
    const divisor = this.read(o, insn);
    if (divisor === 0n) throw new Signal(8, `divide error (division by zero) at 0x${insn.address.toString(16)}`);
    let dividend: bigint;
    if (bits === 8) dividend = this.cpu.gpr(RAX) & 0xffffn;
    else dividend = ((this.cpu.gpr(RDX) & mask(bits)) << BigInt(bits)) | (this.cpu.gpr(RAX) & mask(bits));
    let q: bigint, r: bigint;
    if (isSigned) {
      const n = signed(dividend, bits * 2), d = signed(divisor, bits);
      q = n / d; r = n % d;
      if (q > mask(bits - 1) || q < -(1n << BigInt(bits - 1))) throw new Signal(8, `divide error (quotient overflow) at 0x${insn.address.toString(16)}`);
    } else {
      q = dividend / divisor; r = dividend % divisor;
      if (q > mask(bits)) throw new Signal(8, `divide error (quotient overflow) at 0x${insn.address.toString(16)}`);
    }
    q = BigInt.asUintN(bits, q); r = BigInt.asUintN(bits, r);
    this.setFlags(toRflags(DIV_FLAGS.set | DIV_FLAGS.clear), toRflags(DIV_FLAGS.set));
    if (bits === 8) this.setReg('ax', q | (r << 8n));
    else {
      const names = { 16: ['ax', 'dx'], 32: ['eax', 'edx'], 64: ['rax', 'rdx'] }[bits as 16 | 32 | 64];
      this.setReg(names[0], q); this.setReg(names[1], r);
    }
  }

  private string(insn: X86Insn): void {
    const kind = insn.name.slice(0, 4);
    const size = { b: 1, w: 2, d: 4, q: 8 }[insn.name[4] as 'b'] ?? 1;
    const rep = insn.prefix[0] === 0xf3 ? 'rep' : insn.prefix[0] === 0xf2 ? 'repne' : '';
    const down = (this.cpu.rflags() & DF) !== 0n;
    const step = BigInt(down ? -size : size);
    const acc = { 1: 'al', 2: 'ax', 4: 'eax', 8: 'rax' }[size]!;
    const srcBase = insn.prefix[1] === 0x64 ? this.cpu.fsBase() : insn.prefix[1] === 0x65 ? this.cpu.gsBase() : 0n;
    const usesSi = kind === 'movs' || kind === 'lods' || kind === 'cmps';
    const progress = { count: rep ? this.cpu.gpr(RCX) : 1n, si: this.cpu.gpr(RSI), di: this.cpu.gpr(RDI) };
    const advance = (elements: bigint): void => {
      if (usesSi) progress.si += step * elements;
      if (kind !== 'lods') progress.di += step * elements;
      progress.count -= elements;
    };
    // A fault stops the instruction after the elements already done, as on the CPU: the registers
    // show that progress, and RIP stays on the instruction so a handler can resume it.
    try {
      while (rep && (kind === 'movs' || kind === 'stos') && !down && progress.count > 0n) {
        const done = this.bulkForward(kind, size, srcBase, progress, acc);
        if (done === 0n) break;
        advance(done);
      }
      while (progress.count > 0n) {
        let stop = false;
        const source = BigInt.asUintN(64, srcBase + progress.si), di = BigInt.asUintN(64, progress.di);
        if (kind === 'movs') this.store(di, size, this.load(source, size));
        else if (kind === 'stos') this.store(di, size, this.reg(acc));
        else if (kind === 'lods') this.setReg(acc, this.load(source, size));
        else {
          const a = kind === 'cmps' ? this.load(source, size) : this.reg(acc);
          const b = this.load(di, size);
          this.setFlags(CF | PF | AF | ZF | SF | OF, subFlags(a, b, size * 8));
          if (rep === 'rep' && a !== b) stop = true;
          if (rep === 'repne' && a === b) stop = true;
        }
        advance(1n);
        if (!rep || stop) break;
      }
    } finally {
      if (usesSi) this.cpu.setGpr(RSI, BigInt.asUintN(64, progress.si));
      if (kind !== 'lods') this.cpu.setGpr(RDI, BigInt.asUintN(64, progress.di));
      if (rep) this.cpu.setGpr(RCX, progress.count);
    }
  }

  /**
   * A forward rep movs/stos done host-side in pieces, as many elements as the guest may touch: the
   * element loop then meets any fault at the right element. A copy whose destination starts inside
   * its source moves in pieces no longer than their distance, so each piece reads bytes already
   * final, as element-by-element copying would.
   */
  private bulkForward(kind: string, size: number, srcBase: bigint, at: { count: bigint; si: bigint; di: bigint }, acc: string): bigint {
    const di = BigInt.asUintN(64, at.di), si = BigInt.asUintN(64, srcBase + at.si);
    const wanted = at.count * BigInt(size) > BigInt(1 << 30) ? 1 << 30 : Number(at.count) * size;
    let bytes = this.cpu.guestAccessible(di, wanted, 'write');
    if (kind === 'movs') bytes = Math.min(bytes, this.cpu.guestAccessible(si, wanted, 'read'));
    const elements = Math.floor(bytes / size);
    const total = elements * size;
    if (kind === 'stos') {
      if (total) this.cpu.writeGuest(di, fill(this.reg(acc), size, total));
      return BigInt(elements);
    }
    const distance = di - si;
    const piece = distance > 0n && distance < BigInt(total) ? Math.max(size, Number(distance) - (Number(distance) % size)) : total;
    for (let done = 0; done < total; done += piece) {
      const n = Math.min(piece, total - done);
      this.cpu.writeGuest(di + BigInt(done), this.cpu.readGuest(si + BigInt(done), n));
    }
    return BigInt(elements);
  }

  private doubleShift(insn: X86Insn): void {
    const [d, s, c] = insn.operands;
    const bits = d.size * 8;
    const count = Number(this.read(c, insn) & (bits === 64 ? 63n : 31n));
    // A count of zero changes nothing, except that a 32-bit register is still written (zero-extended).
    if (count === 0) { if (d.type === 'reg') this.write(d, insn, this.read(d, insn)); return; }
    const dst = this.read(d, insn), src = this.read(s, insn);
    const B = BigInt(bits);
    // The value after k single-bit shifts, with the source supplying the bits shifted in (repeating
    // for 16-bit counts past the width, as this CPU does).
    const after = (k: number): bigint => {
      let v = dst;
      for (let n = 0; n < k; n++) {
        const inBit = insn.name === 'shld' ? (src >> (B - 1n - BigInt(n % bits))) & 1n : (src >> BigInt(n % bits)) & 1n;
        v = insn.name === 'shld' ? ((v << 1n) | inBit) & mask(bits) : (v >> 1n) | (inBit << (B - 1n));
      }
      return v;
    };
    const prev = after(count - 1), result = after(count);
    let cf = insn.name === 'shld' ? (prev >> (B - 1n)) & 1n : prev & 1n;
    this.write(d, insn, result);
    // Measured: OF compares the sign before and after the last single-bit shift; AF is set.
    let of = ((prev ^ result) >> (B - 1n)) & 1n;
    if (bits === 16 && count >= 16) {
      // Measured for 16-bit counts past the width: CF is the bit the 16th shift moves out, and
      // clear beyond it; OF is CF for shld and the XOR of the result's top two bits for shrd.
      cf = count > 16 ? 0n : insn.name === 'shld' ? dst & 1n : (dst >> 15n) & 1n;
      of = insn.name === 'shld' ? cf : ((result >> 15n) ^ (result >> 14n)) & 1n;
    }
    this.setFlags(CF | PF | ZF | SF | OF | AF, (cf ? CF : 0n) | Interpreter.szp(result, bits) | (of ? OF : 0n) | AF);
  }

  private rotateCarry(insn: X86Insn): void {
    const [d, c] = insn.operands;
    const bits = d.size * 8;
    const raw = c ? Number(this.read(c, insn) & (bits === 64 ? 63n : 31n)) : 1;
    const count = raw % (bits + 1);
    if (raw === 0) { if (d.type === 'reg') this.write(d, insn, this.read(d, insn)); return; }
    let v = this.read(d, insn);
    let cf = this.cpu.rflags() & CF ? 1n : 0n;
    for (let k = 0; k < count; k++) {
      if (insn.name === 'rcl') { const out = (v >> BigInt(bits - 1)) & 1n; v = ((v << 1n) | cf) & mask(bits); cf = out; }
      else { const out = v & 1n; v = (v >> 1n) | (cf << BigInt(bits - 1)); cf = out; }
    }
    this.write(d, insn, v);
    const msb = (v >> BigInt(bits - 1)) & 1n;
    const of = insn.name === 'rcl' ? msb ^ cf : msb ^ ((v >> BigInt(bits - 2)) & 1n);
    this.setFlags(CF | OF, (cf ? CF : 0n) | (of ? OF : 0n));
  }
}

/** An IR flag set as RFLAGS bits. */
function toRflags(set: FlagSet): bigint {
  const bits: Array<[number, bigint]> = [[Flag.CF, CF], [Flag.PF, PF], [Flag.AF, AF], [Flag.ZF, ZF], [Flag.SF, SF], [Flag.OF, OF]];
  return bits.reduce((acc, [f, r]) => (set & f ? acc | r : acc), 0n);
}

function fill(value: bigint, size: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((value >> BigInt(8 * (i % size))) & 0xffn);
  return out;
}

function subFlags(a: bigint, b: bigint, bits: number): bigint {
  const r = (a - b) & mask(bits);
  let f = 0n;
  if (a < b) f |= CF;
  if (((a ^ b) & (a ^ r)) >> BigInt(bits - 1) & 1n) f |= OF;
  if ((a ^ b ^ r) & 0x10n) f |= AF;
  const m = r & mask(bits);
  if (m === 0n) f |= ZF;
  if ((m >> BigInt(bits - 1)) & 1n) f |= SF;
  let ones = 0;
  for (let x = Number(m & 0xffn); x; x >>= 1) ones += x & 1;
  if (ones % 2 === 0) f |= PF;
  return f;
}
