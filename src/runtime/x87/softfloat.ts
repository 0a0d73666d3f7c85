// Exact 80-bit extended-precision arithmetic in BigInt, as the x87 does it with every exception
// masked: sign, 15-bit biased exponent, 64-bit significand with an explicit integer bit.
// Results are computed exactly and rounded once (rounding control, precision 24/53/64 bits, the
// x87's extended exponent range with denormals); exception flags and C1 (rounded up) are collected
// in an FpEnv. Unsupported encodings (unnormals, pseudo-NaNs, pseudo-infinities) are invalid
// operands; pseudo-denormals are read as the CPU reads them (exponent 1, denormal operand).

export interface F80 {
  sign: number; exp: number; sig: bigint;
  /** Widened from a denormal m32/m64 operand: the operation reports a denormal operand (DE). */
  den?: boolean;
}

/** FSW exception bits. */
export const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32;
export const RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

export interface FpEnv {
  /** Significand precision of results: 24, 53 or 64. */
  prec: number;
  /** Rounding control 0..3 (nearest, down, up, toward zero). */
  rc: number;
  /** Exception bits raised (IE DE ZE OE UE PE). */
  flags: number;
  /** The last rounding went up in magnitude (C1). */
  roundedUp: boolean;
}

export interface Format { prec: number; emin: number; emax: number }
export const FMT32: Format = { prec: 24, emin: -126, emax: 127 };
export const FMT64: Format = { prec: 53, emin: -1022, emax: 1023 };
export const FMT80: Format = { prec: 64, emin: -16382, emax: 16383 };
export const regFormat = (prec: number): Format => ({ prec, emin: -16382, emax: 16383 });

const BIAS = 16383;
const TOP_BIT = 1n << 63n;
const QUIET_BIT = 1n << 62n;
const SIG_MASK = (1n << 64n) - 1n;

export const DEFAULT_NAN: F80 = { sign: 1, exp: 0x7fff, sig: 0xc000000000000000n };
export const ZERO: F80 = { sign: 0, exp: 0, sig: 0n };
export const ONE: F80 = { sign: 0, exp: BIAS, sig: TOP_BIT };

export type Kind = 'zero' | 'denormal' | 'normal' | 'inf' | 'qnan' | 'snan' | 'unsupported';

export function kind(x: F80): Kind {
  if (x.exp === 0x7fff) {
    if (!(x.sig & TOP_BIT)) return 'unsupported';
    if ((x.sig & ~TOP_BIT) === 0n) return 'inf';
    return x.sig & QUIET_BIT ? 'qnan' : 'snan';
  }
  if (x.exp === 0) return x.sig === 0n ? 'zero' : 'denormal';
  return x.sig & TOP_BIT ? 'normal' : 'unsupported';
}
export const isNaN80 = (x: F80): boolean => { const k = kind(x); return k === 'qnan' || k === 'snan'; };

// ---- raw encodings ----------------------------------------------------------------------------
export function fromBits80(v: bigint): F80 {
  return { sign: Number((v >> 79n) & 1n), exp: Number((v >> 64n) & 0x7fffn), sig: v & SIG_MASK };
}
export function toBits80(x: F80): bigint {
  return (BigInt(x.sign) << 79n) | (BigInt(x.exp) << 64n) | (x.sig & SIG_MASK);
}
export function fromBytes80(b: Uint8Array): F80 {
  let v = 0n;
  for (let i = 9; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return fromBits80(v);
}
export function toBytes80(x: F80): Uint8Array {
  const v = toBits80(x);
  const out = new Uint8Array(10);
  for (let i = 0; i < 10; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

export function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** An exact finite value as m * 2^e (m >= 0). Pseudo-denormals read with exponent 1. */
export function exact(x: F80): { m: bigint; e: number } {
  return { m: x.sig, e: Math.max(x.exp, 1) - BIAS - 63 };
}

/** The smallest e such that x = m * 2^e with an odd m (for exact finite nonzero values). */
function normExp(x: F80): number {
  const { m, e } = exact(x);
  return e + bitLength(m) - 1;
}

/** A NaN made quiet (an SNaN's quiet bit set). */
export function quiet(x: F80): F80 { return { sign: x.sign, exp: x.exp, sig: x.sig | QUIET_BIT }; }

/** x87 NaN propagation for two operands, at least one a NaN; IE for an SNaN. */
function propagate2(a: F80, b: F80, env: FpEnv): F80 {
  const ka = kind(a), kb = kind(b);
  if (ka === 'snan' || kb === 'snan') env.flags |= IE;
  const an = ka === 'qnan' || ka === 'snan', bn = kb === 'qnan' || kb === 'snan';
  if (an && bn) {
    if (ka === 'snan' && kb === 'qnan') return b;
    if (ka === 'qnan' && kb === 'snan') return a;
    const sa = a.sig | QUIET_BIT, sb = b.sig | QUIET_BIT;
    if (sa > sb) return quiet(a);
    if (sb > sa) return quiet(b);
    return quiet(a.sign === 0 ? a : b);
  }
  return quiet(an ? a : b);
}

/**
 * Rounds sign * (m + sticky) * 2^e to the format: `sticky` says the true value lies strictly
 * between m and m + 1 (in units of 2^e). Sets PE, UE (tiny before rounding and inexact), OE and C1.
 */
export function roundPack(sign: number, m: bigint, e: number, sticky: boolean, fmt: Format, env: FpEnv): F80 {
  env.roundedUp = false;
  if (m === 0n && !sticky) return { sign, exp: 0, sig: 0n };
  if (m === 0n) return roundTiny(sign, fmt, env); // only a sticky remainder: an arbitrarily small value
  // Make room: a sticky value below m needs m to carry enough bits that the tail sits below half an ulp.
  let L = bitLength(m);
  if (sticky && L < fmt.prec + 3) { const s = fmt.prec + 3 - L; m <<= BigInt(s); e -= s; L += s; }
  const E = e + L - 1;
  const tiny = E < fmt.emin;
  const lsb = Math.max(E - (fmt.prec - 1), fmt.emin - (fmt.prec - 1));
  const shift = lsb - e;
  let q: bigint, cmp: number, inexact: boolean;
  if (shift > 0) {
    const sh = BigInt(shift);
    q = m >> sh;
    const rem = m & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    cmp = rem > half ? 1 : rem < half ? (rem === 0n && !sticky ? -2 : -1) : sticky ? 1 : 0;
    inexact = rem !== 0n || sticky;
  } else {
    q = m << BigInt(-shift);
    cmp = sticky ? -1 : -2;
    inexact = sticky;
  }
  let up = false;
  if (inexact) {
    switch (env.rc) {
      case RC_NEAREST: up = cmp > 0 || (cmp === 0 && (q & 1n) === 1n); break;
      case RC_DOWN: up = sign === 1; break;
      case RC_UP: up = sign === 0; break;
      default: up = false;
    }
  }
  if (up) q += 1n;
  let lsbExp = lsb;
  if (bitLength(q) > fmt.prec) { q >>= 1n; lsbExp += 1; }
  if (inexact) env.flags |= PE;
  // Underflow (masked): tiny and inexact, tininess detected after rounding (measured on the CPU):
  // a value just below the smallest normal that rounds up to it at the precision is not tiny.
  if (tiny && inexact && !roundsToNormal(sign, m, e, sticky, E, fmt, env.rc)) env.flags |= UE;
  env.roundedUp = up;
  if (q === 0n) return { sign, exp: 0, sig: 0n };
  const Lq = bitLength(q);
  const Er = lsbExp + Lq - 1;
  if (Er > fmt.emax) return overflow(sign, fmt, env);
  return packExact(sign, q, lsbExp, fmt);
}

/** Whether the value, rounded to the precision with an unbounded exponent, reaches 2^emin. */
function roundsToNormal(sign: number, m: bigint, e: number, sticky: boolean, E: number, fmt: Format, rc: number): boolean {
  if (E !== fmt.emin - 1) return false;
  const shift = E - (fmt.prec - 1) - e;
  if (shift <= 0) return false;
  const sh = BigInt(shift);
  const q = m >> sh;
  const rem = m & ((1n << sh) - 1n);
  const half = 1n << (sh - 1n);
  if (rem === 0n && !sticky) return false;
  let up: boolean;
  if (rc === RC_NEAREST) up = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
  else if (rc === RC_DOWN) up = sign === 1;
  else if (rc === RC_UP) up = sign === 0;
  else up = false;
  return up && bitLength(q + 1n) > fmt.prec;
}

/** sign * q * 2^lsbExp, which fits the format, as an F80 (the value in the 80-bit register form). */
function packExact(sign: number, q: bigint, lsbExp: number, _fmt: Format): F80 {
  const Lq = bitLength(q);
  const Er = lsbExp + Lq - 1;
  if (Er >= FMT80.emin) return { sign, exp: Er + BIAS, sig: q << BigInt(64 - Lq) };
  // 80-bit denormal: exponent field 0, value sig * 2^(-16382-63).
  const s = lsbExp + 16382 + 63;
  return { sign, exp: 0, sig: s >= 0 ? q << BigInt(s) : q >> BigInt(-s) };
}

function roundTiny(sign: number, fmt: Format, env: FpEnv): F80 {
  env.flags |= PE | UE;
  const up = (env.rc === RC_UP && sign === 0) || (env.rc === RC_DOWN && sign === 1);
  env.roundedUp = up;
  if (!up) return { sign, exp: 0, sig: 0n };
  return packExact(sign, 1n, fmt.emin - (fmt.prec - 1), fmt);
}

function overflow(sign: number, fmt: Format, env: FpEnv): F80 {
  env.flags |= OE | PE;
  const toInf = env.rc === RC_NEAREST || (env.rc === RC_UP && sign === 0) || (env.rc === RC_DOWN && sign === 1);
  env.roundedUp = toInf;
  if (toInf) return { sign, exp: 0x7fff, sig: TOP_BIT };
  const maxSig = ((1n << BigInt(fmt.prec)) - 1n) << BigInt(64 - fmt.prec);
  if (fmt === FMT80 || fmt.emax === 16383) return { sign, exp: 0x7ffe, sig: maxSig };
  return { sign, exp: fmt.emax + BIAS, sig: maxSig };
}

/** Checks operands of an arithmetic operation: NaN propagation or invalid. Returns a result or undefined. */
export function specialOperands(env: FpEnv, ...xs: F80[]): F80 | undefined {
  if (xs.some((x) => kind(x) === 'unsupported')) { env.flags |= IE; return DEFAULT_NAN; }
  const nans = xs.filter(isNaN80);
  if (nans.length) {
    if (xs.length === 1) { if (kind(xs[0]) === 'snan') env.flags |= IE; return quiet(xs[0]); }
    return propagate2(xs[0], xs[1], env);
  }
  return undefined;
}

/** DE when an operand is denormal; called once the operation is past its invalid and divide-by-zero cases. */
export function denormals(env: FpEnv, ...xs: F80[]): void {
  if (xs.some((x) => x.den || kind(x) === 'denormal')) env.flags |= DE;
}

export const invalid = (env: FpEnv): F80 => { env.flags |= IE; return DEFAULT_NAN; };
export const inf = (sign: number): F80 => ({ sign, exp: 0x7fff, sig: TOP_BIT });

// ---- arithmetic -------------------------------------------------------------------------------
export function add(a: F80, b: F80, env: FpEnv, fmt: Format, subtract = false): F80 {
  env.roundedUp = false;
  const s = specialOperands(env, a, b);
  if (s) return s;
  const bs = subtract ? b.sign ^ 1 : b.sign;
  const ka = kind(a), kb = kind(b);
  if (ka === 'inf' && kb === 'inf' && a.sign !== bs) return invalid(env);
  denormals(env, a, b);
  if (ka === 'inf' || kb === 'inf') {
    return ka === 'inf' ? a : inf(bs);
  }
  if (ka === 'zero' && kb === 'zero') {
    const sign = a.sign === bs ? a.sign : env.rc === RC_DOWN ? 1 : 0;
    return { sign, exp: 0, sig: 0n };
  }
  const x = exact(a), y = exact(b);
  const e = Math.min(x.e, y.e);
  const va = (a.sign ? -x.m : x.m) << BigInt(x.e - e);
  const vb = (bs ? -y.m : y.m) << BigInt(y.e - e);
  const sum = va + vb;
  if (sum === 0n) return { sign: env.rc === RC_DOWN ? 1 : 0, exp: 0, sig: 0n };
  return roundPack(sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e, false, fmt, env);
}

export function mul(a: F80, b: F80, env: FpEnv, fmt: Format): F80 {
  env.roundedUp = false;
  const s = specialOperands(env, a, b);
  if (s) return s;
  const sign = a.sign ^ b.sign;
  const ka = kind(a), kb = kind(b);
  if ((ka === 'inf' && kb === 'zero') || (ka === 'zero' && kb === 'inf')) return invalid(env);
  denormals(env, a, b);
  if (ka === 'inf' || kb === 'inf') return inf(sign);
  if (ka === 'zero' || kb === 'zero') return { sign, exp: 0, sig: 0n };
  const x = exact(a), y = exact(b);
  return roundPack(sign, x.m * y.m, x.e + y.e, false, fmt, env);
}

export function div(a: F80, b: F80, env: FpEnv, fmt: Format): F80 {
  env.roundedUp = false;
  const s = specialOperands(env, a, b);
  if (s) return s;
  const sign = a.sign ^ b.sign;
  const ka = kind(a), kb = kind(b);
  if ((ka === 'inf' && kb === 'inf') || (ka === 'zero' && kb === 'zero')) return invalid(env);
  if (kb === 'zero' && ka !== 'inf') { env.flags |= ZE; return inf(sign); }
  denormals(env, a, b);
  if (ka === 'inf') return inf(sign);
  if (kb === 'inf') return { sign, exp: 0, sig: 0n };
  if (ka === 'zero') return { sign, exp: 0, sig: 0n };
  const x = exact(a), y = exact(b);
  const k = Math.max(0, 70 + bitLength(y.m) - bitLength(x.m));
  const n = x.m << BigInt(k);
  const q = n / y.m;
  return roundPack(sign, q, x.e - y.e - k, n % y.m !== 0n, fmt, env);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(a: F80, env: FpEnv, fmt: Format): F80 {
  env.roundedUp = false;
  const s = specialOperands(env, a);
  if (s) return s;
  const ka = kind(a);
  if (ka === 'zero') return a;
  if (a.sign) return invalid(env);
  denormals(env, a);
  if (ka === 'inf') return a;
  let { m, e } = exact(a);
  const want = 2 * (fmt.prec + 4);
  let sh = Math.max(0, want - bitLength(m));
  if ((e - sh) % 2 !== 0) sh++;
  m <<= BigInt(sh); e -= sh;
  const r = isqrt(m);
  return roundPack(0, r, e / 2, r * r !== m, fmt, env);
}

/** Rounds to an integer value by the rounding control (frndint); no precision control. */
export function roundInt(a: F80, env: FpEnv): F80 {
  env.roundedUp = false;
  const s = specialOperands(env, a);
  if (s) return s;
  const ka = kind(a);
  denormals(env, a);
  if (ka === 'zero' || ka === 'inf') return a;
  const { m, e } = exact(a);
  if (e >= 0) return a;
  const q = roundIntegerPart(a.sign, m, e, env.rc);
  if (q.inexact) env.flags |= PE;
  env.roundedUp = q.up;
  if (q.value === 0n) return { sign: a.sign, exp: 0, sig: 0n };
  return packExact(a.sign, q.value, 0, FMT80);
}

/** |value| = m * 2^e (e < 0) rounded to an integer by rc for the given sign. */
function roundIntegerPart(sign: number, m: bigint, e: number, rc: number): { value: bigint; inexact: boolean; up: boolean } {
  if (e >= 0) return { value: m << BigInt(e), inexact: false, up: false };
  const sh = BigInt(-e);
  const q = sh > 20000n ? 0n : m >> sh;
  const rem = sh > 20000n ? m : m & ((1n << sh) - 1n);
  if (rem === 0n) return { value: q, inexact: false, up: false };
  let up = false;
  if (rc === RC_NEAREST) {
    const half = 1n << (sh - 1n);
    up = rem > half || (rem === half && (q & 1n) === 1n);
  } else if (rc === RC_DOWN) up = sign === 1;
  else if (rc === RC_UP) up = sign === 0;
  return { value: up ? q + 1n : q, inexact: true, up };
}

/** fist/fistp/fisttp: the integer (two's complement, `bits` wide) or the integer indefinite with IE. */
export function toInt(a: F80, bits: number, env: FpEnv, truncate: boolean): bigint {
  env.roundedUp = false;
  const indefinite = 1n << BigInt(bits - 1);
  const k = kind(a);
  if (k === 'unsupported' || k === 'qnan' || k === 'snan' || k === 'inf') { env.flags |= IE; return indefinite; }
  if (k === 'zero') return 0n;
  const { m, e } = exact(a);
  const r = roundIntegerPart(a.sign, m, e, truncate ? RC_ZERO : env.rc);
  const v = a.sign ? -r.value : r.value;
  if (v >= indefinite || v < -indefinite) { env.flags |= IE; return indefinite; }
  if (r.inexact) env.flags |= PE;
  env.roundedUp = r.up;
  return BigInt.asUintN(bits, v);
}

export function fromInt(v: bigint): F80 {
  if (v === 0n) return { sign: 0, exp: 0, sig: 0n };
  const sign = v < 0n ? 1 : 0;
  return packExact(sign, sign ? -v : v, 0, FMT80);
}

/** fld m32/m64: exact widening; an SNaN becomes quiet with IE; a denormal source sets DE. */
export function fromIeee(bits: bigint, fmt: Format, env: FpEnv): F80 {
  const fracBits = fmt.prec - 1;
  const expBits = fmt === FMT32 ? 8 : 11;
  const sign = Number((bits >> BigInt(fracBits + expBits)) & 1n);
  const exp = Number((bits >> BigInt(fracBits)) & ((1n << BigInt(expBits)) - 1n));
  const frac = bits & ((1n << BigInt(fracBits)) - 1n);
  const maxExp = (1 << expBits) - 1;
  const ieeeBias = maxExp >> 1;
  if (exp === maxExp) {
    const sig = TOP_BIT | (frac << BigInt(63 - fracBits));
    if (frac === 0n) return { sign, exp: 0x7fff, sig };
    if (!(frac >> BigInt(fracBits - 1))) { env.flags |= IE; return { sign, exp: 0x7fff, sig: sig | QUIET_BIT }; }
    return { sign, exp: 0x7fff, sig };
  }
  if (exp === 0) {
    if (frac === 0n) return { sign, exp: 0, sig: 0n };
    env.flags |= DE;
    return { ...packExact(sign, frac, 1 - ieeeBias - fracBits, FMT80), den: true };
  }
  return { sign, exp: exp - ieeeBias + BIAS, sig: (TOP_BIT | (frac << BigInt(63 - fracBits))) };
}

/** fst m32/m64: rounding by RC into the format; NaNs keep their top significand bits. */
export function toIeee(a: F80, fmt: Format, env: FpEnv): bigint {
  env.roundedUp = false;
  const fracBits = fmt.prec - 1;
  const expBits = fmt === FMT32 ? 8 : 11;
  const maxExp = (1 << expBits) - 1;
  const ieeeBias = maxExp >> 1;
  const pack = (sign: number, exp: number, frac: bigint): bigint =>
    (BigInt(sign) << BigInt(fracBits + expBits)) | (BigInt(exp) << BigInt(fracBits)) | frac;
  const k = kind(a);
  if (k === 'unsupported') { env.flags |= IE; return pack(1, maxExp, 1n << BigInt(fracBits - 1)); }
  if (k === 'qnan' || k === 'snan') {
    if (k === 'snan') env.flags |= IE;
    const frac = ((a.sig | QUIET_BIT) & ~TOP_BIT) >> BigInt(63 - fracBits);
    return pack(a.sign, maxExp, frac);
  }
  if (k === 'inf') return pack(a.sign, maxExp, 0n);
  if (k === 'zero') return pack(a.sign, 0, 0n);
  const { m, e } = exact(a);
  const r = roundPack(a.sign, m, e, false, fmt, env);
  const kr = kind(r);
  if (kr === 'inf') return pack(r.sign, maxExp, 0n);
  if (kr === 'zero') return pack(r.sign, 0, 0n);
  const E = normExp(r);
  const rm = exact(r);
  if (E < fmt.emin) {
    // Denormal in the target: frac = value / 2^(emin - fracBits).
    const s = rm.e - (fmt.emin - fracBits);
    const frac = s >= 0 ? rm.m << BigInt(s) : rm.m >> BigInt(-s);
    return pack(r.sign, 0, frac);
  }
  const frac = (r.sig & ~TOP_BIT) >> BigInt(63 - fracBits);
  return pack(r.sign, E + ieeeBias, frac);
}

/** Rounds a register value to the given format (used where a result must be representable). */
export function round(a: F80, fmt: Format, env: FpEnv): F80 {
  const k = kind(a);
  if (k !== 'normal' && k !== 'denormal') return a;
  const { m, e } = exact(a);
  return roundPack(a.sign, m, e, false, fmt, env);
}

// ---- comparisons ------------------------------------------------------------------------------
export type Order = 'lt' | 'eq' | 'gt' | 'un';

/** Compares a with b; `quietNaNsOk` (fucom*) raises IE only for SNaNs, otherwise any NaN raises IE. */
export function compare(a: F80, b: F80, env: FpEnv, quietNaNsOk: boolean): Order {
  const ka = kind(a), kb = kind(b);
  if (ka === 'unsupported' || kb === 'unsupported') { env.flags |= IE; return 'un'; }
  if (isNaN80(a) || isNaN80(b)) {
    if (!quietNaNsOk || ka === 'snan' || kb === 'snan') env.flags |= IE;
    return 'un';
  }
  denormals(env, a, b);
  const va = value(a), vb = value(b);
  if (va.inf !== 0 || vb.inf !== 0) {
    if (va.inf === vb.inf) return 'eq';
    if (va.inf) return va.inf > vb.inf ? 'gt' : 'lt';
    return vb.inf > 0 ? 'lt' : 'gt';
  }
  const c = cmpExact(va, vb);
  return c < 0 ? 'lt' : c > 0 ? 'gt' : 'eq';
}

function value(x: F80): { inf: number; m: bigint; e: number; sign: number } {
  if (kind(x) === 'inf') return { inf: x.sign ? -1 : 1, m: 0n, e: 0, sign: x.sign };
  const { m, e } = exact(x);
  return { inf: 0, m, e, sign: x.sign };
}

function cmpExact(a: { m: bigint; e: number; sign: number }, b: { m: bigint; e: number; sign: number }): number {
  const e = Math.min(a.e, b.e);
  const va = (a.sign ? -a.m : a.m) << BigInt(a.e - e);
  const vb = (b.sign ? -b.m : b.m) << BigInt(b.e - e);
  return va < vb ? -1 : va > vb ? 1 : 0;
}

// ---- fprem, fscale, fxtract ---------------------------------------------------------------------
export interface Remainder { result: F80; c0: number; c1: number; c2: number; c3: number }

/** fprem (truncating quotient) or fprem1 (IEEE, nearest quotient): ST0 = ST0 rem ST1, with Q2 Q1 Q0 in C0 C3 C1. */
export function remainder(a: F80, b: F80, env: FpEnv, ieee: boolean): Remainder {
  env.roundedUp = false;
  const none = (result: F80): Remainder => ({ result, c0: 0, c1: 0, c2: 0, c3: 0 });
  const s = specialOperands(env, a, b);
  if (s) return none(s);
  const ka = kind(a), kb = kind(b);
  if (ka === 'inf' || kb === 'zero') return none(invalid(env));
  denormals(env, a, b);
  if (ka === 'zero' || kb === 'inf') return none(a);
  const x = exact(a), y = exact(b);
  const ea = normExp(a), eb = normExp(b);
  const d = ea - eb;
  const e = Math.min(x.e, y.e);
  const ma = x.m << BigInt(x.e - e), mb = y.m << BigInt(y.e - e);
  if (d < 64) {
    let q = ma / mb;
    let r = ma - q * mb;
    if (ieee) {
      const twice = 2n * r;
      if (twice > mb || (twice === mb && (q & 1n) === 1n)) { q += 1n; r -= mb; }
    }
    const sign = r < 0n ? a.sign ^ 1 : a.sign;
    const mag = r < 0n ? -r : r;
    const result = mag === 0n ? { sign: a.sign, exp: 0, sig: 0n } : packExact(sign, mag, e, FMT80);
    return { result, c0: Number((q >> 2n) & 1n), c3: Number((q >> 1n) & 1n), c1: Number(q & 1n), c2: 0 };
  }
  // Partial remainder: reduce the exponent difference by d - N.
  const n = partialN(d);
  const scaled = mb << BigInt(d - n);
  const q = ma / scaled;
  const r = ma - q * scaled;
  const result = r === 0n ? { sign: a.sign, exp: 0, sig: 0n } : packExact(a.sign, r, e, FMT80);
  return { result, c0: 0, c1: 0, c2: 1, c3: 0 };
}

/** How many exponent bits one partial fprem step removes: d - N with N in 32..63 (measured). */
export let partialN = (d: number): number => 32 + ((d - 64) % 32);
export function setPartialN(f: (d: number) => number): void { partialN = f; }

/** fscale: ST0 * 2^trunc(ST1). */
export function scale(a: F80, b: F80, env: FpEnv): F80 {
  env.roundedUp = false;
  const s = specialOperands(env, a, b);
  if (s) return s;
  const ka = kind(a), kb = kind(b);
  if (kb === 'inf' && ((b.sign === 0 && ka === 'zero') || (b.sign === 1 && ka === 'inf'))) return invalid(env);
  denormals(env, a, b);
  if (kb === 'inf') {
    if (b.sign === 0) return ka === 'inf' ? a : inf(a.sign);
    return { sign: a.sign, exp: 0, sig: 0n };
  }
  if (ka === 'zero' || ka === 'inf') return a;
  let n: number;
  if (kb === 'zero') n = 0;
  else {
    const y = exact(b);
    const E = normExp(b);
    if (E > 20) n = b.sign ? -100000 : 100000;
    else { const t = y.e >= 0 ? y.m << BigInt(y.e) : y.m >> BigInt(-y.e); n = Number(b.sign ? -t : t); }
  }
  const x = exact(a);
  return roundPack(a.sign, x.m, x.e + n, false, FMT80, env);
}

/** fxtract: [exponent, significand]. */
export function extract(a: F80, env: FpEnv): [F80, F80] {
  env.roundedUp = false;
  const s = specialOperands(env, a);
  if (s) return [s, s];
  const ka = kind(a);
  if (ka === 'zero') { env.flags |= ZE; return [inf(1), a]; }
  denormals(env, a);
  if (ka === 'inf') return [inf(0), a];
  const E = normExp(a);
  const { m } = exact(a);
  const L = bitLength(m);
  return [fromInt(BigInt(E)), { sign: a.sign, exp: BIAS, sig: m << BigInt(64 - L) }];
}

export function newEnv(prec: number, rc: number): FpEnv { return { prec, rc, flags: 0, roundedUp: false }; }
