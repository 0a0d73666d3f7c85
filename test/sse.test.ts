// SSE/SSE2 instruction tests against the real CPU: each snippet runs natively and under Ferry with
// random GPRs, flags, XMM registers (random bits and typical float/double values) and memory.
import { keystoneReady } from './harness/keystone';
import { makeState, rng, SnippetCase, StateInit } from './harness/native-runner';
import { compareWithCpu, snippetCases } from './harness/oracle';
import { SNIPPET_LAYOUT } from '../src/runtime/x86-state';

const R = rng(0x55e2);
const DATA = SNIPPET_LAYOUT.data;
const GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rbp'];

const f64 = (x: number): bigint => { const v = new DataView(new ArrayBuffer(8)); v.setFloat64(0, x, true); return v.getBigUint64(0, true); };
const f32 = (x: number): bigint => { const v = new DataView(new ArrayBuffer(4)); v.setFloat32(0, x, true); return BigInt(v.getUint32(0, true)); };
const DOUBLES: bigint[] = [
  0, -0, 1.5, -2.25, 3, 0.1, 1e300, -1e300, 5e-324, -1e-310, Infinity, -Infinity, 2 ** 63, -(2 ** 63), 2 ** 31, 2147483647,
  -2147483648.5, -2147483649, 1e10, -1e20, 4294967296.75, 9.2e18, 123456.789, -0.5,
].map(f64).concat([0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff4000000000001n, 0x7ff80000deadbeefn, 0xfff0000000000123n]);
const FLOATS: bigint[] = [
  0, -0, 1.5, -2.25, 3, 0.1, 3e38, -3e38, 1e-45, 1e-40, Infinity, -Infinity, 2 ** 63, 2 ** 31, -(2 ** 31), 2147483520, 1e10, -7.75,
].map(f32).concat([0x7fc00000n, 0xffc00000n, 0x7fa00001n, 0x7fc0beefn, 0xff800001n]);

/** 64 bits: random, a typical double, or two floats (random or typical). */
function half(): bigint {
  switch (R.below(4)) {
    case 0: return (BigInt(R.u32()) << 32n) | BigInt(R.u32());
    case 1: case 2: return R.pick(DOUBLES);
    default: {
      const f = () => (R.below(3) === 0 ? BigInt(R.u32()) : R.pick(FLOATS));
      return (f() << 32n) | f();
    }
  }
}
const vec = (): bigint => (half() << 64n) | half();

function data(): Uint8Array {
  const out = new Uint8Array(256);
  const v = new DataView(out.buffer);
  for (let k = 0; k < 32; k++) v.setBigUint64(k * 8, half(), true);
  return out;
}

function randomState(extra: StateInit = {}) {
  const init: Record<string, bigint> = {};
  for (const r of GPRS) init[r] = R.operand(64);
  init.rflags = BigInt(R.u32()) & 0x8d5n;
  const xmm: Record<number, bigint> = {};
  for (let n = 0; n < 16; n++) xmm[n] = vec();
  // Some equal lanes for comparisons: xmm3 is xmm1 with a few bytes changed; xmm5 shares xmm4's low lane.
  let x3 = xmm[1];
  for (let k = 0; k < 3; k++) x3 ^= BigInt(R.below(256)) << BigInt(8 * R.below(16));
  xmm[3] = x3;
  if (R.below(3) === 0) xmm[5] = (xmm[5] & ~((1n << 64n) - 1n)) | (xmm[4] & ((1n << 64n) - 1n));
  return makeState({ ...(init as object), rdi: DATA + 16n * BigInt(R.below(8)), data: data(), ...extra, xmm: { ...xmm, ...(extra.xmm ?? {}) } });
}

function cases(name: string, asm: string[], count: number, extra: () => StateInit = () => ({})): SnippetCase[] {
  return snippetCases(name, asm, count, () => randomState(extra()));
}

const compare = compareWithCpu;

beforeAll(async () => { await keystoneReady(); });

const ints = () => ({
  rax: R.pick([0n, 1n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0x80000000n, 0x7fffffffn, 123456789n, R.operand(64)]),
  rbx: R.operand(64),
});

/** Word-lane edge values for the multiplies and psadbw: 0, +-1, 0x7fff, 0x8000, 0xffff and random. */
function edgeWords(): bigint {
  let v = 0n;
  for (let k = 0; k < 8; k++) {
    const w = R.below(3) === 0 ? BigInt(R.below(0x10000)) : R.pick([0n, 1n, 0x7fffn, 0x8000n, 0xffffn, 0xff00n, 0x00ffn, 2n]);
    v |= w << BigInt(16 * k);
  }
  return v;
}
const mulEdges = (): StateInit => (R.below(2) ? { xmm: { 0: edgeWords(), 1: edgeWords(), 2: edgeWords(), 3: edgeWords(), 8: edgeWords(), 9: edgeWords() } } : {});
/** Shift counts around each lane width, and huge ones; the upper quadword random. */
const COUNTS = [0n, 1n, 3n, 7n, 8n, 15n, 16n, 17n, 31n, 32n, 33n, 63n, 64n, 65n, 127n, 128n, 255n, 256n, 0xc0n, 0xf0n, 1n << 32n,
  (1n << 32n) | 5n, 1n << 63n, (1n << 64n) - 1n, (1n << 64n) - 16n];
const shiftCounts = (): StateInit => {
  const count = () => (BigInt(R.u32()) << 96n) | (BigInt(R.u32()) << 64n) | (R.below(6) === 0 ? BigInt(R.u32()) : R.pick(COUNTS));
  return { xmm: { 1: count(), 3: count(), 5: count(), 7: count(), 15: count() }, rax: R.pick(COUNTS) };
};
/** Values with fractional parts near ties, for the rounding modes. */
const FRACTIONS = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.75, -2.75, 0.25, -0.25, 1e-3, -1e-3, 7.5, 1e9 + 0.5, -1e9 - 0.5, 2147483647.5,
  -2147483648.5, -2147483648.75, 2147483646.5, 4503599627370495.5, 9.2e18, -9.3e18, 1 / 3, -2 / 3, 0.1];
function fractionVec(): bigint {
  if (R.below(2)) return (f64(R.pick(FRACTIONS)) << 64n) | f64(R.pick(FRACTIONS));
  let v = 0n;
  for (let k = 0; k < 4; k++) v |= f32(R.pick(FRACTIONS)) << BigInt(32 * k);
  return v;
}
const fractions = (): StateInit => {
  const xmm: Record<number, bigint> = {};
  for (let n = 0; n < 16; n++) xmm[n] = R.below(4) ? fractionVec() : vec();
  return { xmm, ...ints(), rbx: R.pick([1n, 3n, 0x7fffffffffffffffn, 0x8000000000000001n, 0x20000000000001n, (1n << 60n) + 1n, R.operand(64)]) };
};
/** Runs `body` with MXCSR = value (through [rdi + 128]), then restores the default from [rdi + 132]. */
const withMxcsr = (value: number, body: string): string =>
  `mov dword ptr [rdi + 128], ${value}; mov dword ptr [rdi + 132], 0x1f80; ldmxcsr dword ptr [rdi + 128]; ${body}; ldmxcsr dword ptr [rdi + 132]`;
const ROUNDING_OPS = ['cvtps2dq xmm0, xmm1', 'cvtpd2dq xmm2, xmm3', 'cvtsd2si rax, xmm4', 'cvtsd2si ecx, xmm5', 'cvtss2si rdx, xmm6',
  'cvtss2si esi, xmm7', 'cvttsd2si r8, xmm8; cvttps2dq xmm9, xmm9', 'addsd xmm8, xmm9', 'mulps xmm10, xmm11', 'divpd xmm12, xmm13',
  'subss xmm14, xmm15', 'sqrtsd xmm0, xmm1', 'cvtsi2sd xmm2, rbx', 'cvtsi2ss xmm3, rbx', 'cvtsd2ss xmm4, xmm5', 'cvtpd2ps xmm6, xmm7',
  'cvtdq2ps xmm8, xmm9', 'cvtps2dq xmm10, xmmword ptr [rdi + 16]', 'cvtpd2dq xmm11, xmmword ptr [rdi]', 'divsd xmm12, xmm13; cvtsd2si r9, xmm12'];

const GROUPS: Array<[string, () => SnippetCase[]]> = [
  ['128-bit moves', () => cases('mov128', ['movdqu xmm0, xmmword ptr [rdi + 3]', 'movdqa xmm1, xmmword ptr [rdi]', 'movaps xmm2, xmmword ptr [rdi + 16]',
    'movups xmm3, xmmword ptr [rdi + 5]', 'movapd xmm4, xmmword ptr [rdi]', 'movupd xmm15, xmmword ptr [rdi + 1]',
    'movdqu xmmword ptr [rdi + 7], xmm5', 'movdqa xmmword ptr [rdi], xmm6', 'movaps xmmword ptr [rdi + 32], xmm7', 'movups xmmword ptr [rdi + 9], xmm8',
    'movapd xmmword ptr [rdi], xmm9', 'movupd xmmword ptr [rdi + 2], xmm10',
    'movdqa xmm0, xmm1', 'movdqu xmm2, xmm3', 'movaps xmm11, xmm12', 'movups xmm4, xmm4', 'movapd xmm13, xmm14', 'movupd xmm5, xmm6',
    'movups xmm0, xmmword ptr [rip + 0x100]'], 57)],
  ['movd/movq', () => cases('movdq', ['movd xmm0, eax', 'movq xmm1, rax', 'movd eax, xmm2', 'movq rbx, xmm3', 'movd xmm4, dword ptr [rdi + 4]',
    'movq xmm5, qword ptr [rdi + 8]', 'movd dword ptr [rdi + 12], xmm6', 'movq qword ptr [rdi + 3], xmm7', 'movq xmm8, xmm9', 'movq xmm10, xmm10',
    'movd r12d, xmm15', 'movq xmm14, r9'], 48)],
  ['movsd/movss', () => cases('movs', ['movsd xmm0, qword ptr [rdi]', 'movsd xmm1, xmm2', 'movsd qword ptr [rdi + 8], xmm3', 'movss xmm4, dword ptr [rdi + 4]',
    'movss xmm5, xmm6', 'movss dword ptr [rdi + 20], xmm7', 'movsd xmm8, xmm8', 'movss xmm15, xmm0'], 40)],
  ['logic', () => cases('logic', ['pxor xmm0, xmm1', 'pxor xmm2, xmm2', 'por xmm3, xmm4', 'pand xmm5, xmm6', 'pandn xmm7, xmm8', 'pandn xmm9, xmm9',
    'xorps xmm10, xmm11', 'xorpd xmm12, xmm13', 'andps xmm14, xmm15', 'andpd xmm0, xmm2', 'orps xmm1, xmm3', 'andnps xmm4, xmm5',
    'pxor xmm0, xmmword ptr [rdi]', 'pandn xmm1, xmmword ptr [rdi + 16]', 'andpd xmm2, xmmword ptr [rdi]', 'orpd xmm6, xmm7', 'andnpd xmm8, xmm9'], 51)],
  ['integer add/sub/cmpeq', () => cases('int', ['paddb xmm0, xmm1', 'paddw xmm2, xmm3', 'paddd xmm4, xmm5', 'paddq xmm6, xmm7',
    'psubb xmm8, xmm9', 'psubw xmm10, xmm11', 'psubd xmm12, xmm13', 'psubq xmm14, xmm15', 'paddd xmm0, xmmword ptr [rdi]',
    'psubq xmm1, xmmword ptr [rdi + 16]', 'pcmpeqb xmm1, xmm3', 'pcmpeqw xmm3, xmm1', 'pcmpeqd xmm1, xmm3', 'pcmpeqb xmm2, xmm2',
    'pcmpeqd xmm0, xmmword ptr [rdi]', 'pcmpeqb xmm4, xmm5'], 64)],
  ['pmovmskb/punpck/pshufd', () => cases('perm', ['pmovmskb eax, xmm0', 'pmovmskb r9d, xmm3', 'pmovmskb ecx, xmm15',
    'punpcklbw xmm0, xmm1', 'punpckhbw xmm2, xmm3', 'punpcklwd xmm4, xmm5', 'punpckhwd xmm6, xmm7', 'punpckldq xmm8, xmm9',
    'punpckhdq xmm10, xmm11', 'punpcklqdq xmm12, xmm13', 'punpckhqdq xmm14, xmm15', 'punpcklbw xmm0, xmmword ptr [rdi]',
    'unpcklps xmm1, xmm2', 'unpckhps xmm3, xmm4', 'unpcklpd xmm5, xmm6', 'unpckhpd xmm7, xmm8', 'punpckldq xmm9, xmm9',
    'pshufd xmm0, xmm1, 0x1b', 'pshufd xmm2, xmm2, 0x4e', 'pshufd xmm3, xmm4, 0', 'pshufd xmm5, xmmword ptr [rdi], 0xe4', 'pshufd xmm6, xmm7, 0x93',
    'shufps xmm4, xmm4, 0', 'shufps xmm0, xmm1, 0x1b', 'shufps xmm2, xmmword ptr [rdi], 0xb1', 'shufps xmm8, xmm9, 0xe4'], 104)],
  ['shifts/pcmpgt/pack/shufpd', () => cases('more', ['psrldq xmm1, 8', 'psrldq xmm2, 1', 'psrldq xmm3, 15', 'psrldq xmm4, 16', 'psrldq xmm5, 0',
    'pslldq xmm6, 4', 'pslldq xmm7, 13', 'pslldq xmm8, 20', 'psrlw xmm1, 3', 'psrlw xmm2, 16', 'psrld xmm3, 31', 'psrlq xmm4, 1', 'psrlq xmm5, 64',
    'psllw xmm6, 15', 'pslld xmm7, 0', 'psllq xmm8, 33', 'pslld xmm9, 40', 'psraw xmm10, 7', 'psraw xmm11, 16', 'psrad xmm12, 31', 'psrad xmm13, 200',
    'pcmpgtb xmm0, xmm1', 'pcmpgtw xmm1, xmm3', 'pcmpgtd xmm3, xmm0', 'pcmpgtd xmm2, xmmword ptr [rdi]', 'packuswb xmm1, xmm0', 'packuswb xmm2, xmm2',
    'packsswb xmm3, xmm4', 'packssdw xmm5, xmm6', 'packssdw xmm7, xmmword ptr [rdi]', 'shufpd xmm0, xmm0, 1', 'shufpd xmm1, xmm2, 2',
    'shufpd xmm3, xmm4, 3', 'shufpd xmm5, xmmword ptr [rdi], 0',
    'pshuflw xmm6, xmm7, 0', 'pshuflw xmm1, xmm1, 0x1b', 'pshufhw xmm2, xmm3, 0xb4', 'pshufhw xmm4, xmmword ptr [rdi], 0x39'], 114)],
  ['scalar double arithmetic', () => ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'].flatMap((op) => cases(`${op}sd`,
    [`${op}sd xmm0, xmm1`, `${op}sd xmm4, xmm5`, `${op}sd xmm2, xmm2`, `${op}sd xmm6, qword ptr [rdi + 8]`, `${op}sd xmm15, xmm3`], 40))],
  ['scalar single arithmetic', () => ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'].flatMap((op) => cases(`${op}ss`,
    [`${op}ss xmm0, xmm1`, `${op}ss xmm4, xmm5`, `${op}ss xmm2, xmm2`, `${op}ss xmm6, dword ptr [rdi + 4]`, `${op}ss xmm15, xmm3`], 40))],
  ['packed double arithmetic', () => ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'].flatMap((op) => cases(`${op}pd`,
    [`${op}pd xmm0, xmm1`, `${op}pd xmm4, xmm5`, `${op}pd xmm2, xmm2`, `${op}pd xmm6, xmmword ptr [rdi]`, `${op}pd xmm15, xmm3`], 40))],
  ['packed single arithmetic', () => ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'].flatMap((op) => cases(`${op}ps`,
    [`${op}ps xmm0, xmm1`, `${op}ps xmm4, xmm5`, `${op}ps xmm2, xmm2`, `${op}ps xmm6, xmmword ptr [rdi + 16]`, `${op}ps xmm15, xmm3`], 40))],
  ['ucomis/comis', () => cases('cmp', ['ucomisd xmm0, xmm1', 'ucomisd xmm4, xmm5', 'comisd xmm2, xmm3', 'ucomisd xmm6, xmm6',
    'ucomisd xmm7, qword ptr [rdi]', 'ucomiss xmm0, xmm1', 'ucomiss xmm4, xmm5', 'comiss xmm8, dword ptr [rdi + 4]', 'comiss xmm9, xmm9',
    'ucomisd xmm4, xmm5; seta al; setp bl; setb cl; sete dl', 'ucomiss xmm4, xmm5; jp L1; mov eax, 1; L1: nop'], 110)],
  ['cmpXX sd/ss/pd/ps', () => ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'].flatMap((p) => cases(`cmp${p}`,
    [`cmp${p}sd xmm4, xmm5`, `cmp${p}ss xmm4, xmm5`, `cmp${p}pd xmm0, xmm1`, `cmp${p}ps xmm2, xmm3`, `cmp${p}sd xmm6, qword ptr [rdi]`,
      `cmp${p}ps xmm7, xmmword ptr [rdi + 16]`, `cmp${p}pd xmm8, xmm8`], 21))],
  ['saturating/min/max/avg/mullw', () => cases('sat', ['paddsb xmm0, xmm1', 'paddsw xmm2, xmm3', 'paddusb xmm4, xmm5', 'paddusw xmm6, xmm7',
    'psubsb xmm8, xmm9', 'psubsw xmm10, xmm11', 'psubusb xmm12, xmm13', 'psubusw xmm14, xmm15', 'pminub xmm0, xmm2', 'pmaxub xmm1, xmm3',
    'pminsw xmm4, xmm6', 'pmaxsw xmm5, xmm7', 'pavgb xmm8, xmm10', 'pavgw xmm9, xmm11', 'pmullw xmm12, xmm14', 'pmaxub xmm0, xmmword ptr [rdi]'], 64)],
  ['movmsk/movh/movl', () => cases('half', ['movmskps eax, xmm0', 'movmskpd ecx, xmm1', 'movmskps r9d, xmm15', 'movhps xmm2, qword ptr [rdi + 8]',
    'movhpd xmm3, qword ptr [rdi + 4]', 'movlps xmm4, qword ptr [rdi]', 'movlpd xmm5, qword ptr [rdi + 24]', 'movhps qword ptr [rdi + 8], xmm6',
    'movhpd qword ptr [rdi + 3], xmm7', 'movlps qword ptr [rdi], xmm8', 'movlpd qword ptr [rdi + 40], xmm9', 'movhlps xmm10, xmm11',
    'movlhps xmm12, xmm13', 'movhlps xmm14, xmm14', 'movlhps xmm0, xmm0'], 60)],
  ['misaligned 16-byte operands fault', () => cases('align', ['movdqa xmm0, xmmword ptr [rdi + 8]', 'movaps xmmword ptr [rdi + 4], xmm1',
    'movapd xmm2, xmmword ptr [rdi + 1]', 'pxor xmm3, xmmword ptr [rdi + 8]', 'addpd xmm4, xmmword ptr [rdi + 2]', 'pshufd xmm5, xmmword ptr [rdi + 8], 1',
    'movdqu xmm6, xmmword ptr [rdi + 8]', 'movups xmmword ptr [rdi + 4], xmm7', 'addsd xmm0, qword ptr [rdi + 4]'], 9)],
  ['string movsd still', () => cases('strmovsd', ['.byte 0xa5', '.byte 0xf3, 0xa5', 'std; .byte 0xa5; cld'], 9,
    () => ({ rsi: DATA + 32n + 4n * BigInt(R.below(16)), rdi: DATA + 128n + 4n * BigInt(R.below(16)), rcx: BigInt(R.below(10)) }))],
  ['conversions', () => cases('cvt', ['cvtsi2sd xmm0, eax', 'cvtsi2sd xmm1, rax', 'cvtsi2ss xmm2, eax', 'cvtsi2ss xmm3, rbx',
    'cvtsi2sd xmm4, dword ptr [rdi]', 'cvtsi2sd xmm5, qword ptr [rdi + 8]', 'cvtsi2ss xmm6, qword ptr [rdi]',
    'cvttsd2si eax, xmm0', 'cvttsd2si rax, xmm1', 'cvttss2si ecx, xmm2', 'cvttss2si rcx, xmm3', 'cvttsd2si r9, qword ptr [rdi + 8]',
    'cvttss2si edx, dword ptr [rdi + 4]', 'cvtss2sd xmm7, xmm8', 'cvtsd2ss xmm9, xmm10', 'cvtss2sd xmm11, dword ptr [rdi]',
    'cvtsd2ss xmm12, qword ptr [rdi + 8]', 'cvtsd2ss xmm13, xmm13', 'cvtsd2si rax, xmm0', 'cvtsd2si ecx, xmm1', 'cvtss2si rdx, xmm2',
    'cvtss2si esi, dword ptr [rdi + 4]', 'cvtdq2ps xmm0, xmm1', 'cvtdq2ps xmm2, xmmword ptr [rdi]',
    'cvtps2pd xmm3, xmm4', 'cvtps2pd xmm5, qword ptr [rdi + 8]', 'cvtpd2ps xmm6, xmm7', 'cvtpd2ps xmm8, xmmword ptr [rdi]', 'cvtdq2pd xmm9, xmm10',
    'cvtdq2pd xmm11, qword ptr [rdi + 4]', 'cvttps2dq xmm12, xmm13', 'cvttps2dq xmm14, xmmword ptr [rdi + 16]', 'cvttps2dq xmm15, xmm15',
    'pmuludq xmm0, xmm1', 'pmuludq xmm2, xmmword ptr [rdi]'], 264, ints)],
  ['pmulhw/pmulhuw/pmaddwd/psadbw', () => cases('mulsum', ['pmulhw xmm0, xmm1', 'pmulhuw xmm2, xmm3', 'pmaddwd xmm8, xmm9', 'psadbw xmm0, xmm2',
    'pmulhw xmm4, xmm4', 'pmulhuw xmm5, xmm6', 'pmaddwd xmm1, xmm1', 'psadbw xmm3, xmm3', 'psadbw xmm15, xmm14', 'pmulhw xmm7, xmmword ptr [rdi]',
    'pmulhuw xmm9, xmmword ptr [rdi + 16]', 'pmaddwd xmm10, xmmword ptr [rdi]', 'psadbw xmm11, xmmword ptr [rdi + 32]', 'pmaddwd xmm3, xmm2',
    'pminub xmm0, xmm1', 'pmaxub xmm2, xmm3', 'pminsw xmm8, xmm9', 'pmaxsw xmm1, xmmword ptr [rdi]'], 144, mulEdges)],
  ['shifts by an xmm or m128 count', () => ['psrlw', 'psrld', 'psrlq', 'psllw', 'pslld', 'psllq', 'psraw', 'psrad'].flatMap((op) => cases(op,
    [`${op} xmm0, xmm1`, `${op} xmm2, xmm3`, `${op} xmm5, xmm5`, `${op} xmm15, xmm7`, `${op} xmm4, xmmword ptr [rdi]`,
      `movq qword ptr [rdi], xmm1; ${op} xmm6, xmmword ptr [rdi]`, `mov qword ptr [rdi + 16], rax; ${op} xmm8, xmmword ptr [rdi + 16]`,
      `${op} xmm9, xmmword ptr [rdi + 8]`], 48, shiftCounts))],
  ['pextrw/pinsrw', () => cases('extrw', ['pextrw eax, xmm0, 3', 'pextrw r9d, xmm15, 7', 'pextrw ebx, xmm2, 0', 'pextrw ecx, xmm3, 9',
    'pextrw rdx, xmm4, 5', 'pextrw word ptr [rdi + 2], xmm1, 6', 'pinsrw xmm0, eax, 2', 'pinsrw xmm1, word ptr [rdi + 6], 7', 'pinsrw xmm2, ebx, 0',
    'pinsrw xmm15, r10d, 13', 'pinsrw xmm3, word ptr [rdi + 1], 4', 'pinsrw xmm4, eax, 0xff; pextrw esi, xmm4, 0xff'], 72)],
  ['non-temporal stores', () => cases('movnt', ['movnti dword ptr [rdi + 4], eax', 'movnti qword ptr [rdi + 8], rbx', 'movnti qword ptr [rdi + 3], r15',
    'movntdq xmmword ptr [rdi], xmm1', 'movntpd xmmword ptr [rdi + 16], xmm2', 'movntps xmmword ptr [rdi + 32], xmm15',
    'movntdq xmmword ptr [rdi + 8], xmm4', 'movntps xmmword ptr [rdi + 4], xmm5', 'movntpd xmmword ptr [rdi + 1], xmm6'], 27)],
  ['cvtps2dq/cvtpd2dq/cvttpd2dq', () => cases('cvtdq', ['cvtps2dq xmm0, xmm1', 'cvtpd2dq xmm2, xmm3', 'cvttpd2dq xmm4, xmm5', 'cvtps2dq xmm6, xmm6',
    'cvtpd2dq xmm7, xmm7', 'cvttpd2dq xmm8, xmm8', 'cvtps2dq xmm9, xmmword ptr [rdi]', 'cvtpd2dq xmm10, xmmword ptr [rdi + 16]',
    'cvttpd2dq xmm11, xmmword ptr [rdi]', 'cvtpd2ps xmm12, xmm13', 'cvtpd2dq xmm14, xmmword ptr [rdi + 8]'], 220,
  () => (R.below(2) ? fractions() : {}))],
  ['ldmxcsr/stmxcsr', () => cases('mxcsr', [
    'stmxcsr dword ptr [rdi + 8]; and dword ptr [rdi + 8], 0xffffffc0',
    ...[0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x1f81, 0x1fbf, 0x9fc0, 0xffff, 0x0000, 0x1f00, 0x8040].map((m) => withMxcsr(m, 'stmxcsr dword ptr [rdi + 136]; mov eax, dword ptr [rdi + 136]')),
    withMxcsr(0x6000, 'stmxcsr dword ptr [rdi + 100]; ldmxcsr dword ptr [rdi + 132]; stmxcsr dword ptr [rdi + 104]'),
    'mov dword ptr [rdi + 128], 0x11f80; ldmxcsr dword ptr [rdi + 128]', 'mov dword ptr [rdi + 128], 0x80001f80; ldmxcsr dword ptr [rdi + 128]'], 42)],
  ['MXCSR rounding control', () => [0x1f80, 0x3f80, 0x5f80, 0x7f80].flatMap((m) => cases(`rc${(m >> 13) & 3}`,
    ROUNDING_OPS.map((o) => withMxcsr(m, o)), 80, fractions))],
];

describe('SSE instructions against the real CPU', () => {
  for (const [name, make] of GROUPS) {
    test(name, () => {
      const failures = compare(make());
      expect(failures.slice(0, 15).join('\n')).toBe('');
    });
  }
});
