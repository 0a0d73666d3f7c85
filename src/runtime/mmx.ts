// MMX, run by the interpreter: mm0-mm7 are the low 64 bits (the significands) of the x87 physical
// registers R0-R7. Every MMX instruction but emms sets TOP to 0 and marks the eight registers valid;
// writing mmN also sets bits 64-79 of RN (sign and exponent) to all ones. emms marks all eight empty
// and (measured on the AMD CPU whose behaviour Ferry reproduces) sets TOP to 0 too. The x87 pointers
// (FIP, FOP, FDP) are left alone.
// The SSE forms of the shared mnemonics (movd, paddb, pand ...) stay on the translated path: only an
// instruction with an mm operand (and emms) comes here.
import type { X86Insn, X86Operand } from '../capstone/capstone';
import { gpr } from '../frontend/registers';
import type { GuestCpu } from './interpreter';
import { convert, MMX_CONVERSIONS, MmxConversion, MXCSR_FLAGS, MXCSR_MASK_SHIFT } from './mmx-convert';
import { X87Fault } from './x87/exec';
import { fromLittleEndian, toLittleEndian } from './little-endian';

type Mem = X86Operand & { type: 'mem' };

const M64 = (1n << 64n) - 1n;
const mask = (bits: number): bigint => (1n << BigInt(bits)) - 1n;
const sx = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);

/** Lane-wise arithmetic, logic, compares, unpacks and packs (the tests cover each one against the CPU). */
export const LANE_ARITH = ['paddb', 'paddw', 'paddd', 'paddq', 'paddsb', 'paddsw', 'paddusb', 'paddusw',
  'psubb', 'psubw', 'psubd', 'psubq', 'psubsb', 'psubsw', 'psubusb', 'psubusw',
  'pmullw', 'pmulhw', 'pmulhuw', 'pmuludq', 'pmaddwd', 'pand', 'pandn', 'por', 'pxor',
  'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd',
  'punpcklbw', 'punpcklwd', 'punpckldq', 'punpckhbw', 'punpckhwd', 'punpckhdq',
  'packsswb', 'packssdw', 'packuswb', 'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'pavgb', 'pavgw', 'psadbw'];
export const SHIFTS = ['psllw', 'pslld', 'psllq', 'psrlw', 'psrld', 'psrlq', 'psraw', 'psrad'];

/** Capstone names of every instruction with an MMX form (most are shared with SSE2 forms). */
export const MMX_NAMES: readonly string[] = [
  'movd', 'movq', 'movq2dq', 'movdq2q', 'movntq', 'maskmovq', 'emms',
  'pshufw', 'pextrw', 'pinsrw', 'pmovmskb', ...LANE_ARITH, ...SHIFTS, ...MMX_CONVERSIONS,
];
const MMX_SET = new Set(MMX_NAMES);
const CONVERSIONS: ReadonlySet<string> = new Set(MMX_CONVERSIONS);

/** The mm register an operand names, if it names one. */
export function mmOf(o: X86Operand | undefined): number | undefined {
  if (!o || o.type !== 'reg') return undefined;
  const m = /^mm([0-7])$/.exec(o.reg);
  return m ? Number(m[1]) : undefined;
}

/** True for emms, the MMX<->SSE conversions (every form) and the mm-operand form of every other mnemonic in MMX_NAMES. */
export function isMmx(insn: X86Insn): boolean {
  if (!MMX_SET.has(insn.name)) return false;
  return insn.name === 'emms' || CONVERSIONS.has(insn.name) || insn.operands.some((o) => mmOf(o) !== undefined);
}

const xmmOf = (o: X86Operand): number | undefined => {
  const m = o.type === 'reg' ? /^xmm(\d+)$/.exec(o.reg) : null;
  return m ? Number(m[1]) : undefined;
};

// ---- lanes -------------------------------------------------------------------------------------
function split(v: bigint, bits: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < 64 / bits; i++) out.push((v >> BigInt(i * bits)) & mask(bits));
  return out;
}
function join(lanes: bigint[], bits: number): bigint {
  let v = 0n;
  lanes.forEach((l, i) => { v |= (l & mask(bits)) << BigInt(i * bits); });
  return v;
}
function lanewise(a: bigint, b: bigint, bits: number, f: (x: bigint, y: bigint) => bigint): bigint {
  const xs = split(a, bits), ys = split(b, bits);
  return join(xs.map((x, i) => f(x, ys[i])), bits);
}
const satS = (v: bigint, bits: number): bigint => {
  const hi = mask(bits - 1), lo = -(1n << BigInt(bits - 1));
  return v > hi ? hi : v < lo ? lo : v;
};
const satU = (v: bigint, bits: number): bigint => (v < 0n ? 0n : v > mask(bits) ? mask(bits) : v);
const WIDTH: Record<string, number> = { b: 8, w: 16, d: 32, q: 64 };

/** The two-operand packed operations: mm = op(mm, mm/m64). */
function arith(name: string, a: bigint, b: bigint): bigint {
  const last = name[name.length - 1];
  const w = WIDTH[last];
  let m: RegExpExecArray | null;
  if ((m = /^p(add|sub)(s|us)?([bwdq])$/.exec(name))) {
    const bits = WIDTH[m[3]];
    const sub = m[1] === 'sub';
    return lanewise(a, b, bits, (x, y) => {
      if (m![2] === 's') return satS(sub ? sx(x, bits) - sx(y, bits) : sx(x, bits) + sx(y, bits), bits);
      if (m![2] === 'us') return satU(sub ? x - y : x + y, bits);
      return sub ? x - y : x + y;
    });
  }
  if ((m = /^pcmp(eq|gt)([bwd])$/.exec(name))) {
    const bits = WIDTH[m[2]];
    return lanewise(a, b, bits, (x, y) => ((m![1] === 'eq' ? x === y : sx(x, bits) > sx(y, bits)) ? mask(bits) : 0n));
  }
  if ((m = /^punpck([lh])(bw|wd|dq)$/.exec(name))) {
    const bits = WIDTH[m[2][0]];
    const xs = split(a, bits), ys = split(b, bits);
    const half = xs.length / 2, from = m[1] === 'l' ? 0 : half;
    const out: bigint[] = [];
    for (let i = 0; i < half; i++) out.push(xs[from + i], ys[from + i]);
    return join(out, bits);
  }
  switch (name) {
    case 'pmullw': return lanewise(a, b, 16, (x, y) => x * y);
    case 'pmulhw': return lanewise(a, b, 16, (x, y) => (sx(x, 16) * sx(y, 16)) >> 16n);
    case 'pmulhuw': return lanewise(a, b, 16, (x, y) => (x * y) >> 16n);
    case 'pmuludq': return (a & mask(32)) * (b & mask(32));
    case 'pmaddwd': {
      const xs = split(a, 16).map((x) => sx(x, 16)), ys = split(b, 16).map((y) => sx(y, 16));
      return join([xs[0] * ys[0] + xs[1] * ys[1], xs[2] * ys[2] + xs[3] * ys[3]], 32);
    }
    case 'pand': return a & b;
    case 'pandn': return ~a & b & M64;
    case 'por': return a | b;
    case 'pxor': return a ^ b;
    case 'packsswb': case 'packuswb':
      return join([...split(a, 16), ...split(b, 16)].map((x) => (name === 'packsswb' ? satS(sx(x, 16), 8) : satU(sx(x, 16), 8))), 8);
    case 'packssdw': return join([...split(a, 32), ...split(b, 32)].map((x) => satS(sx(x, 32), 16)), 16);
    case 'pminub': return lanewise(a, b, 8, (x, y) => (x < y ? x : y));
    case 'pmaxub': return lanewise(a, b, 8, (x, y) => (x > y ? x : y));
    case 'pminsw': return lanewise(a, b, 16, (x, y) => (sx(x, 16) < sx(y, 16) ? x : y));
    case 'pmaxsw': return lanewise(a, b, 16, (x, y) => (sx(x, 16) > sx(y, 16) ? x : y));
    case 'pavgb': case 'pavgw': return lanewise(a, b, w, (x, y) => (x + y + 1n) >> 1n);
    case 'psadbw': {
      const ys = split(b, 8);
      return split(a, 8).reduce((s, x, i) => s + (x > ys[i] ? x - ys[i] : ys[i] - x), 0n);
    }
  }
  throw new Error(`mmx: no semantics for ${name}`);
}

/** psll/psrl/psra w/d/q by a 64-bit unsigned count: past the lane width, zeros (or sign copies). */
function shift(name: string, a: bigint, count: bigint): bigint {
  const bits = WIDTH[name[4]];
  const kind = name.slice(0, 4);
  return lanewise(a, 0n, bits, (x) => {
    if (kind === 'psra') return sx(x, bits) >> (count > BigInt(bits - 1) ? BigInt(bits - 1) : count);
    if (count > BigInt(bits - 1)) return 0n;
    return kind === 'psll' ? x << count : x >> count;
  });
}

/** Runs one MMX instruction (isMmx(insn) holds); memory faults propagate as GuestFault. */
export function executeMmx(cpu: GuestCpu, insn: X86Insn, addr: (o: Mem) => bigint): void {
  const x87 = cpu.x87;
  const ops = insn.operands;
  const name = insn.name;
  // emms: every register empty; this (AMD) CPU also sets TOP to 0.
  if (name === 'emms') { x87.top = 0; x87.empty.fill(true); return; }

  const getMm = (n: number): bigint => x87.regs[n].sig & M64;
  const setMm = (n: number, v: bigint): void => { x87.regs[n] = { sign: 1, exp: 0x7fff, sig: v & M64 }; };
  const load = (a: bigint, size: number): bigint => fromLittleEndian(cpu.readGuest(a, size));
  const store = (a: bigint, size: number, v: bigint): void => cpu.writeGuest(a, toLittleEndian(v, size));
  const readGpr = (reg: string): bigint => {
    const r = gpr(reg);
    if (!r) throw new Error(`mmx: ${insn.text}: unexpected register ${reg}`);
    return cpu.gpr(r.index) & mask(r.size * 8);
  };
  // MMX instructions write 32- or 64-bit GPRs only: zero-extended to 64 bits.
  const writeGpr = (reg: string, v: bigint): void => {
    const r = gpr(reg);
    if (!r || r.size < 4) throw new Error(`mmx: ${insn.text}: unexpected register ${reg}`);
    cpu.setGpr(r.index, v & mask(r.size * 8));
  };
  /** A source: an mm register, a GPR, or `size` bytes of memory (the operand's own size unless given). */
  const source = (o: X86Operand, size = o.size): bigint => {
    const mm = mmOf(o);
    if (mm !== undefined) return getMm(mm);
    if (o.type === 'reg') return readGpr(o.reg);
    if (o.type === 'mem') return load(addr(o), size);
    return BigInt.asUintN(8, o.imm);
  };
  /** Entering MMX state: TOP = 0, every register valid (after the memory accesses, which may fault). */
  const enter = (): void => { x87.top = 0; x87.empty.fill(false); };
  const dstMm = (): number => {
    const n = mmOf(ops[0]);
    if (n === undefined) throw new Error(`mmx: ${insn.text}: expected an mm destination`);
    return n;
  };
  const imm8 = (o: X86Operand | undefined): number => (o && o.type === 'imm' ? Number(BigInt.asUintN(8, o.imm)) : 0);

  if (name === 'movd' || name === 'movq' || name === 'movntq') {
    const [d, s] = ops;
    const dm = mmOf(d);
    if (dm !== undefined) {
      const v = source(s);
      enter(); setMm(dm, v); return;
    }
    const v = source(s);
    if (d.type === 'mem') store(addr(d), d.size, v & mask(d.size * 8));
    else if (d.type === 'reg') writeGpr(d.reg, v);
    enter(); return;
  }
  if (CONVERSIONS.has(name)) {
    // Only the forms with an mm operand enter MMX state: cvtpi2ps/cvtpi2pd from m64 leave the x87 alone.
    const conversion = name as MmxConversion;
    const [d, s] = ops;
    const xs = xmmOf(s);
    const wide = conversion === 'cvtpd2pi' || conversion === 'cvttpd2pi';
    let src: bigint;
    if (mmOf(s) !== undefined) src = getMm(mmOf(s)!);
    else if (xs !== undefined) src = fromLittleEndian(cpu.xmm(xs));
    else {
      const a = addr(s as Mem);
      // The m128 of cvt(t)pd2pi is an SSE2 operand: misaligned, #GP (SIGSEGV).
      if (wide && (a & 15n)) throw new X87Fault(11, `misaligned ${name} operand`);
      src = load(a, wide ? 16 : 8);
    }
    const mxcsr = cpu.mxcsr();
    const { value, flags } = convert(conversion, src, mxcsr);
    cpu.setMxcsr(mxcsr | flags);
    const xd = xmmOf(d);
    // An unmasked exception is #XM (SIGFPE) with the destination unchanged; this CPU has already
    // entered MMX state then when the destination is an mm register (seen at the fault).
    if (flags & ~(mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS) {
      if (xd === undefined) enter();
      throw new X87Fault(8, `unmasked SIMD floating-point exception in ${name}`);
    }
    if (xd !== undefined) {
      // cvtpi2ps keeps the upper quadword; cvtpi2pd writes all 128 bits.
      const size = conversion === 'cvtpi2pd' ? 16 : 8;
      const bytes = toLittleEndian(value, size, cpu.xmm(xd).slice());
      if (mmOf(s) !== undefined) enter();
      cpu.setXmm(xd, bytes);
      return;
    }
    enter(); setMm(dstMm(), value); return;
  }
  if (name === 'movq2dq') {
    const bytes = toLittleEndian(source(ops[1]), 8, new Uint8Array(16));
    enter(); cpu.setXmm(xmmOf(ops[0])!, bytes); return;
  }
  if (name === 'movdq2q') {
    const v = fromLittleEndian(cpu.xmm(xmmOf(ops[1])!).subarray(0, 8));
    enter(); setMm(dstMm(), v); return;
  }
  if (name === 'maskmovq') {
    // Bytes of the first operand whose selector byte (second operand) has its top bit set go to [rdi].
    const v = source(ops[0]), sel = source(ops[1]);
    let base = cpu.gpr(7);
    if (insn.addrSize === 4) base &= mask(32);
    if (insn.prefix[1] === 0x64) base += cpu.fsBase();
    else if (insn.prefix[1] === 0x65) base += cpu.gsBase();
    for (let i = 0; i < 8; i++) {
      if ((sel >> BigInt(8 * i + 7)) & 1n) store(BigInt.asUintN(64, base + BigInt(i)), 1, (v >> BigInt(8 * i)) & 0xffn);
    }
    enter(); return;
  }
  if (name === 'pmovmskb') {
    const v = source(ops[1]);
    let m = 0n;
    for (let i = 0; i < 8; i++) m |= ((v >> BigInt(8 * i + 7)) & 1n) << BigInt(i);
    enter(); writeGpr((ops[0] as { reg: string }).reg, m); return;
  }
  if (name === 'pextrw') {
    const v = source(ops[1]);
    const w = (v >> BigInt(16 * (imm8(ops[2]) & 3))) & 0xffffn;
    enter(); writeGpr((ops[0] as { reg: string }).reg, w); return;
  }
  if (name === 'pinsrw') {
    const d = dstMm();
    const w = source(ops[1], 2) & 0xffffn;
    const sh = BigInt(16 * (imm8(ops[2]) & 3));
    const v = (getMm(d) & ~(0xffffn << sh)) | (w << sh);
    enter(); setMm(d, v); return;
  }
  if (name === 'pshufw') {
    const s = source(ops[1]);
    const order = imm8(ops[2]);
    const words = split(s, 16);
    const v = join([0, 1, 2, 3].map((i) => words[(order >> (2 * i)) & 3]), 16);
    enter(); setMm(dstMm(), v); return;
  }
  if (SHIFTS.includes(name)) {
    const d = dstMm();
    const count = ops[1].type === 'imm' ? BigInt(imm8(ops[1])) : source(ops[1], 8);
    const v = shift(name, getMm(d), count);
    enter(); setMm(d, v); return;
  }
  // mm, mm/m64; the punpckl forms read only 32 bits of memory.
  const d = dstMm();
  const s = source(ops[1], name.startsWith('punpckl') ? 4 : 8);
  const v = arith(name, getMm(d), s);
  enter(); setMm(d, v);
}
