// The x87 transcendental instructions (fsin, fcos, fsincos, fptan, fpatan, f2xm1, fyl2x, fyl2xp1):
// each value is computed in BigInt fixed point with F = 384 fraction bits and rounded once by
// roundPack with a sticky bit (every such result is irrational, so it never lies on a rounding
// boundary; the rational cases, zeros, powers of two and integers, are handled exactly). The
// trigonometric ones reduce their argument as the CPU does, by multiples of its 66-bit pi/2 (measured
// on this AMD, as Intel documents for its CPUs), exactly; their results are then the correctly
// rounded values of the functions at that reduced argument. Tiny arguments, where the result is the
// argument plus or minus a quantity far below any rounding boundary, are handled directly.
import * as sf from './softfloat';
import { F80, FpEnv, Format } from './softfloat';

const F = 384;
const FB = BigInt(F);
const ONE = 1n << FB;

/** atan(1/n) * 2^bits, or atanh(1/n) * 2^bits: the same series, with alternating signs for atan. */
function inverseSeries(n: bigint, bits: bigint, alternating: boolean): bigint {
  let term = (1n << bits) / n, sum = term, k = 1n;
  const n2 = n * n;
  for (;;) {
    term /= n2;
    if (term === 0n) break;
    const t = term / (2n * k + 1n);
    sum += alternating && k & 1n ? -t : t;
    k++;
  }
  return sum;
}
const atanInv = (n: bigint, bits: bigint): bigint => inverseSeries(n, bits, true);
const atanhInv = (n: bigint, bits: bigint): bigint => inverseSeries(n, bits, false);

const GUARD = 32n;
const PI_F = (16n * atanInv(5n, FB + GUARD) - 4n * atanInv(239n, FB + GUARD)) >> GUARD; // pi * 2^F
const PIO2_F = PI_F >> 1n;
/**
 * The pi of the CPU's trigonometric argument reduction: pi rounded to 66 bits, 0xc90fdaa22168c234c * 2^-66
 * (its 68 bits end in two zeros). Halved and quartered it is still exact in F-bit fixed point.
 */
const REDUCTION_PI = 0xc90fdaa22168c234cn;
const REDUCTION_PIO2 = REDUCTION_PI << BigInt(F - 67);
const REDUCTION_PIO4 = REDUCTION_PI << BigInt(F - 68);
const LN2_F = (2n * atanhInv(3n, FB + GUARD)) >> GUARD;
const SQRT2_F = isqrt(2n << (2n * FB));

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(sf.bitLength(n) / 2) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

const fmul = (a: bigint, b: bigint): bigint => (a * b) >> FB;

/** sin and cos of r (fixed point, |r| <= ~0.8). */
function sinCosF(r: bigint): { s: bigint; c: bigint } {
  const r2 = fmul(r, r);
  let term = r, s = r;
  for (let n = 1n; term !== 0n; n++) { term = -fmul(term, r2) / ((2n * n) * (2n * n + 1n)); s += term; }
  term = ONE;
  let c = ONE;
  for (let n = 1n; term !== 0n; n++) { term = -fmul(term, r2) / ((2n * n - 1n) * (2n * n)); c += term; }
  return { s, c };
}

/** atan(q) for 0 <= q <= 1 (fixed point). */
function atanF(q: bigint): bigint {
  // Two halvings: atan(q) = 2 atan(q / (1 + sqrt(1 + q^2))).
  for (let i = 0; i < 2; i++) q = (q << FB) / (ONE + isqrt((ONE << FB) + q * q));
  const q2 = fmul(q, q);
  let p = q, sum = q;
  for (let n = 1n; p !== 0n; n++) {
    p = fmul(p, q2);
    const t = p / (2n * n + 1n);
    sum += n & 1n ? -t : t;
    if (t === 0n) break;
  }
  return sum << 2n;
}

/** ln(f) for f in [0.7, 1.42] (fixed point). */
function lnF(f: bigint): bigint {
  const u = ((f - ONE) << FB) / (f + ONE);
  const u2 = fmul(u, u);
  let p = u, sum = u;
  for (let n = 1n; ; n++) {
    p = fmul(p, u2);
    const t = p / (2n * n + 1n);
    if (t === 0n) break;
    sum += t;
  }
  return 2n * sum;
}

/** (e^y - 1) / y (fixed point, |y| <= ~1). */
function expm1RatioF(y: bigint): bigint {
  let term = ONE, sum = ONE;
  for (let n = 2n; term !== 0n; n++) { term = fmul(term, y) / n; sum += term; }
  return sum;
}

const normExp = (x: F80): number => { const { m, e } = sf.exact(x); return e + sf.bitLength(m) - 1; };

/** Rounds a computed result, sign * (m + something in (0,1)) * 2^e with m > 0, by the environment. */
export type InexactRounding = (sign: number, m: bigint, e: number, fmt: Format, env: FpEnv) => F80;
export const correctRounding: InexactRounding = (sign, m, e, fmt, env) => sf.roundPack(sign, m, e, true, fmt, env);
let roundInexact = correctRounding;
/**
 * The instruction tests model the CPU here: it rounds its own approximation of each result, which
 * lies within a small fraction of an ulp of the value Ferry rounds.
 */
export function setInexactRounding(f: InexactRounding): void { roundInexact = f; }

/** A computed value known only approximately: sign * (m + something in (0,1)) * 2^e. */
const approx = (sign: number, m: bigint, e: number, env: FpEnv, fmt: Format): F80 => {
  if (m < 0n) { m = -m; sign ^= 1; }
  return roundInexact(sign, m, e, fmt, env);
};
/** A fixed-point magnitude constant (pi, pi/2...) with a sign: the CPU's constants are correctly rounded. */
const constant = (sign: number, v: bigint, env: FpEnv, fmt: Format): F80 => correctRounding(sign, v, -F, fmt, env);

// ---- trigonometric ------------------------------------------------------------------------------
export type TrigOp = 'sin' | 'cos' | 'tan' | 'sincos';
/** undefined: the operand is out of range (|x| >= 2^63, C2 = 1, nothing changes). */
export function trig(x: F80, op: TrigOp, env: FpEnv, fmt: Format): F80[] | undefined {
  env.roundedUp = false;
  const count = op === 'sincos' ? 2 : 1;
  const s = sf.specialOperands(env, x);
  if (s) return Array(count).fill(s);
  const k = sf.kind(x);
  if (k === 'inf') { sf.invalid(env); return Array(count).fill(sf.DEFAULT_NAN); }
  if (k === 'zero') {
    if (op === 'sin' || op === 'tan') return [x];
    if (op === 'cos') return [sf.ONE];
    return [x, sf.ONE];
  }
  const E = normExp(x);
  if (E >= 63) return undefined;
  sf.denormals(env, x);
  const { m, e } = sf.exact(x);
  const ops: Array<'sin' | 'cos' | 'tan'> = op === 'sincos' ? ['sin', 'cos'] : [op];
  // fsincos's C1 reports the sine's rounding (measured), so the cosine is rounded first.
  const roundEach = (f: (o: 'sin' | 'cos' | 'tan') => F80): F80[] => ops.slice().reverse().map(f).reverse();
  if (E < -100) {
    // sin x = x - tiny, tan x = x + tiny, cos x = 1 - tiny.
    return roundEach((o) => {
      if (o === 'sin') return approx(x.sign, (m << 70n) - 1n, e - 70, env, fmt);
      if (o === 'tan') return approx(x.sign, m << 70n, e - 70, env, fmt);
      return approx(0, (1n << 140n) - 1n, -140, env, fmt);
    });
  }
  // The CPU's reduction, exactly: X = |x| * 2^F (e + F >= 0 here); r = X - q * pi66/2, |r| >= 2^-65.
  const X = m << BigInt(e + F);
  let q = 0n, r = X;
  if (X > REDUCTION_PIO4) { q = (X + REDUCTION_PIO4) / REDUCTION_PIO2; r = X - q * REDUCTION_PIO2; }
  const { s: sr, c: cr } = sinCosF(r);
  const quad = Number(q & 3n);
  return roundEach((o) => {
    let v: bigint, sign = 0;
    if (o === 'sin') {
      v = quad === 0 ? sr : quad === 1 ? cr : quad === 2 ? -sr : -cr;
      sign = x.sign;
    } else if (o === 'cos') {
      v = quad === 0 ? cr : quad === 1 ? -sr : quad === 2 ? -cr : sr;
    } else {
      v = quad & 1 ? -(cr << FB) / sr : (sr << FB) / cr;
      sign = x.sign;
    }
    return approx(sign, v, -F, env, fmt);
  });
}

// ---- fpatan ------------------------------------------------------------------------------------
/** atan2(y, x): fpatan with ST(1) = y, ST(0) = x. */
export function atan2(y: F80, x: F80, env: FpEnv, fmt: Format): F80 {
  env.roundedUp = false;
  const s = sf.specialOperands(env, x, y);
  if (s) return s;
  const kx = sf.kind(x), ky = sf.kind(y);
  sf.denormals(env, x, y);
  const sign = y.sign;
  if (ky === 'zero') return x.sign === 0 ? { sign, exp: 0, sig: 0n } : constant(sign, PI_F, env, fmt);
  if (ky === 'inf') {
    if (kx === 'inf') return constant(sign, x.sign ? (3n * PI_F) >> 2n : PI_F >> 2n, env, fmt);
    return constant(sign, PIO2_F, env, fmt);
  }
  if (kx === 'zero') return constant(sign, PIO2_F, env, fmt);
  if (kx === 'inf') return x.sign === 0 ? { sign, exp: 0, sig: 0n } : constant(sign, PI_F, env, fmt);
  const a = sf.exact(y), b = sf.exact(x);
  const Ey = normExp(y), Ex = normExp(x);
  // Compare |y| with |x|.
  const ec = Math.min(a.e, b.e);
  const ya = a.m << BigInt(a.e - ec), xa = b.m << BigInt(b.e - ec);
  if (ya <= xa) {
    if (Ey - Ex < -100) {
      if (x.sign === 0) {
        // atan q = q - tiny
        const K = 130 + sf.bitLength(b.m) - sf.bitLength(a.m);
        const num = a.m << BigInt(K);
        const qm = num / b.m;
        const exactQ = num % b.m === 0n;
        return approx(sign, exactQ ? qm - 1n : qm, a.e - b.e - K, env, fmt);
      }
      const sh = F + a.e - b.e;
      const qF = sh >= 0 ? (a.m << BigInt(sh)) / b.m : 0n;
      return approx(sign, PI_F - qF, -F, env, fmt);
    }
    const qF = (a.m << BigInt(F + a.e - b.e)) / b.m;
    const t = atanF(qF);
    return approx(sign, x.sign ? PI_F - t : t, -F, env, fmt);
  }
  const sh = F + b.e - a.e;
  const qF = sh >= 0 ? (b.m << BigInt(sh)) / a.m : 0n;
  const t = atanF(qF);
  return approx(sign, x.sign ? PIO2_F + t : PIO2_F - t, -F, env, fmt);
}

// ---- f2xm1 -------------------------------------------------------------------------------------
export function f2xm1(x: F80, env: FpEnv, fmt: Format): F80 {
  env.roundedUp = false;
  const s = sf.specialOperands(env, x);
  if (s) return s;
  const k = sf.kind(x);
  if (k === 'zero') return x;
  if (k === 'inf') return x.sign ? { sign: 1, exp: 16383, sig: 1n << 63n } : x;
  sf.denormals(env, x);
  const { m, e } = sf.exact(x);
  const E = normExp(x);
  if (E >= 0) {
    // +-1 exactly: the CPU's 2^1 - 1 is an approximation just below 1, rounded by RC (1 - ulp
    // toward zero or down, 1 rounded up otherwise); -1 gives -0.5, reported inexact. Out of the
    // domain (|x| > 1) the CPU leaves the operand as it is and reports PE.
    const one = E === 0 && m === 1n << BigInt(-e);
    if (one && x.sign === 0) return approx(0, (1n << 70n) - 1n, -70, env, fmt);
    env.flags |= sf.PE;
    if (one) return { sign: 1, exp: 16382, sig: 1n << 63n };
    return x;
  }
  // |x| < 1: 2^x - 1 = y * (e^y - 1)/y with y = x ln 2 (relative precision for tiny x).
  const yF = (m * LN2_F) >> BigInt(-e);
  const g = expm1RatioF(x.sign ? -yF : yF);
  return approx(x.sign, m * LN2_F * g, e - 2 * F, env, fmt);
}

// ---- fyl2x, fyl2xp1 ----------------------------------------------------------------------------
type Log = { kind: 'int'; k: number } | { kind: 'fixed'; v: bigint };

/** log2(m * 2^e) for m > 0. */
function log2Of(m: bigint, e: number): Log {
  const L = sf.bitLength(m);
  const E = e + L - 1;
  if ((m & (m - 1n)) === 0n) return { kind: 'int', k: E };
  let f = L - 1 <= F ? m << BigInt(F - (L - 1)) : m >> BigInt(L - 1 - F);
  let k = E;
  if (f > SQRT2_F) { f >>= 1n; k++; }
  const v = (BigInt(k) << FB) + (lnF(f) << FB) / LN2_F;
  return { kind: 'fixed', v };
}

/** y * log: log is positive-or-negative finite nonzero. */
function times(y: F80, log: Log, env: FpEnv, fmt: Format): F80 {
  if (log.kind === 'int') {
    // An exact product, but the CPU reports it inexact all the same (PE, and UE when tiny).
    const { den: _d, ...r } = sf.mul(y, sf.fromInt(BigInt(log.k)), env, fmt);
    const k = sf.kind(r);
    if (k === 'normal' || k === 'denormal') env.flags |= sf.PE;
    if (k === 'denormal') env.flags |= sf.UE;
    return r;
  }
  const a = sf.exact(y);
  return approx(y.sign, a.m * log.v, a.e - F, env, fmt);
}

/** fyl2x: y * log2(x), ST(1) = y, ST(0) = x. */
export function fyl2x(y: F80, x: F80, env: FpEnv, fmt: Format): F80 {
  env.roundedUp = false;
  const s = sf.specialOperands(env, x, y);
  if (s) return s;
  const kx = sf.kind(x), ky = sf.kind(y);
  if (x.sign && kx !== 'zero') return sf.invalid(env);
  if (kx === 'zero') {
    if (ky === 'zero') return sf.invalid(env);
    if (ky !== 'inf') env.flags |= sf.ZE;
    return sf.inf(y.sign ^ 1);
  }
  if (kx === 'inf') {
    if (ky === 'zero') return sf.invalid(env);
    sf.denormals(env, y);
    return sf.inf(y.sign);
  }
  const { m, e } = sf.exact(x);
  const log = log2Of(m, e);
  const logSign = log.kind === 'int' ? (log.k < 0 ? 1 : 0) : log.v < 0n ? 1 : 0;
  const logZero = log.kind === 'int' && log.k === 0;
  if (ky === 'inf') {
    if (logZero) return sf.invalid(env);
    sf.denormals(env, x);
    return sf.inf(y.sign ^ logSign);
  }
  sf.denormals(env, x, y);
  if (ky === 'zero' || logZero) return { sign: y.sign ^ logSign, exp: 0, sig: 0n };
  return times(y, log, env, fmt);
}

/** fyl2xp1: y * log2(x + 1), ST(1) = y, ST(0) = x. */
export function fyl2xp1(y: F80, x: F80, env: FpEnv, fmt: Format): F80 {
  env.roundedUp = false;
  const s = sf.specialOperands(env, x, y);
  if (s) return s;
  const kx = sf.kind(x), ky = sf.kind(y);
  if (kx === 'zero') {
    if (ky === 'inf') return sf.invalid(env);
    sf.denormals(env, y);
    return { sign: y.sign ^ x.sign, exp: 0, sig: 0n };
  }
  if (kx === 'inf') {
    if (x.sign || ky === 'zero') return sf.invalid(env);
    sf.denormals(env, y);
    return sf.inf(y.sign);
  }
  const { m, e } = sf.exact(x);
  const E = normExp(x);
  // 1 + x exactly, as z * 2^ez.
  const ez = Math.min(e, 0);
  const z = (x.sign ? -(m << BigInt(e - ez)) : m << BigInt(e - ez)) + (1n << BigInt(-ez));
  if (z < 0n) {
    // x < -1, out of the domain: the CPU returns x with PE (-y for an infinite or zero y, no PE).
    if (ky === 'inf') return sf.inf(y.sign ^ 1);
    if (ky === 'zero') return { sign: y.sign ^ 1, exp: 0, sig: 0n };
    sf.denormals(env, y);
    env.flags |= sf.PE;
    return x;
  }
  if (z === 0n) {
    if (ky === 'zero') return sf.invalid(env);
    if (ky !== 'inf') env.flags |= sf.ZE;
    return sf.inf(y.sign ^ 1);
  }
  const logSign = x.sign;
  if (ky === 'inf') { sf.denormals(env, x); return sf.inf(y.sign ^ logSign); }
  sf.denormals(env, x, y);
  if (ky === 'zero') return { sign: y.sign ^ logSign, exp: 0, sig: 0n };
  if (E >= -2) return times(y, log2Of(z, ez), env, fmt);
  // |x| < 1/4: log2(1 + x) = x * h / ln 2 with h = ln(1 + x) / x = 2/(2 + x) * sum u^2n / (2n + 1), u = x / (2 + x).
  const mag = e + F >= 0 ? m << BigInt(e + F) : m >> BigInt(-(e + F));
  const xFix = x.sign ? -mag : mag;
  const twoPlus = 2n * ONE + xFix;
  const u = (xFix << FB) / twoPlus;
  const u2 = fmul(u, u);
  let p = ONE, sum = ONE;
  for (let n = 1n; ; n++) {
    p = fmul(p, u2);
    const t = p / (2n * n + 1n);
    if (t === 0n) break;
    sum += t;
  }
  const h = fmul(((2n * ONE) << FB) / twoPlus, sum);
  const a = sf.exact(y);
  const mm = ((a.m * m * h) << FB) / LN2_F;
  return approx(y.sign ^ x.sign, mm, a.e + e - F, env, fmt);
}
