// AArch64 instruction encoder: pure functions that each return one 32-bit instruction word
// (unsigned). Operands are range-checked; anything that does not fit throws a RangeError.

/*
 * Register numbers are 0..31. What 31 means depends on the instruction, as in the
 * architecture; each function says "31 = SP" or "31 = ZR" for its operands (ZR when unsaid).
 * `sf` selects the 64-bit X form (true) or the 32-bit W form (false).
 */

export enum Cond { EQ = 0, NE, HS, LO, MI, PL, VS, VC, HI, LS, GE, LT, GT, LE, AL }
export enum Shift { LSL = 0, LSR, ASR, ROR }
export enum Extend { UXTB = 0, UXTH, UXTW, UXTX, SXTB, SXTH, SXTW, SXTX }

/** The condition that holds exactly when `cond` does not (AL has none). */
export function invertCond(cond: Cond): Cond {
  if (cond === Cond.AL) throw new RangeError('invertCond: AL has no inverse');
  return (cond ^ 1) as Cond;
}

// ---------------------------------------------------------------------------------------
// Operand checks

function reg(n: number, what = 'register'): number {
  if (!Number.isInteger(n) || n < 0 || n > 31) throw new RangeError(`${what} ${n} is not a register number 0..31`);
  return n;
}

function uimm(value: number, bits: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new RangeError(`${what} ${value} does not fit in ${bits} unsigned bits (0..${2 ** bits - 1})`);
  }
  return value;
}

function inRange(value: number, lo: number, hi: number, what: string): number {
  if (!Number.isInteger(value) || value < lo || value > hi) throw new RangeError(`${what} ${value} outside ${lo}..${hi}`);
  return value;
}

/** Two's-complement field of a signed value that must fit in `bits` bits. */
function simm(value: number, bits: number, what: string): number {
  const limit = 2 ** (bits - 1);
  if (!Number.isInteger(value) || value < -limit || value >= limit) {
    throw new RangeError(`${what} ${value} does not fit in ${bits} signed bits (${-limit}..${limit - 1})`);
  }
  return value & (2 ** bits - 1);
}

/** A byte offset that must be a multiple of 2^scale and fit, once scaled, in a signed field. */
function scaledSimm(offset: number, scale: number, bits: number, what: string): number {
  if (!Number.isInteger(offset) || offset % (1 << scale) !== 0) {
    throw new RangeError(`${what} ${offset} is not a multiple of ${1 << scale}`);
  }
  return simm(offset / (1 << scale), bits, `${what}/${1 << scale}`);
}

const sfBit = (sf: boolean): number => (sf ? 0x80000000 : 0);
const width = (sf: boolean): number => (sf ? 64 : 32);
const u32 = (word: number): number => word >>> 0;

// ---------------------------------------------------------------------------------------
// Add / subtract

/** ADD/SUB(S) immediate: rd = rn ± (imm12 << (lsl12 ? 12 : 0)). rn 31 = SP; rd 31 = SP, or ZR when setFlags. */
function addSubImm(sub: boolean, sf: boolean, rd: number, rn: number, imm12: number, lsl12: boolean, setFlags: boolean): number {
  return u32(sfBit(sf) | (sub ? 1 << 30 : 0) | (setFlags ? 1 << 29 : 0) | 0x11000000 | (lsl12 ? 1 << 22 : 0) |
    (uimm(imm12, 12, 'add/sub immediate') << 10) | (reg(rn) << 5) | reg(rd));
}
export const addImm = (sf: boolean, rd: number, rn: number, imm12: number, lsl12 = false, setFlags = false): number =>
  addSubImm(false, sf, rd, rn, imm12, lsl12, setFlags);
export const subImm = (sf: boolean, rd: number, rn: number, imm12: number, lsl12 = false, setFlags = false): number =>
  addSubImm(true, sf, rd, rn, imm12, lsl12, setFlags);
/** MOV to or from SP (ADD rd, rn, #0). 31 = SP for both. */
export const movSp = (sf: boolean, rd: number, rn: number): number => addImm(sf, rd, rn, 0);

/** ADD/SUB(S) shifted register; all registers 31 = ZR. ROR is not allowed. */
function addSubReg(sub: boolean, sf: boolean, rd: number, rn: number, rm: number, shift: Shift, amount: number, setFlags: boolean): number {
  if (shift === Shift.ROR) throw new RangeError('add/sub shifted register: ROR is not allowed');
  return u32(sfBit(sf) | (sub ? 1 << 30 : 0) | (setFlags ? 1 << 29 : 0) | 0x0b000000 | (shift << 22) | (reg(rm) << 16) |
    (uimm(amount, sf ? 6 : 5, 'shift amount') << 10) | (reg(rn) << 5) | reg(rd));
}
export const addReg = (sf: boolean, rd: number, rn: number, rm: number, shift = Shift.LSL, amount = 0, setFlags = false): number =>
  addSubReg(false, sf, rd, rn, rm, shift, amount, setFlags);
export const subReg = (sf: boolean, rd: number, rn: number, rm: number, shift = Shift.LSL, amount = 0, setFlags = false): number =>
  addSubReg(true, sf, rd, rn, rm, shift, amount, setFlags);
/** CMP rn, rm (SUBS ZR, ...). */
export const cmpReg = (sf: boolean, rn: number, rm: number, shift = Shift.LSL, amount = 0): number => subReg(sf, 31, rn, rm, shift, amount, true);
export const cmnReg = (sf: boolean, rn: number, rm: number, shift = Shift.LSL, amount = 0): number => addReg(sf, 31, rn, rm, shift, amount, true);
export const cmpImm = (sf: boolean, rn: number, imm12: number, lsl12 = false): number => subImm(sf, 31, rn, imm12, lsl12, true);
export const cmnImm = (sf: boolean, rn: number, imm12: number, lsl12 = false): number => addImm(sf, 31, rn, imm12, lsl12, true);
export const neg = (sf: boolean, rd: number, rm: number, setFlags = false): number => subReg(sf, rd, 31, rm, Shift.LSL, 0, setFlags);

/**
 * ADD/SUB(S) extended register: rd = rn ± (extend(rm) << amount), amount 0..4.
 * rn 31 = SP; rd 31 = SP, or ZR when setFlags; rm 31 = ZR (a W register unless the extend is UXTX/SXTX).
 */
function addSubExt(sub: boolean, sf: boolean, rd: number, rn: number, rm: number, extend: Extend, amount: number, setFlags: boolean): number {
  return u32(sfBit(sf) | (sub ? 1 << 30 : 0) | (setFlags ? 1 << 29 : 0) | 0x0b200000 | (reg(rm) << 16) | (extend << 13) |
    (inRange(amount, 0, 4, 'extend shift amount') << 10) | (reg(rn) << 5) | reg(rd));
}
export const addExt = (sf: boolean, rd: number, rn: number, rm: number, extend: Extend, amount = 0, setFlags = false): number =>
  addSubExt(false, sf, rd, rn, rm, extend, amount, setFlags);
export const subExt = (sf: boolean, rd: number, rn: number, rm: number, extend: Extend, amount = 0, setFlags = false): number =>
  addSubExt(true, sf, rd, rn, rm, extend, amount, setFlags);

/** ADC(S): rd = rn + rm + C. 31 = ZR. */
export const adc = (sf: boolean, rd: number, rn: number, rm: number, setFlags = false): number =>
  u32(sfBit(sf) | (setFlags ? 1 << 29 : 0) | 0x1a000000 | (reg(rm) << 16) | (reg(rn) << 5) | reg(rd));
/** SBC(S): rd = rn - rm - !C. 31 = ZR. */
export const sbc = (sf: boolean, rd: number, rn: number, rm: number, setFlags = false): number =>
  u32(sfBit(sf) | (1 << 30) | (setFlags ? 1 << 29 : 0) | 0x1a000000 | (reg(rm) << 16) | (reg(rn) << 5) | reg(rd));

// ---------------------------------------------------------------------------------------
// Logical

/** opc (bits 30:29) and N (bit 21) of the shifted-register logical group. */
const LOGICAL_REG = {
  and: { opc: 0, n: 0 }, bic: { opc: 0, n: 1 }, orr: { opc: 1, n: 0 }, orn: { opc: 1, n: 1 },
  eor: { opc: 2, n: 0 }, eon: { opc: 2, n: 1 }, ands: { opc: 3, n: 0 }, bics: { opc: 3, n: 1 },
} as const;
export type LogicalRegOp = keyof typeof LOGICAL_REG;

/** Any shifted-register logical op; all registers 31 = ZR. */
export function logicalReg(op: LogicalRegOp, sf: boolean, rd: number, rn: number, rm: number, shift = Shift.LSL, amount = 0): number {
  const { opc, n } = LOGICAL_REG[op];
  return u32(sfBit(sf) | (opc << 29) | 0x0a000000 | (shift << 22) | (n << 21) | (reg(rm) << 16) |
    (uimm(amount, sf ? 6 : 5, 'shift amount') << 10) | (reg(rn) << 5) | reg(rd));
}
export const andReg = (sf: boolean, rd: number, rn: number, rm: number, shift = Shift.LSL, amount = 0, setFlags = false): number =>
  logicalReg(setFlags ? 'ands' : 'and', sf, rd, rn, rm, shift, amount);
export const bicReg = (sf: boolean, rd: number, rn: number, rm: number, shift = Shift.LSL, amount = 0, setFlags = false): number =>
  logicalReg(setFlags ? 'bics' : 'bic', sf, rd, rn, rm, shift, amount);
export const orrReg = (sf: boolean, rd: number, rn: number, rm: number, shift = Shift.LSL, amount = 0): number =>
  logicalReg('orr', sf, rd, rn, rm, shift, amount);
export const ornReg = (sf: boolean, rd: number, rn: number, rm: number, shift = Shift.LSL, amount = 0): number =>
  logicalReg('orn', sf, rd, rn, rm, shift, amount);
export const eorReg = (sf: boolean, rd: number, rn: number, rm: number, shift = Shift.LSL, amount = 0): number =>
  logicalReg('eor', sf, rd, rn, rm, shift, amount);
export const eonReg = (sf: boolean, rd: number, rn: number, rm: number, shift = Shift.LSL, amount = 0): number =>
  logicalReg('eon', sf, rd, rn, rm, shift, amount);
/** MOV rd, rm (ORR rd, ZR, rm); 31 = ZR, use movSp for SP. */
export const movReg = (sf: boolean, rd: number, rm: number): number => orrReg(sf, rd, 31, rm);
/** MVN rd, rm (ORN rd, ZR, rm). */
export const mvn = (sf: boolean, rd: number, rm: number, shift = Shift.LSL, amount = 0): number => ornReg(sf, rd, 31, rm, shift, amount);
/** TST rn, rm (ANDS ZR, rn, rm). */
export const tstReg = (sf: boolean, rn: number, rm: number, shift = Shift.LSL, amount = 0): number => andReg(sf, 31, rn, rm, shift, amount, true);

const MASK64 = (1n << 64n) - 1n;

/**
 * The N:immr:imms field (13 bits) that encodes `value` as a bitmask immediate of the given
 * width, or null when it is not one (0, all ones, and non-repeating patterns are not).
 */
const logicalImmCache = [new Map<bigint, number | null>(), new Map<bigint, number | null>()];
export function encodeLogicalImm(value: bigint, sf: boolean): number | null {
  // Code generation asks about the same masks again and again; the search below is BigInt-heavy.
  const cache = logicalImmCache[sf ? 1 : 0];
  let hit = cache.get(value);
  if (hit === undefined) {
    hit = searchLogicalImm(value, sf);
    if (cache.size < 4096) cache.set(value, hit);
  }
  return hit;
}
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
const ctz32 = (x: number): number => 31 - Math.clz32(x & -x);

/**
 * A bitmask immediate is one element (2..64 bits, repeated to fill the register) holding a single
 * run of ones, rotated: circularly the element changes between 0 and 1 exactly twice.
 * Works on 32-bit halves as numbers; BigInt arithmetic here dominated code generation.
 */
function searchLogicalImm(value: bigint, sf: boolean): number | null {
  const sizeMask = sf ? MASK64 : 0xffff_ffffn;
  if (value <= 0n || value >= sizeMask) return null; // out of range, zero or all ones
  const lo = Number(value & 0xffff_ffffn) >>> 0;
  const hi = sf ? Number(value >> 32n) >>> 0 : lo;
  if (hi !== lo) {
    const rotHi = ((hi << 1) | (lo >>> 31)) >>> 0;
    const rotLo = ((lo << 1) | (hi >>> 31)) >>> 0;
    if (popcount32(hi ^ rotHi) + popcount32(lo ^ rotLo) !== 2) return null;
    const ones = popcount32(hi) + popcount32(lo);
    const startsLo = (lo & ~rotLo) >>> 0;
    const start = startsLo ? ctz32(startsLo) : 32 + ctz32((hi & ~rotHi) >>> 0);
    return (1 << 12) | (((64 - start) % 64) << 6) | (ones - 1);
  }
  let elem = 32;
  while (elem > 2) {
    const half = elem / 2;
    const halfMask = (1 << half) - 1;
    if ((lo & halfMask) !== ((lo >>> half) & halfMask)) break;
    elem = half;
  }
  const elemMask = elem === 32 ? 0xffff_ffff : (1 << elem) - 1;
  const pattern = (lo & elemMask) >>> 0;
  const rotated = (((pattern << 1) | (pattern >>> (elem - 1))) & elemMask) >>> 0;
  if (popcount32((pattern ^ rotated) >>> 0) !== 2) return null;
  const ones = popcount32(pattern);
  const start = ctz32((pattern & ~rotated) >>> 0);
  const imms = (~(2 * elem - 1) & 0x3f) | (ones - 1);
  return (((elem - start) % elem) << 6) | imms;
}

function logicalImm(opc: number, sf: boolean, rd: number, rn: number, value: bigint): number {
  const field = encodeLogicalImm(value, sf);
  if (field === null) throw new RangeError(`0x${value.toString(16)} is not a ${width(sf)}-bit bitmask immediate`);
  return u32(sfBit(sf) | (opc << 29) | 0x12000000 | (field << 10) | (reg(rn) << 5) | reg(rd));
}
/** AND(S) rd, rn, #bitmask. rn 31 = ZR; rd 31 = SP, or ZR when setFlags. */
export const andImm = (sf: boolean, rd: number, rn: number, value: bigint, setFlags = false): number => logicalImm(setFlags ? 3 : 0, sf, rd, rn, value);
/** ORR rd, rn, #bitmask. rn 31 = ZR; rd 31 = SP. */
export const orrImm = (sf: boolean, rd: number, rn: number, value: bigint): number => logicalImm(1, sf, rd, rn, value);
/** EOR rd, rn, #bitmask. rn 31 = ZR; rd 31 = SP. */
export const eorImm = (sf: boolean, rd: number, rn: number, value: bigint): number => logicalImm(2, sf, rd, rn, value);
export const tstImm = (sf: boolean, rn: number, value: bigint): number => andImm(sf, 31, rn, value, true);

// ---------------------------------------------------------------------------------------
// Wide moves and constants

function moveWide(opc: number, sf: boolean, rd: number, imm16: number, hw: number): number {
  return u32(sfBit(sf) | (opc << 29) | 0x12800000 | (inRange(hw, 0, sf ? 3 : 1, 'move-wide shift index') << 21) |
    (uimm(imm16, 16, 'move-wide immediate') << 5) | reg(rd));
}
/** MOVZ rd, #imm16, LSL #(16*hw). rd 31 = ZR. */
export const movz = (sf: boolean, rd: number, imm16: number, hw = 0): number => moveWide(2, sf, rd, imm16, hw);
/** MOVN rd, #imm16, LSL #(16*hw): rd = ~(imm16 << 16*hw). */
export const movn = (sf: boolean, rd: number, imm16: number, hw = 0): number => moveWide(0, sf, rd, imm16, hw);
/** MOVK: replaces one 16-bit half-word of rd. */
export const movk = (sf: boolean, rd: number, imm16: number, hw = 0): number => moveWide(3, sf, rd, imm16, hw);

function halfwords(value: bigint): number[] {
  return [0, 1, 2, 3].map((i) => Number((value >> BigInt(16 * i)) & 0xffffn));
}

function checkConstant(rd: number, value: bigint): bigint {
  if (reg(rd) === 31) throw new RangeError('movImm64: rd must be 0..30 (31 would be ZR or SP)');
  if (value < -(1n << 63n) || value > MASK64) throw new RangeError(`movImm64: ${value} does not fit in 64 bits`);
  return value & MASK64;
}

/** The shortest sequence (1-4 words) that sets X rd (0..30) to a 64-bit constant (signed or unsigned). */
const movImmCache = new Map<bigint, number[]>();
export function movImm64(rd: number, value: bigint): number[] {
  // Every form chosen below keeps rd in bits 0-4: cache the words for rd = 0 and add rd.
  const v = checkConstant(rd, value);
  let words = movImmCache.get(v);
  if (words === undefined) {
    words = movImm64Search(0, v);
    if (movImmCache.size < 8192) movImmCache.set(v, words);
  }
  return words.map((w) => (w | rd) >>> 0);
}
function movImm64Search(rd: number, value: bigint): number[] {
  const v = value;
  const candidates: number[][] = [];
  // MOVZ or MOVN start, then MOVK for each half-word that the start did not get right.
  for (const [sf, count] of [[true, 4], [false, 2]] as const) {
    if (!sf && v >> 32n !== 0n) continue; // W-form writes zero the top half
    const hws = halfwords(v).slice(0, count);
    for (const inverted of [false, true]) {
      const filler = inverted ? 0xffff : 0;
      const differing = hws.map((h, i) => [h, i]).filter(([h]) => h !== filler);
      const [firstHw, firstIndex] = differing[0] ?? [filler, 0];
      const seq = [inverted ? movn(sf, rd, firstHw ^ 0xffff, firstIndex) : movz(sf, rd, firstHw, firstIndex)];
      for (const [h, i] of differing.slice(1)) seq.push(movk(sf, rd, h, i));
      candidates.push(seq);
    }
    if (encodeLogicalImm(v, sf) !== null) candidates.push([orrImm(sf, rd, 31, v)]);
  }
  return candidates.reduce((best, seq) => (seq.length < best.length ? seq : best));
}

/** Exactly four words, MOVZ + 3 MOVK, so a relocation can patch in any 64-bit constant later. */
export function movImm64Fixed(rd: number, value: bigint): number[] {
  const hws = halfwords(checkConstant(rd, value));
  return [movz(true, rd, hws[0], 0), movk(true, rd, hws[1], 1), movk(true, rd, hws[2], 2), movk(true, rd, hws[3], 3)];
}

// ---------------------------------------------------------------------------------------
// Bitfield, extract, shifts

function bitfield(opc: number, sf: boolean, rd: number, rn: number, immr: number, imms: number): number {
  const bits = sf ? 6 : 5;
  return u32(sfBit(sf) | (opc << 29) | 0x13000000 | (sf ? 1 << 22 : 0) | (uimm(immr, bits, 'immr') << 16) |
    (uimm(imms, bits, 'imms') << 10) | (reg(rn) << 5) | reg(rd));
}
export const sbfm = (sf: boolean, rd: number, rn: number, immr: number, imms: number): number => bitfield(0, sf, rd, rn, immr, imms);
export const bfm = (sf: boolean, rd: number, rn: number, immr: number, imms: number): number => bitfield(1, sf, rd, rn, immr, imms);
export const ubfm = (sf: boolean, rd: number, rn: number, immr: number, imms: number): number => bitfield(2, sf, rd, rn, immr, imms);

/** Checks a bitfield (lsb, width) lies inside the register. */
function field(sf: boolean, lsb: number, fieldWidth: number): void {
  inRange(lsb, 0, width(sf) - 1, 'bitfield lsb');
  inRange(fieldWidth, 1, width(sf) - lsb, 'bitfield width');
}
const shiftAmount = (sf: boolean, amount: number): number => inRange(amount, 0, width(sf) - 1, 'shift amount');

export const lslImm = (sf: boolean, rd: number, rn: number, amount: number): number =>
  ubfm(sf, rd, rn, (width(sf) - shiftAmount(sf, amount)) % width(sf), width(sf) - 1 - amount);
export const lsrImm = (sf: boolean, rd: number, rn: number, amount: number): number => ubfm(sf, rd, rn, shiftAmount(sf, amount), width(sf) - 1);
export const asrImm = (sf: boolean, rd: number, rn: number, amount: number): number => sbfm(sf, rd, rn, shiftAmount(sf, amount), width(sf) - 1);
export const ubfx = (sf: boolean, rd: number, rn: number, lsb: number, w: number): number => (field(sf, lsb, w), ubfm(sf, rd, rn, lsb, lsb + w - 1));
export const sbfx = (sf: boolean, rd: number, rn: number, lsb: number, w: number): number => (field(sf, lsb, w), sbfm(sf, rd, rn, lsb, lsb + w - 1));
export const bfxil = (sf: boolean, rd: number, rn: number, lsb: number, w: number): number => (field(sf, lsb, w), bfm(sf, rd, rn, lsb, lsb + w - 1));
export const bfi = (sf: boolean, rd: number, rn: number, lsb: number, w: number): number =>
  (field(sf, lsb, w), bfm(sf, rd, rn, (width(sf) - lsb) % width(sf), w - 1));
export const ubfiz = (sf: boolean, rd: number, rn: number, lsb: number, w: number): number =>
  (field(sf, lsb, w), ubfm(sf, rd, rn, (width(sf) - lsb) % width(sf), w - 1));
export const sbfiz = (sf: boolean, rd: number, rn: number, lsb: number, w: number): number =>
  (field(sf, lsb, w), sbfm(sf, rd, rn, (width(sf) - lsb) % width(sf), w - 1));
/** Sign-extend the low byte/half/word of W rn into rd (sxtw needs sf). */
export const sxtb = (sf: boolean, rd: number, rn: number): number => sbfm(sf, rd, rn, 0, 7);
export const sxth = (sf: boolean, rd: number, rn: number): number => sbfm(sf, rd, rn, 0, 15);
export const sxtw = (rd: number, rn: number): number => sbfm(true, rd, rn, 0, 31);
/** Zero-extend (W form, which also clears the upper 32 bits of the X register). */
export const uxtb = (rd: number, rn: number): number => ubfm(false, rd, rn, 0, 7);
export const uxth = (rd: number, rn: number): number => ubfm(false, rd, rn, 0, 15);

/** EXTR rd, rn, rm, #lsb: bits lsb.. of the concatenation rn:rm. */
export const extr = (sf: boolean, rd: number, rn: number, rm: number, lsb: number): number =>
  u32(sfBit(sf) | 0x13800000 | (sf ? 1 << 22 : 0) | (reg(rm) << 16) | (shiftAmount(sf, lsb) << 10) | (reg(rn) << 5) | reg(rd));
export const rorImm = (sf: boolean, rd: number, rn: number, amount: number): number => extr(sf, rd, rn, rn, amount);

/** Data-processing (2 source) opcodes, bits 15:10. */
const DP2 = { udiv: 0b000010, sdiv: 0b000011, lslv: 0b001000, lsrv: 0b001001, asrv: 0b001010, rorv: 0b001011 } as const;
const dp2 = (op: keyof typeof DP2, sf: boolean, rd: number, rn: number, rm: number): number =>
  u32(sfBit(sf) | 0x1ac00000 | (reg(rm) << 16) | (DP2[op] << 10) | (reg(rn) << 5) | reg(rd));
export const udiv = (sf: boolean, rd: number, rn: number, rm: number): number => dp2('udiv', sf, rd, rn, rm);
export const sdiv = (sf: boolean, rd: number, rn: number, rm: number): number => dp2('sdiv', sf, rd, rn, rm);
export const lslv = (sf: boolean, rd: number, rn: number, rm: number): number => dp2('lslv', sf, rd, rn, rm);
export const lsrv = (sf: boolean, rd: number, rn: number, rm: number): number => dp2('lsrv', sf, rd, rn, rm);
export const asrv = (sf: boolean, rd: number, rn: number, rm: number): number => dp2('asrv', sf, rd, rn, rm);
export const rorv = (sf: boolean, rd: number, rn: number, rm: number): number => dp2('rorv', sf, rd, rn, rm);

// ---------------------------------------------------------------------------------------
// Multiply, bit operations

/** op31 (bits 23:21) and o0 (bit 15) of the 3-source group. */
function dp3(sf: boolean, op31: number, o0: number, rd: number, rn: number, rm: number, ra: number): number {
  return u32(sfBit(sf) | 0x1b000000 | (op31 << 21) | (reg(rm) << 16) | (o0 << 15) | (reg(ra) << 10) | (reg(rn) << 5) | reg(rd));
}
/** rd = ra + rn*rm. 31 = ZR. */
export const madd = (sf: boolean, rd: number, rn: number, rm: number, ra: number): number => dp3(sf, 0, 0, rd, rn, rm, ra);
/** rd = ra - rn*rm. */
export const msub = (sf: boolean, rd: number, rn: number, rm: number, ra: number): number => dp3(sf, 0, 1, rd, rn, rm, ra);
export const mul = (sf: boolean, rd: number, rn: number, rm: number): number => madd(sf, rd, rn, rm, 31);
/** High 64 bits of the 128-bit product of X registers. */
export const smulh = (rd: number, rn: number, rm: number): number => dp3(true, 0b010, 0, rd, rn, rm, 31);
export const umulh = (rd: number, rn: number, rm: number): number => dp3(true, 0b110, 0, rd, rn, rm, 31);
/** X rd = X ra + W rn * W rm (signed / unsigned widening). */
export const smaddl = (rd: number, rn: number, rm: number, ra: number): number => dp3(true, 0b001, 0, rd, rn, rm, ra);
export const umaddl = (rd: number, rn: number, rm: number, ra: number): number => dp3(true, 0b101, 0, rd, rn, rm, ra);
export const smull = (rd: number, rn: number, rm: number): number => smaddl(rd, rn, rm, 31);
export const umull = (rd: number, rn: number, rm: number): number => umaddl(rd, rn, rm, 31);

/** Data-processing (1 source) opcodes, bits 15:10; rev is 0b10 for W and 0b11 for X. */
const dp1 = (opcode: number, sf: boolean, rd: number, rn: number): number =>
  u32(sfBit(sf) | 0x5ac00000 | (opcode << 10) | (reg(rn) << 5) | reg(rd));
export const rbit = (sf: boolean, rd: number, rn: number): number => dp1(0b000000, sf, rd, rn);
export const rev16 = (sf: boolean, rd: number, rn: number): number => dp1(0b000001, sf, rd, rn);
/** Byte-reverse the whole register (REV W or REV X). */
export const rev = (sf: boolean, rd: number, rn: number): number => dp1(sf ? 0b000011 : 0b000010, sf, rd, rn);
/** Byte-reverse each 32-bit word of an X register. */
export const rev32 = (rd: number, rn: number): number => dp1(0b000010, true, rd, rn);
export const clz = (sf: boolean, rd: number, rn: number): number => dp1(0b000100, sf, rd, rn);
export const cls = (sf: boolean, rd: number, rn: number): number => dp1(0b000101, sf, rd, rn);

// ---------------------------------------------------------------------------------------
// Conditional select and compare

function condSelect(op: number, op2: number, sf: boolean, rd: number, rn: number, rm: number, cond: Cond): number {
  return u32(sfBit(sf) | (op << 30) | 0x1a800000 | (reg(rm) << 16) | (uimm(cond, 4, 'condition') << 12) | (op2 << 10) | (reg(rn) << 5) | reg(rd));
}
/** rd = cond ? rn : rm. 31 = ZR. */
export const csel = (sf: boolean, rd: number, rn: number, rm: number, cond: Cond): number => condSelect(0, 0, sf, rd, rn, rm, cond);
/** rd = cond ? rn : rm + 1. */
export const csinc = (sf: boolean, rd: number, rn: number, rm: number, cond: Cond): number => condSelect(0, 1, sf, rd, rn, rm, cond);
/** rd = cond ? rn : ~rm. */
export const csinv = (sf: boolean, rd: number, rn: number, rm: number, cond: Cond): number => condSelect(1, 0, sf, rd, rn, rm, cond);
/** rd = cond ? rn : -rm. */
export const csneg = (sf: boolean, rd: number, rn: number, rm: number, cond: Cond): number => condSelect(1, 1, sf, rd, rn, rm, cond);
/** rd = cond ? 1 : 0. */
export const cset = (sf: boolean, rd: number, cond: Cond): number => csinc(sf, rd, 31, 31, invertCond(cond));
/** rd = cond ? -1 : 0. */
export const csetm = (sf: boolean, rd: number, cond: Cond): number => csinv(sf, rd, 31, 31, invertCond(cond));

function condCompare(op: number, sf: boolean, rn: number, rmOrImm: number, isImm: boolean, nzcv: number, cond: Cond): number {
  const operand = isImm ? uimm(rmOrImm, 5, 'ccmp immediate') : reg(rmOrImm);
  return u32(sfBit(sf) | (op << 30) | 0x3a400000 | (operand << 16) | (uimm(cond, 4, 'condition') << 12) | (isImm ? 1 << 11 : 0) |
    (reg(rn) << 5) | uimm(nzcv, 4, 'nzcv'));
}
/** Flags = cond ? flags of (rn - rm) : nzcv. 31 = ZR. */
export const ccmp = (sf: boolean, rn: number, rm: number, nzcv: number, cond: Cond): number => condCompare(1, sf, rn, rm, false, nzcv, cond);
export const ccmpImm = (sf: boolean, rn: number, imm5: number, nzcv: number, cond: Cond): number => condCompare(1, sf, rn, imm5, true, nzcv, cond);
export const ccmn = (sf: boolean, rn: number, rm: number, nzcv: number, cond: Cond): number => condCompare(0, sf, rn, rm, false, nzcv, cond);
export const ccmnImm = (sf: boolean, rn: number, imm5: number, nzcv: number, cond: Cond): number => condCompare(0, sf, rn, imm5, true, nzcv, cond);

// ---------------------------------------------------------------------------------------
// System registers, flags, hints, exceptions

/** System registers as op0, op1, CRn, CRm, op2. */
const SYSREG = {
  nzcv: [3, 3, 4, 2, 0], fpcr: [3, 3, 4, 4, 0], fpsr: [3, 3, 4, 4, 1], tpidr_el0: [3, 3, 13, 0, 2],
} as const;
export type SysReg = keyof typeof SYSREG;
function sysregField(name: SysReg): number {
  const [op0, op1, crn, crm, op2] = SYSREG[name];
  return (op0 << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5);
}
/** MRS rt, sysreg (rt 31 = ZR). */
export const mrs = (rt: number, sysreg: SysReg): number => u32(0xd5200000 | sysregField(sysreg) | reg(rt));
/** MSR sysreg, rt (rt 31 = ZR). */
export const msr = (sysreg: SysReg, rt: number): number => u32(0xd5000000 | sysregField(sysreg) | reg(rt));
export const mrsNzcv = (rt: number): number => mrs(rt, 'nzcv');
export const msrNzcv = (rt: number): number => msr('nzcv', rt);
/** Inverts the carry flag (FlagM). */
export const cfinv = (): number => 0xd500401f;
/** Sets N, Z, V from the low 8 / 16 bits of W rn (FlagM); C is unchanged. */
export const setf8 = (rn: number): number => u32(0x3a00080d | (reg(rn) << 5));
export const setf16 = (rn: number): number => u32(0x3a00480d | (reg(rn) << 5));
/** Rotates X rn right by `shift` and moves the bits selected by `mask` into NZCV (FlagM). */
export const rmif = (rn: number, shift: number, mask: number): number =>
  u32(0xba000400 | (uimm(shift, 6, 'rmif shift') << 15) | (reg(rn) << 5) | uimm(mask, 4, 'rmif mask'));
export const nop = (): number => 0xd503201f;
export const svc = (imm16: number): number => u32(0xd4000001 | (uimm(imm16, 16, 'svc immediate') << 5));
export const brk = (imm16: number): number => u32(0xd4200000 | (uimm(imm16, 16, 'brk immediate') << 5));
/** DMB ISH: full barrier within the inner-shareable domain. */
export const dmbIsh = (): number => 0xd5033bbf;

// ---------------------------------------------------------------------------------------
// Branches (offsets in bytes, relative to the branch instruction)

const B_OPCODE = 0x14000000;
const BL_OPCODE = 0x94000000;
export const b = (offsetBytes: number): number => u32(B_OPCODE | scaledSimm(offsetBytes, 2, 26, 'b offset'));
export const bl = (offsetBytes: number): number => u32(BL_OPCODE | scaledSimm(offsetBytes, 2, 26, 'bl offset'));
export const bCond = (cond: Cond, offsetBytes: number): number =>
  u32(0x54000000 | (scaledSimm(offsetBytes, 2, 19, 'b.cond offset') << 5) | uimm(cond, 4, 'condition'));
/** CBZ/CBNZ rt (31 = ZR). */
export const cbz = (sf: boolean, rt: number, offsetBytes: number): number =>
  u32(sfBit(sf) | 0x34000000 | (scaledSimm(offsetBytes, 2, 19, 'cbz offset') << 5) | reg(rt));
export const cbnz = (sf: boolean, rt: number, offsetBytes: number): number =>
  u32(sfBit(sf) | 0x35000000 | (scaledSimm(offsetBytes, 2, 19, 'cbnz offset') << 5) | reg(rt));
/** TBZ/TBNZ: test bit `bit` (0..63; 0..31 is written with a W register) of rt (31 = ZR). */
function testBranch(opcode: number, rt: number, bit: number, offsetBytes: number): number {
  uimm(bit, 6, 'test bit');
  return u32(((bit >> 5) << 31) | opcode | ((bit & 31) << 19) | (scaledSimm(offsetBytes, 2, 14, 'tbz offset') << 5) | reg(rt));
}
export const tbz = (rt: number, bit: number, offsetBytes: number): number => testBranch(0x36000000, rt, bit, offsetBytes);
export const tbnz = (rt: number, bit: number, offsetBytes: number): number => testBranch(0x37000000, rt, bit, offsetBytes);
export const br = (rn: number): number => u32(0xd61f0000 | (reg(rn) << 5));
export const blr = (rn: number): number => u32(0xd63f0000 | (reg(rn) << 5));
export const ret = (rn = 30): number => u32(0xd65f0000 | (reg(rn) << 5));
/** ADR rd (31 = ZR), pc + offsetBytes (±1 MiB). */
export function adr(rd: number, offsetBytes: number): number {
  const imm = simm(offsetBytes, 21, 'adr offset');
  return u32(((imm & 3) << 29) | 0x10000000 | ((imm >> 2) << 5) | reg(rd));
}
/** ADRP rd, page of pc + offsetBytes; offsetBytes is a multiple of 4096 (±4 GiB). */
export function adrp(rd: number, offsetBytes: number): number {
  const imm = scaledSimm(offsetBytes, 12, 21, 'adrp offset');
  return u32(((imm & 3) << 29) | 0x90000000 | ((imm >> 2) << 5) | reg(rd));
}

export const isB = (word: number): boolean => (word & 0xfc000000) >>> 0 === B_OPCODE;
export const isBl = (word: number): boolean => (word & 0xfc000000) >>> 0 === BL_OPCODE;
/** Target address of a B or BL at `pc`; used to patch and link blocks. */
export function branchTarget(word: number, pc: bigint): bigint {
  if (!isB(word) && !isBl(word)) throw new RangeError(`branchTarget: 0x${(word >>> 0).toString(16)} is not B or BL`);
  const imm26 = (word << 6) >> 6; // sign-extend the low 26 bits
  return pc + BigInt(imm26 * 4);
}

// ---------------------------------------------------------------------------------------
// Loads and stores. A MemOp names the access: `size` and `opc` are the encoding fields,
// `simd` the V bit, `scale` log2 of the bytes accessed (offsets are scaled by it).

export interface MemOp { readonly size: number; readonly opc: number; readonly simd: boolean; readonly scale: number }
const memOp = (size: number, opc: number, simd = false, scale = size): MemOp => ({ size, opc, simd, scale });

/** Integer ops load into / store from X or W rt (31 = ZR); FP ops (B..Q) use v registers. */
export const Mem = {
  STRB: memOp(0, 0), LDRB: memOp(0, 1), LDRSB_X: memOp(0, 2), LDRSB_W: memOp(0, 3),
  STRH: memOp(1, 0), LDRH: memOp(1, 1), LDRSH_X: memOp(1, 2), LDRSH_W: memOp(1, 3),
  STR_W: memOp(2, 0), LDR_W: memOp(2, 1), LDRSW: memOp(2, 2),
  STR_X: memOp(3, 0), LDR_X: memOp(3, 1),
  STR_B: memOp(0, 0, true), LDR_B: memOp(0, 1, true), STR_H: memOp(1, 0, true), LDR_H: memOp(1, 1, true),
  STR_S: memOp(2, 0, true), LDR_S: memOp(2, 1, true), STR_D: memOp(3, 0, true), LDR_D: memOp(3, 1, true),
  STR_Q: memOp(0, 2, true, 4), LDR_Q: memOp(0, 3, true, 4),
} as const satisfies Record<string, MemOp>;

const memBase = (op: MemOp, rt: number, rn: number): number =>
  (op.size << 30) | 0x38000000 | (op.simd ? 1 << 26 : 0) | (op.opc << 22) | (reg(rn) << 5) | reg(rt);

/** [rn, #offset], offset unsigned and a multiple of the access size. rn 31 = SP. */
export function ldst(op: MemOp, rt: number, rn: number, offsetBytes: number): number {
  const unit = 2 ** op.scale;
  if (!Number.isInteger(offsetBytes) || offsetBytes < 0 || offsetBytes % unit !== 0 || offsetBytes / unit > 4095) {
    throw new RangeError(`load/store offset ${offsetBytes} is not a multiple of ${unit} in 0..${4095 * unit}`);
  }
  return u32(memBase(op, rt, rn) | (1 << 24) | ((offsetBytes / unit) << 10));
}
/** LDUR/STUR family: [rn, #offset], offset -256..255 bytes, any alignment. rn 31 = SP. */
export const ldstUnscaled = (op: MemOp, rt: number, rn: number, offsetBytes: number): number =>
  u32(memBase(op, rt, rn) | (simm(offsetBytes, 9, 'unscaled offset') << 12));
/** Pre-indexed [rn, #offset]! or post-indexed [rn], #offset; offset -256..255, rn (31 = SP) is updated. */
export const ldstIndexed = (op: MemOp, rt: number, rn: number, offsetBytes: number, mode: 'pre' | 'post'): number =>
  u32(memBase(op, rt, rn) | (simm(offsetBytes, 9, 'indexed offset') << 12) | (mode === 'pre' ? 0xc00 : 0x400));
/** The scaled form when the offset fits it, else the unscaled form; throws when neither fits. */
export function ldstOffset(op: MemOp, rt: number, rn: number, offsetBytes: number): number {
  const unit = 2 ** op.scale;
  if (Number.isInteger(offsetBytes) && offsetBytes >= 0 && offsetBytes % unit === 0 && offsetBytes / unit <= 4095) {
    return ldst(op, rt, rn, offsetBytes);
  }
  return ldstUnscaled(op, rt, rn, offsetBytes);
}
/**
 * [rn, rm{, extend {#scale}}]: rm (31 = ZR) is an X register for UXTX (LSL) and SXTX, a W register
 * for UXTW and SXTW; `scaled` shifts it left by log2 of the access size. rn 31 = SP.
 */
export function ldstReg(op: MemOp, rt: number, rn: number, rm: number, extend = Extend.UXTX, scaled = false): number {
  if (extend !== Extend.UXTW && extend !== Extend.UXTX && extend !== Extend.SXTW && extend !== Extend.SXTX) {
    throw new RangeError(`load/store register offset: extend ${Extend[extend]} is not allowed`);
  }
  return u32(memBase(op, rt, rn) | (1 << 21) | (reg(rm) << 16) | (extend << 13) | (scaled ? 1 << 12 : 0) | 0x800);
}

export type PairMode = 'offset' | 'pre' | 'post';
const PAIR_MODE: Record<PairMode, number> = { post: 1, offset: 2, pre: 3 };
/** LDP/STP of W or X registers (31 = ZR) at [rn, #offset] (rn 31 = SP), offset a multiple of the register size. */
function pair(load: boolean, sf: boolean, rt: number, rt2: number, rn: number, offsetBytes: number, mode: PairMode): number {
  const imm7 = scaledSimm(offsetBytes, sf ? 3 : 2, 7, 'pair offset');
  return u32((sf ? 2 << 30 : 0) | 0x28000000 | (PAIR_MODE[mode] << 23) | (load ? 1 << 22 : 0) | (imm7 << 15) |
    (reg(rt2) << 10) | (reg(rn) << 5) | reg(rt));
}
export const ldp = (sf: boolean, rt: number, rt2: number, rn: number, offsetBytes: number, mode: PairMode = 'offset'): number =>
  pair(true, sf, rt, rt2, rn, offsetBytes, mode);
export const stp = (sf: boolean, rt: number, rt2: number, rn: number, offsetBytes: number, mode: PairMode = 'offset'): number =>
  pair(false, sf, rt, rt2, rn, offsetBytes, mode);

// ---------------------------------------------------------------------------------------
// Exclusives, acquire/release and LSE atomics. `bytes` is the access size 1/2/4/8; the data
// registers are W for 1..4 and X for 8 (31 = ZR); the address register rn 31 = SP.

export type AccessBytes = 1 | 2 | 4 | 8;
function sizeField(bytes: AccessBytes): number {
  const size = [1, 2, 4, 8].indexOf(bytes);
  if (size < 0) throw new RangeError(`access size ${bytes} is not 1, 2, 4 or 8`);
  return size << 30;
}
/** LDXR / LDAXR (acquire). */
export const ldxr = (bytes: AccessBytes, rt: number, rn: number, acquire = false): number =>
  u32(sizeField(bytes) | 0x085f7c00 | (acquire ? 1 << 15 : 0) | (reg(rn) << 5) | reg(rt));
/** STXR / STLXR (release): ws = 0 on success, 1 on failure. */
export const stxr = (bytes: AccessBytes, ws: number, rt: number, rn: number, release = false): number =>
  u32(sizeField(bytes) | 0x08007c00 | (reg(ws) << 16) | (release ? 1 << 15 : 0) | (reg(rn) << 5) | reg(rt));
export const ldar = (bytes: AccessBytes, rt: number, rn: number): number => u32(sizeField(bytes) | 0x08dffc00 | (reg(rn) << 5) | reg(rt));
export const stlr = (bytes: AccessBytes, rt: number, rn: number): number => u32(sizeField(bytes) | 0x089ffc00 | (reg(rn) << 5) | reg(rt));

const ordering = (acquire: boolean, release: boolean, acquireBit: number, releaseBit: number): number =>
  (acquire ? 1 << acquireBit : 0) | (release ? 1 << releaseBit : 0);
/** CAS{A}{L}: compare rs with [rn]; if equal store rt; rs receives the old value. */
export const cas = (bytes: AccessBytes, rs: number, rt: number, rn: number, acquire = false, release = false): number =>
  u32(sizeField(bytes) | 0x08a07c00 | ordering(acquire, release, 22, 15) | (reg(rs) << 16) | (reg(rn) << 5) | reg(rt));
/** CASP{A}{L}: pairs (rs, rs+1) and (rt, rt+1); rs and rt even. */
export function casp(sf: boolean, rs: number, rt: number, rn: number, acquire = false, release = false): number {
  if (rs % 2 !== 0 || rt % 2 !== 0 || rs > 30 || rt > 30) throw new RangeError(`casp: registers ${rs}, ${rt} must be even and below 31`);
  return u32((sf ? 1 << 30 : 0) | 0x08207c00 | ordering(acquire, release, 22, 15) | (reg(rs) << 16) | (reg(rn) << 5) | reg(rt));
}

/** o3 (bit 15) and opc (bits 14:12) of the LSE atomic memory operations. */
const ATOMIC = {
  ldadd: [0, 0], ldclr: [0, 1], ldeor: [0, 2], ldset: [0, 3], ldsmax: [0, 4], ldsmin: [0, 5], ldumax: [0, 6], ldumin: [0, 7], swp: [1, 0],
} as const;
export type AtomicOp = keyof typeof ATOMIC;
/** LDADD etc. {A}{L}: rt = old [rn]; [rn] = old op rs (SWP: [rn] = rs). */
export function atomic(op: AtomicOp, bytes: AccessBytes, rs: number, rt: number, rn: number, acquire = false, release = false): number {
  const [o3, opc] = ATOMIC[op];
  return u32(sizeField(bytes) | 0x38200000 | ordering(acquire, release, 23, 22) | (reg(rs) << 16) | (o3 << 15) | (opc << 12) |
    (reg(rn) << 5) | reg(rt));
}

// ---------------------------------------------------------------------------------------
// Floating point, scalar. FP/SIMD registers are v0..v31 (no SP/ZR meaning).

export type FpType = 's' | 'd' | 'h';
const FP_TYPE: Record<FpType, number> = { s: 0, d: 1, h: 3 };
const fpType = (type: FpType): number => FP_TYPE[type] << 22;

/** FMOV d<-x (sf) or s<-w. Source 31 = ZR. */
export const fmovToFp = (sf: boolean, vd: number, rn: number): number => u32((sf ? 0x9e670000 : 0x1e270000) | (reg(rn) << 5) | reg(vd));
/** FMOV x<-d (sf) or w<-s. Destination 31 = ZR. */
export const fmovFromFp = (sf: boolean, rd: number, vn: number): number => u32((sf ? 0x9e660000 : 0x1e260000) | (reg(vn) << 5) | reg(rd));

const FP_ARITH = { fmul: 0, fdiv: 1, fadd: 2, fsub: 3, fmax: 4, fmin: 5, fmaxnm: 6, fminnm: 7, fnmul: 8 } as const;
export type FpArithOp = keyof typeof FP_ARITH;
export const fpArith = (op: FpArithOp, type: FpType, vd: number, vn: number, vm: number): number =>
  u32(0x1e200800 | fpType(type) | (reg(vm) << 16) | (FP_ARITH[op] << 12) | (reg(vn) << 5) | reg(vd));

const FP_UNARY = {
  fmov: 0, fabs: 1, fneg: 2, fsqrt: 3, frintn: 8, frintp: 9, frintm: 10, frintz: 11, frinta: 12, frintx: 14, frinti: 15,
} as const;
export type FpUnaryOp = keyof typeof FP_UNARY;
export const fpUnary = (op: FpUnaryOp, type: FpType, vd: number, vn: number): number =>
  u32(0x1e204000 | fpType(type) | (FP_UNARY[op] << 15) | (reg(vn) << 5) | reg(vd));
/** FCVT between precisions, e.g. fcvt('d', 's', ...) widens a single to a double. */
export function fcvt(to: FpType, from: FpType, vd: number, vn: number): number {
  if (to === from) throw new RangeError(`fcvt: source and destination are both ${to}`);
  return u32(0x1e204000 | fpType(from) | ((0b000100 | FP_TYPE[to]) << 15) | (reg(vn) << 5) | reg(vd));
}
/** FCMP/FCMPE vn, vm; `signalling` (FCMPE) raises Invalid on quiet NaNs too. */
export const fcmp = (type: FpType, vn: number, vm: number, signalling = false): number =>
  u32(0x1e202000 | fpType(type) | (reg(vm) << 16) | (reg(vn) << 5) | (signalling ? 0b10000 : 0));
export const fcmpZero = (type: FpType, vn: number, signalling = false): number =>
  u32(0x1e202000 | fpType(type) | (reg(vn) << 5) | (signalling ? 0b11000 : 0b01000));
/** FCSEL vd = cond ? vn : vm. */
export const fcsel = (type: FpType, vd: number, vn: number, vm: number, cond: Cond): number =>
  u32(0x1e200c00 | fpType(type) | (reg(vm) << 16) | (uimm(cond, 4, 'condition') << 12) | (reg(vn) << 5) | reg(vd));

/** rmode (bits 20:19) and opcode (bits 18:16) of the FP<->integer conversions. */
const FP_INT = {
  fcvtns: [0, 0], fcvtnu: [0, 1], scvtf: [0, 2], ucvtf: [0, 3], fcvtas: [0, 4], fcvtau: [0, 5],
  fcvtps: [1, 0], fcvtpu: [1, 1], fcvtms: [2, 0], fcvtmu: [2, 1], fcvtzs: [3, 0], fcvtzu: [3, 1],
} as const;
const fpInt = (op: keyof typeof FP_INT, sf: boolean, type: FpType, rd: number, rn: number): number =>
  u32(sfBit(sf) | 0x1e200000 | fpType(type) | (FP_INT[op][0] << 19) | (FP_INT[op][1] << 16) | (reg(rn) << 5) | reg(rd));
/** SCVTF/UCVTF: FP vd = integer W/X rn (31 = ZR). */
export const intToFp = (op: 'scvtf' | 'ucvtf', sf: boolean, type: FpType, vd: number, rn: number): number => fpInt(op, sf, type, vd, rn);
export type FpToIntOp = Exclude<keyof typeof FP_INT, 'scvtf' | 'ucvtf'>;
/** FCVT*S/U: integer W/X rd (31 = ZR) = FP vn, rounded as the op says. */
export const fpToInt = (op: FpToIntOp, sf: boolean, type: FpType, rd: number, vn: number): number => fpInt(op, sf, type, rd, vn);

// ---------------------------------------------------------------------------------------
// SIMD. Arrangements name lane count and size as in assembly ("4s" = four 32-bit lanes).

export type Arrangement = '8b' | '16b' | '4h' | '8h' | '2s' | '4s' | '1d' | '2d';
const ARRANGEMENT: Record<Arrangement, { size: number; q: number }> = {
  '8b': { size: 0, q: 0 }, '16b': { size: 0, q: 1 }, '4h': { size: 1, q: 0 }, '8h': { size: 1, q: 1 },
  '2s': { size: 2, q: 0 }, '4s': { size: 2, q: 1 }, '1d': { size: 3, q: 0 }, '2d': { size: 3, q: 1 },
};
export type ElementSize = 'b' | 'h' | 's' | 'd';
const ELEMENT: Record<ElementSize, number> = { b: 0, h: 1, s: 2, d: 3 };

/** Size and Q fields of an arrangement; `maxSize` is the largest lane size the op allows (3 = 2d only). */
function arrangement(arr: Arrangement, maxSize: number, what: string): { size: number; q: number; sizeQ: number } {
  const { size, q } = ARRANGEMENT[arr];
  if (size > maxSize || (size === 3 && q === 0)) throw new RangeError(`${what}: arrangement ${arr} is not allowed`);
  return { size, q, sizeQ: (q << 30) | (size << 22) };
}

/** U (bit 29), opcode (bits 15:11) and largest lane size of the "three same" integer ops. */
const SIMD_3SAME = {
  add: [0, 0b10000, 3], sub: [1, 0b10000, 3], mul: [0, 0b10011, 2],
  cmeq: [1, 0b10001, 3], cmgt: [0, 0b00110, 3], cmge: [0, 0b00111, 3], cmhi: [1, 0b00110, 3], cmhs: [1, 0b00111, 3], cmtst: [0, 0b10001, 3],
  sqadd: [0, 0b00001, 3], uqadd: [1, 0b00001, 3], sqsub: [0, 0b00101, 3], uqsub: [1, 0b00101, 3],
  smax: [0, 0b01100, 2], smin: [0, 0b01101, 2], umax: [1, 0b01100, 2], umin: [1, 0b01101, 2],
  sshl: [0, 0b01000, 3], ushl: [1, 0b01000, 3], uabd: [1, 0b01110, 2], sabd: [0, 0b01110, 2], addp: [0, 0b10111, 3],
  urhadd: [1, 0b00010, 2],
} as const;
export type Simd3SameOp = keyof typeof SIMD_3SAME;
export function simd3Same(op: Simd3SameOp, arr: Arrangement, vd: number, vn: number, vm: number): number {
  const [u, opcode, maxSize] = SIMD_3SAME[op];
  return u32(arrangement(arr, maxSize, op).sizeQ | (u << 29) | 0x0e200400 | (reg(vm) << 16) | (opcode << 11) | (reg(vn) << 5) | reg(vd));
}

/** U and size of the bitwise ops (opcode 00011, size selects the op). */
const SIMD_LOGIC = { and: [0, 0], bic: [0, 1], orr: [0, 2], orn: [0, 3], eor: [1, 0], bsl: [1, 1], bit: [1, 2], bif: [1, 3] } as const;
export type SimdLogicOp = keyof typeof SIMD_LOGIC;
/** Bitwise ops on 8 (arr '8b') or 16 (arr '16b') bytes. */
export function simdLogic(op: SimdLogicOp, arr: '8b' | '16b', vd: number, vn: number, vm: number): number {
  const [u, size] = SIMD_LOGIC[op];
  return u32((ARRANGEMENT[arr].q << 30) | (u << 29) | 0x0e201c00 | (size << 22) | (reg(vm) << 16) | (reg(vn) << 5) | reg(vd));
}
/** Whole-register copy (ORR vd.16b, vn.16b, vn.16b). */
export const vmov = (vd: number, vn: number): number => simdLogic('orr', '16b', vd, vn, vn);

/** U, opcode (bits 16:12) and largest lane size of the two-register miscellaneous ops. */
const SIMD_2MISC = {
  cmeq0: [0, 0b01001, 3], cmgt0: [0, 0b01000, 3], cmge0: [1, 0b01000, 3], cmle0: [1, 0b01001, 3], cmlt0: [0, 0b01010, 3],
  abs: [0, 0b01011, 3], neg: [1, 0b01011, 3], cnt: [0, 0b00101, 0], not: [1, 0b00101, 0], rev64: [0, 0b00000, 2],
} as const;
export type Simd2MiscOp = keyof typeof SIMD_2MISC;
/** Two-register ops; the comparisons with zero are cmeq0 (cmeq vd, vn, #0) and friends. */
export function simd2Misc(op: Simd2MiscOp, arr: Arrangement, vd: number, vn: number): number {
  const [u, opcode, maxSize] = SIMD_2MISC[op];
  return u32(arrangement(arr, maxSize, op).sizeQ | (u << 29) | 0x0e200800 | (opcode << 12) | (reg(vn) << 5) | reg(vd));
}

const SIMD_NARROW = { xtn: [0, 0b10010], sqxtn: [0, 0b10100], sqxtun: [1, 0b10010], uqxtn: [1, 0b10100] } as const;
/** Narrowing to the destination arrangement `dst` ('8b'..'2s'; '16b'/'8h'/'4s' are the "2" forms writing the upper half). */
export function simdNarrow(op: keyof typeof SIMD_NARROW, dst: Arrangement, vd: number, vn: number): number {
  const [u, opcode] = SIMD_NARROW[op];
  return u32(arrangement(dst, 2, op).sizeQ | (u << 29) | 0x0e200800 | (opcode << 12) | (reg(vn) << 5) | reg(vd));
}

const SIMD_ACROSS = {
  addv: [0, 0b11011], saddlv: [0, 0b00011], uaddlv: [1, 0b00011], smaxv: [0, 0b01010], sminv: [0, 0b11010],
  umaxv: [1, 0b01010], uminv: [1, 0b11010],
} as const;
/** Reductions across lanes into a scalar (4s is the only 32-bit arrangement allowed). */
export function simdAcross(op: keyof typeof SIMD_ACROSS, arr: Arrangement, vd: number, vn: number): number {
  const [u, opcode] = SIMD_ACROSS[op];
  const { sizeQ } = arrangement(arr, 2, op);
  if (arr === '2s') throw new RangeError(`${op}: arrangement 2s is not allowed`);
  return u32(sizeQ | (u << 29) | 0x0e300800 | (opcode << 12) | (reg(vn) << 5) | reg(vd));
}

/** Widening multiplies: `src` is the source arrangement; '16b'/'8h'/'4s' give the "2" forms (upper halves). */
export function simdMulLong(op: 'smull' | 'umull', src: Arrangement, vd: number, vn: number, vm: number): number {
  return u32(arrangement(src, 2, op).sizeQ | (op === 'umull' ? 1 << 29 : 0) | 0x0e20c000 | (reg(vm) << 16) | (reg(vn) << 5) | reg(vd));
}

/** SADDLP/UADDLP: adjacent lane pairs of `src` ('8b'..'4s') added into lanes twice as wide. */
export function simdAddLongPairwise(op: 'saddlp' | 'uaddlp', src: Arrangement, vd: number, vn: number): number {
  return u32(arrangement(src, 2, op).sizeQ | (op === 'uaddlp' ? 1 << 29 : 0) | 0x0e202800 | (reg(vn) << 5) | reg(vd));
}

/** immh:immb (bits 22:16) for a shift: left shifts store esize + shift, right shifts 2*esize - shift. */
function shiftImmField(arr: Arrangement, shift: number, right: boolean, maxSize: number, what: string): number {
  const { sizeQ, size } = arrangement(arr, maxSize, what);
  const esize = 8 << size;
  const imm = right ? 2 * esize - inRange(shift, 1, esize, `${what} shift`) : esize + inRange(shift, 0, esize - 1, `${what} shift`);
  return (sizeQ & (1 << 30)) | (imm << 16);
}
const SIMD_SHIFT = { shl: [0, 0b01010, false], sshr: [0, 0b00000, true], ushr: [1, 0b00000, true] } as const;
export function simdShiftImm(op: keyof typeof SIMD_SHIFT, arr: Arrangement, vd: number, vn: number, shift: number): number {
  const [u, opcode, right] = SIMD_SHIFT[op];
  return u32(shiftImmField(arr, shift, right, 3, op) | (u << 29) | 0x0f000400 | (opcode << 11) | (reg(vn) << 5) | reg(vd));
}
/** SSHLL/USHLL (sxtl/uxtl when shift is 0): `src` is the source arrangement; '16b'/'8h'/'4s' are the "2" forms. */
export const simdShiftLong = (op: 'sshll' | 'ushll', src: Arrangement, vd: number, vn: number, shift = 0): number =>
  u32(shiftImmField(src, shift, false, 2, op) | (op === 'ushll' ? 1 << 29 : 0) | 0x0f00a400 | (reg(vn) << 5) | reg(vd));

const SIMD_PERMUTE = { uzp1: 1, trn1: 2, zip1: 3, uzp2: 5, trn2: 6, zip2: 7 } as const;
export const simdPermute = (op: keyof typeof SIMD_PERMUTE, arr: Arrangement, vd: number, vn: number, vm: number): number =>
  u32(arrangement(arr, 3, op).sizeQ | 0x0e000800 | (reg(vm) << 16) | (SIMD_PERMUTE[op] << 12) | (reg(vn) << 5) | reg(vd));
/** EXT: bytes index.. of vn:vm (q: 16-byte form, index 0..15; else 8-byte form, index 0..7). */
export const simdExt = (q: boolean, vd: number, vn: number, vm: number, index: number): number =>
  u32((q ? 1 << 30 : 0) | 0x2e000000 | (reg(vm) << 16) | (uimm(index, q ? 4 : 3, 'ext index') << 11) | (reg(vn) << 5) | reg(vd));
/** TBL with a one-register table: vd.Nb = lookup of vm's byte indices in vn.16b. */
export const tbl = (q: boolean, vd: number, vn: number, vm: number): number =>
  u32((q ? 1 << 30 : 0) | 0x0e000000 | (reg(vm) << 16) | (reg(vn) << 5) | reg(vd));

/** imm5 of the copy group: element size marker plus index. */
function imm5(esize: ElementSize, index: number): number {
  const size = ELEMENT[esize];
  return ((uimm(index, 4 - size, `${esize} lane index`) << (size + 1)) | (1 << size)) << 16;
}
/** DUP vd.arr, vn.esize[index] (element size from arr). */
export function dupElement(arr: Arrangement, vd: number, vn: number, index: number): number {
  const { q, size } = arrangement(arr, 3, 'dup');
  const esize = (['b', 'h', 's', 'd'] as const)[size];
  return u32((q << 30) | 0x0e000400 | imm5(esize, index) | (reg(vn) << 5) | reg(vd));
}
/** DUP vd.arr, W/X rn (X only for 2d; rn 31 = ZR). */
export function dupGeneral(arr: Arrangement, vd: number, rn: number): number {
  const { q, size } = arrangement(arr, 3, 'dup');
  return u32((q << 30) | 0x0e000c00 | imm5((['b', 'h', 's', 'd'] as const)[size], 0) | (reg(rn) << 5) | reg(vd));
}
/** INS vd.esize[index], W/X rn (X for d; rn 31 = ZR). */
export const insGeneral = (esize: ElementSize, vd: number, index: number, rn: number): number =>
  u32(0x4e001c00 | imm5(esize, index) | (reg(rn) << 5) | reg(vd));
/** INS vd.esize[dstIndex], vn.esize[srcIndex]. */
export function insElement(esize: ElementSize, vd: number, dstIndex: number, vn: number, srcIndex: number): number {
  const size = ELEMENT[esize];
  return u32(0x6e000400 | imm5(esize, dstIndex) | (uimm(srcIndex, 4 - size, `${esize} lane index`) << (11 + size)) | (reg(vn) << 5) | reg(vd));
}
/** UMOV W rd (X rd for d; 31 = ZR) = zero-extended vn.esize[index]. */
export const umov = (esize: ElementSize, rd: number, vn: number, index: number): number =>
  u32((esize === 'd' ? 1 << 30 : 0) | 0x0e003c00 | imm5(esize, index) | (reg(vn) << 5) | reg(rd));
/** SMOV W/X rd (31 = ZR) = sign-extended vn.esize[index]; b/h into W or X, s into X only. */
export function smov(sf: boolean, esize: ElementSize, rd: number, vn: number, index: number): number {
  if (esize === 'd' || (esize === 's' && !sf)) throw new RangeError(`smov: ${esize} lane into ${sf ? 'X' : 'W'} is not allowed`);
  return u32((sf ? 1 << 30 : 0) | 0x0e002c00 | imm5(esize, index) | (reg(vn) << 5) | reg(rd));
}
/** Zeroes the whole of vd (MOVI vd.2d, #0; the 64-bit MOVI dd, #0 when q is false also clears the top half). */
export const moviZero = (vd: number, q = true): number => u32((q ? 0x6f00e400 : 0x2f00e400) | reg(vd));

/** U, bit 23, and opcode (bits 15:11) of the vector FP "three same" ops. */
const FP_VEC3 = {
  fadd: [0, 0, 0b11010], fsub: [0, 1, 0b11010], fmul: [1, 0, 0b11011], fdiv: [1, 0, 0b11111],
  fmax: [0, 0, 0b11110], fmin: [0, 1, 0b11110], fmaxnm: [0, 0, 0b11000], fminnm: [0, 1, 0b11000],
  fcmeq: [0, 0, 0b11100], fcmge: [1, 0, 0b11100], fcmgt: [1, 1, 0b11100],
} as const;
export type FpVecArrangement = '2s' | '4s' | '2d';
function fpArrangement(arr: FpVecArrangement): number {
  const { size, q } = ARRANGEMENT[arr];
  if (size < 2) throw new RangeError(`fp vector arrangement ${arr} is not allowed`);
  return (q << 30) | ((size & 1) << 22);
}
export function fpVec3(op: keyof typeof FP_VEC3, arr: FpVecArrangement, vd: number, vn: number, vm: number): number {
  const [u, bit23, opcode] = FP_VEC3[op];
  return u32(fpArrangement(arr) | (u << 29) | (bit23 << 23) | 0x0e200400 | (reg(vm) << 16) | (opcode << 11) | (reg(vn) << 5) | reg(vd));
}
const FP_VEC_UNARY = { fabs: [0, 0b01111], fneg: [1, 0b01111], fsqrt: [1, 0b11111], frinti: [1, 0b11001] } as const;
export function fpVecUnary(op: keyof typeof FP_VEC_UNARY, arr: FpVecArrangement, vd: number, vn: number): number {
  const [u, opcode] = FP_VEC_UNARY[op];
  return u32(fpArrangement(arr) | (u << 29) | (1 << 23) | 0x0e200800 | (opcode << 12) | (reg(vn) << 5) | reg(vd));
}

/** SCVTF (vector, integer): each 32-bit (arr 4s) or 64-bit (2d) signed lane to FP. */
export function scvtfVec(arr: FpVecArrangement, vd: number, vn: number): number {
  return u32(fpArrangement(arr) | 0x0e21d800 | (reg(vn) << 5) | reg(vd));
}
/** FCVTL: the low two singles of vn widened to doubles. */
export const fcvtl2d = (vd: number, vn: number): number => u32(0x0e617800 | (reg(vn) << 5) | reg(vd));
/** FCVTN: two doubles narrowed to the low two singles of vd; the upper half is zeroed. */
export const fcvtn2s = (vd: number, vn: number): number => u32(0x0e616800 | (reg(vn) << 5) | reg(vd));
/** FCVTZS (vector): each single (4s) or double (2d) lane to a signed integer, truncating and saturating. */
export function fcvtzsVec(arr: FpVecArrangement, vd: number, vn: number): number {
  return u32(fpArrangement(arr) | 0x0ea1b800 | (reg(vn) << 5) | reg(vd));
}
