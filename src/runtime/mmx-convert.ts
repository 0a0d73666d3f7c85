// The MMX<->SSE conversions: two int32 lanes of an mm register (or m64) to two floats or doubles of
// an XMM register, and back, rounded by MXCSR (the cvtt forms truncate) with MXCSR's exception flags.
import { FMT32, FMT64, FpEnv, fromInt, fromIeee, IE, newEnv, PE, toIeee, toInt } from './x87/softfloat';

export const MMX_CONVERSIONS = ['cvtpi2ps', 'cvtpi2pd', 'cvtps2pi', 'cvttps2pi', 'cvtpd2pi', 'cvttpd2pi'] as const;
export type MmxConversion = (typeof MMX_CONVERSIONS)[number];

/** MXCSR fields: exception flags 0-5 (the same bits as the x87's IE..PE), DAZ, masks 7-12, RC 13-14. */
export const MXCSR_FLAGS = 0x3f, MXCSR_DAZ = 0x40, MXCSR_MASK_SHIFT = 7;
const mxcsrRounding = (mxcsr: number): number => (mxcsr >> 13) & 3;

export interface Converted {
  /** The result bits: 64 (two floats or two int32) or 128 (two doubles). */
  value: bigint;
  /** Exception flags raised (MXCSR bits 0-5). */
  flags: number;
}

const lanes = (v: bigint, bits: number): bigint[] => [v & ((1n << BigInt(bits)) - 1n), (v >> BigInt(bits)) & ((1n << BigInt(bits)) - 1n)];

/** One float (32 or 64 bits) to int32 by `rc`: NaN, infinity or out of range gives 0x80000000 with IE. */
function floatToInt32(bits: bigint, width: 32 | 64, mxcsr: number, truncate: boolean, env: FpEnv): bigint {
  const fracBits = width === 32 ? 23 : 52;
  const expField = (bits >> BigInt(fracBits)) & (width === 32 ? 0xffn : 0x7ffn);
  // DAZ reads a denormal source as a zero of its sign.
  if (mxcsr & MXCSR_DAZ && expField === 0n) bits &= 1n << BigInt(width - 1);
  // Widening is exact; its own flags (DE, IE for an SNaN) are not what the conversion reports.
  const wide = fromIeee(bits, width === 32 ? FMT32 : FMT64, newEnv(64, 0));
  return toInt(wide, 32, env, truncate);
}

/** The conversion of `source` (64 bits, or 128 for cvt(t)pd2pi) under `mxcsr`. */
export function convert(name: MmxConversion, source: bigint, mxcsr: number): Converted {
  const env = newEnv(64, mxcsrRounding(mxcsr));
  let value: bigint;
  switch (name) {
    case 'cvtpi2ps': {
      const [lo, hi] = lanes(source, 32).map((x) => toIeee(fromInt(BigInt.asIntN(32, x)), FMT32, env));
      value = lo | (hi << 32n);
      break;
    }
    case 'cvtpi2pd': {
      const [lo, hi] = lanes(source, 32).map((x) => toIeee(fromInt(BigInt.asIntN(32, x)), FMT64, env));
      value = lo | (hi << 64n);
      break;
    }
    default: {
      const width = name === 'cvtps2pi' || name === 'cvttps2pi' ? 32 : 64;
      const [lo, hi] = lanes(source, width).map((x) => floatToInt32(x, width, mxcsr, name.startsWith('cvtt'), env));
      value = lo | (hi << 32n);
    }
  }
  return { value, flags: env.flags & (IE | PE) };
}
