// MMX instruction tests against the real CPU. The instruction list is the architecture's own: the
// opcode map below, written from the Intel SDM and cross-checked against Capstone's decoder, not
// Ferry's tables. Every listed instruction runs in its register and memory forms from its encoding;
// lane-wise edge values, shifts, moves, shuffles, conversions under every MXCSR rounding mode and the
// x87 side effects get their own groups. The final GPRs, flags, XMM, memory and x87 registers (FCW,
// FSW with TOP, abridged tags, every non-empty register, so the sign/exponent bits 64-79 an MMX
// write sets too) must match bit for bit.
import { assemble, keystoneReady } from './harness/keystone';
import { makeState, rng, runNative, SnippetCase } from './harness/native-runner';
import { runFerry } from './harness/ferry-snippet';
import { compareWithCpu } from './harness/oracle';
import { diffResults } from './harness/state-diff';
import { X86Decoder } from '../src/capstone/capstone';
import { SNIPPET_LAYOUT } from '../src/runtime/x86-state';

// ---- the opcode map ---------------------------------------------------------------------------
// Every instruction with an MMX register operand that this CPU (AMD Zen 4) runs, as [Opcode,
// Instruction] in the notation of the Intel SDM Vol. 2 instruction summary tables; the opcodes are
// those of Appendix A: Table A-3 (two-byte opcodes 0F xx), A-4 (three-byte 0F 38 xx), A-5 (0F 3A xx)
// and A-6 (opcode extensions, groups 12-14 for the shifts by immediate). MMX, SSE and SSE2 are in
// the CPUID Ferry advertises. SSSE3 is not (Ferry decodes its mm forms to a SIGILL, a documented gap
// for issue 11), but the real CPU runs them regardless of CPUID: they are listed, and the test
// requires the CPU to run them and Ferry to raise SIGILL. 3DNow! (0F 0F, femms 0F 0E) is absent from
// this CPU (CPUID 8000_0001h EDX bit 31 clear) and is not listed.
type Extension = 'MMX' | 'SSE' | 'SSE2' | 'SSSE3';
const OPCODE_MAP: Record<Extension, Array<[opcode: string, instruction: string]>> = {
  MMX: [
    ['NP 0F 6E /r', 'MOVD mm, r/m32'], ['NP REX.W 0F 6E /r', 'MOVQ mm, r/m64'],
    ['NP 0F 7E /r', 'MOVD r/m32, mm'], ['NP REX.W 0F 7E /r', 'MOVQ r/m64, mm'],
    ['NP 0F 6F /r', 'MOVQ mm, mm/m64'], ['NP 0F 7F /r', 'MOVQ mm/m64, mm'], ['NP 0F 77', 'EMMS'],
    ['NP 0F 60 /r', 'PUNPCKLBW mm, mm/m32'], ['NP 0F 61 /r', 'PUNPCKLWD mm, mm/m32'], ['NP 0F 62 /r', 'PUNPCKLDQ mm, mm/m32'],
    ['NP 0F 63 /r', 'PACKSSWB mm, mm/m64'], ['NP 0F 64 /r', 'PCMPGTB mm, mm/m64'], ['NP 0F 65 /r', 'PCMPGTW mm, mm/m64'],
    ['NP 0F 66 /r', 'PCMPGTD mm, mm/m64'], ['NP 0F 67 /r', 'PACKUSWB mm, mm/m64'], ['NP 0F 68 /r', 'PUNPCKHBW mm, mm/m64'],
    ['NP 0F 69 /r', 'PUNPCKHWD mm, mm/m64'], ['NP 0F 6A /r', 'PUNPCKHDQ mm, mm/m64'], ['NP 0F 6B /r', 'PACKSSDW mm, mm/m64'],
    ['NP 0F 74 /r', 'PCMPEQB mm, mm/m64'], ['NP 0F 75 /r', 'PCMPEQW mm, mm/m64'], ['NP 0F 76 /r', 'PCMPEQD mm, mm/m64'],
    ['NP 0F D1 /r', 'PSRLW mm, mm/m64'], ['NP 0F D2 /r', 'PSRLD mm, mm/m64'], ['NP 0F D3 /r', 'PSRLQ mm, mm/m64'],
    ['NP 0F D5 /r', 'PMULLW mm, mm/m64'], ['NP 0F D8 /r', 'PSUBUSB mm, mm/m64'], ['NP 0F D9 /r', 'PSUBUSW mm, mm/m64'],
    ['NP 0F DB /r', 'PAND mm, mm/m64'], ['NP 0F DC /r', 'PADDUSB mm, mm/m64'], ['NP 0F DD /r', 'PADDUSW mm, mm/m64'],
    ['NP 0F DF /r', 'PANDN mm, mm/m64'], ['NP 0F E1 /r', 'PSRAW mm, mm/m64'], ['NP 0F E2 /r', 'PSRAD mm, mm/m64'],
    ['NP 0F E5 /r', 'PMULHW mm, mm/m64'], ['NP 0F E8 /r', 'PSUBSB mm, mm/m64'], ['NP 0F E9 /r', 'PSUBSW mm, mm/m64'],
    ['NP 0F EB /r', 'POR mm, mm/m64'], ['NP 0F EC /r', 'PADDSB mm, mm/m64'], ['NP 0F ED /r', 'PADDSW mm, mm/m64'],
    ['NP 0F EF /r', 'PXOR mm, mm/m64'], ['NP 0F F1 /r', 'PSLLW mm, mm/m64'], ['NP 0F F2 /r', 'PSLLD mm, mm/m64'],
    ['NP 0F F3 /r', 'PSLLQ mm, mm/m64'], ['NP 0F F5 /r', 'PMADDWD mm, mm/m64'], ['NP 0F F8 /r', 'PSUBB mm, mm/m64'],
    ['NP 0F F9 /r', 'PSUBW mm, mm/m64'], ['NP 0F FA /r', 'PSUBD mm, mm/m64'], ['NP 0F FC /r', 'PADDB mm, mm/m64'],
    ['NP 0F FD /r', 'PADDW mm, mm/m64'], ['NP 0F FE /r', 'PADDD mm, mm/m64'],
    ['NP 0F 71 /2 ib', 'PSRLW mm, imm8'], ['NP 0F 71 /4 ib', 'PSRAW mm, imm8'], ['NP 0F 71 /6 ib', 'PSLLW mm, imm8'],
    ['NP 0F 72 /2 ib', 'PSRLD mm, imm8'], ['NP 0F 72 /4 ib', 'PSRAD mm, imm8'], ['NP 0F 72 /6 ib', 'PSLLD mm, imm8'],
    ['NP 0F 73 /2 ib', 'PSRLQ mm, imm8'], ['NP 0F 73 /6 ib', 'PSLLQ mm, imm8'],
  ],
  SSE: [
    ['NP 0F 2A /r', 'CVTPI2PS xmm, mm/m64'], ['NP 0F 2D /r', 'CVTPS2PI mm, xmm/m64'], ['NP 0F 2C /r', 'CVTTPS2PI mm, xmm/m64'],
    ['NP 0F 70 /r ib', 'PSHUFW mm1, mm2/m64, imm8'], ['NP 0F C4 /r ib', 'PINSRW mm, r32/m16, imm8'],
    ['NP 0F C5 /r ib', 'PEXTRW reg, mm, imm8'], ['NP 0F D7 /r', 'PMOVMSKB reg, mm'],
    ['NP 0F DA /r', 'PMINUB mm1, mm2/m64'], ['NP 0F DE /r', 'PMAXUB mm1, mm2/m64'], ['NP 0F E0 /r', 'PAVGB mm1, mm2/m64'],
    ['NP 0F E3 /r', 'PAVGW mm1, mm2/m64'], ['NP 0F E4 /r', 'PMULHUW mm1, mm2/m64'], ['NP 0F EA /r', 'PMINSW mm1, mm2/m64'],
    ['NP 0F EE /r', 'PMAXSW mm1, mm2/m64'], ['NP 0F F6 /r', 'PSADBW mm1, mm2/m64'],
    ['NP 0F E7 /r', 'MOVNTQ m64, mm'], ['NP 0F F7 /r', 'MASKMOVQ mm1, mm2'],
  ],
  SSE2: [
    ['NP 0F D4 /r', 'PADDQ mm, mm/m64'], ['NP 0F FB /r', 'PSUBQ mm1, mm2/m64'], ['NP 0F F4 /r', 'PMULUDQ mm1, mm2/m64'],
    ['66 0F 2A /r', 'CVTPI2PD xmm, mm/m64'], ['66 0F 2D /r', 'CVTPD2PI mm, xmm/m128'], ['66 0F 2C /r', 'CVTTPD2PI mm, xmm/m128'],
    ['F3 0F D6 /r', 'MOVQ2DQ xmm, mm'], ['F2 0F D6 /r', 'MOVDQ2Q mm, xmm'],
  ],
  SSSE3: [
    ['NP 0F 38 00 /r', 'PSHUFB mm1, mm2/m64'], ['NP 0F 38 01 /r', 'PHADDW mm1, mm2/m64'], ['NP 0F 38 02 /r', 'PHADDD mm1, mm2/m64'],
    ['NP 0F 38 03 /r', 'PHADDSW mm1, mm2/m64'], ['NP 0F 38 04 /r', 'PMADDUBSW mm1, mm2/m64'], ['NP 0F 38 05 /r', 'PHSUBW mm1, mm2/m64'],
    ['NP 0F 38 06 /r', 'PHSUBD mm1, mm2/m64'], ['NP 0F 38 07 /r', 'PHSUBSW mm1, mm2/m64'], ['NP 0F 38 08 /r', 'PSIGNB mm1, mm2/m64'],
    ['NP 0F 38 09 /r', 'PSIGNW mm1, mm2/m64'], ['NP 0F 38 0A /r', 'PSIGND mm1, mm2/m64'], ['NP 0F 38 0B /r', 'PMULHRSW mm1, mm2/m64'],
    ['NP 0F 38 1C /r', 'PABSB mm1, mm2/m64'], ['NP 0F 38 1D /r', 'PABSW mm1, mm2/m64'], ['NP 0F 38 1E /r', 'PABSD mm1, mm2/m64'],
    ['NP 0F 3A 0F /r ib', 'PALIGNR mm1, mm2/m64, imm8'],
  ],
};
/** Capstone 4 names the REX.W forms of 0F 6E/7E "movd"; every other mnemonic is the SDM's. */
const CAPSTONE_NAME: Record<string, string> = { 'NP REX.W 0F 6E /r': 'movd', 'NP REX.W 0F 7E /r': 'movd' };

interface Opcode {
  extension: Extension;
  opcode: string;
  instruction: string;
  mnemonic: string;
  /** Mandatory prefix, REX, the opcode bytes, the ModRM reg field (a /digit) and whether an imm8 follows. */
  bytes: number[];
  modrmReg?: number;
  hasModrm: boolean;
  imm8: boolean;
  /** The r/m operand may be a register, memory, or both. */
  registerForm: boolean;
  memoryForm: boolean;
}

function parseOpcode(extension: Extension, opcode: string, instruction: string): Opcode {
  const bytes: number[] = [];
  let modrmReg: number | undefined, hasModrm = false, imm8 = false;
  for (const token of opcode.split(' ')) {
    if (token === 'NP') continue; // no 66/F2/F3 prefix
    else if (token === 'REX.W') bytes.push(0x48);
    else if (token === '/r') hasModrm = true;
    else if (/^\/[0-7]$/.test(token)) { hasModrm = true; modrmReg = Number(token[1]); }
    else if (token === 'ib') imm8 = true;
    else if (/^[0-9A-F]{2}$/.test(token)) bytes.push(parseInt(token, 16));
    else throw new Error(`opcode map: cannot read '${token}' in '${opcode}'`);
  }
  const [mnemonic, operands = ''] = instruction.split(/ (.*)/);
  // The ModRM.rm operand: the one written r/m, xx/mNN or mNN; a form with only registers has no memory form.
  const memoryForm = /(^|[ /])m\d+/.test(operands);
  const registerForm = !/^m\d+,/.test(operands);
  return { extension, opcode, instruction, mnemonic: mnemonic.toLowerCase(), bytes, modrmReg, hasModrm, imm8, registerForm, memoryForm };
}

const OPCODES: Opcode[] = (Object.entries(OPCODE_MAP) as Array<[Extension, Array<[string, string]>]>)
  .flatMap(([extension, list]) => list.map(([opcode, instruction]) => parseOpcode(extension, opcode, instruction)));
const RUNNABLE = OPCODES.filter((o) => o.extension !== 'SSSE3');
const names = (list: Opcode[]): string[] => [...new Set(list.map((o) => o.mnemonic))];
/** The two-operand lane-wise instructions (mm, mm/m64), shifts by mm/m64 excluded. */
const SHIFTS = names(RUNNABLE.filter((o) => /^\S+ mm, imm8$/.test(o.instruction)));
const ARITH = names(RUNNABLE.filter((o) => /^\S+ mm1?, mm2?\/m(64|32)$/.test(o.instruction)))
  .filter((n) => !SHIFTS.includes(n) && n !== 'movq');
const CONVERSIONS = names(RUNNABLE.filter((o) => o.mnemonic.startsWith('cvt')));

type Form = 'register' | 'memory';
/** The ModRM (and displacement) of each form: register rm = 5 (mm5, rbp, xmm5), memory [rdi + 0x40]. */
const modrmOf = (form: Form, reg: number): number[] => (form === 'register' ? [0xc0 | (reg << 3) | 5] : [0x40 | (reg << 3) | 7, 0x40]);

/** The instruction's bytes: reg = 2 unless a /digit fixes it. */
function encode(o: Opcode, form: Form, imm: number): Uint8Array {
  return Uint8Array.from([...o.bytes, ...(o.hasModrm ? modrmOf(form, o.modrmReg ?? 2) : []), ...(o.imm8 ? [imm] : [])]);
}

/**
 * An encoding written as in the opcode map, e.g. 'NP 0F 71 /2 ib, register form', from its prefix, escape
 * and opcode bytes: the list and Capstone are compared on these, so that a row missing for one opcode is
 * seen even while another row has the same mnemonic. `reg` is the /digit where the ModRM reg field
 * selects the instruction, 'r' where it does not, undefined without a ModRM. Each form has its own key
 * because some rows have only one (MOVNTQ m64, PMOVMSKB reg, mm, the shifts by imm8).
 */
function encodingKey(bytes: number[], reg: number | 'r' | undefined, immBytes: number, form: Form): string {
  const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');
  const escape = bytes.indexOf(0x0f);
  const prefixes = bytes.slice(0, escape);
  const mandatory = prefixes.find((b) => b !== 0x48);
  const imm = immBytes === 0 ? [] : immBytes === 1 ? ['ib'] : [`+${immBytes} bytes`];
  const parts = [mandatory === undefined ? 'NP' : hex(mandatory), ...(prefixes.includes(0x48) ? ['REX.W'] : []),
    ...bytes.slice(escape).map(hex), ...(reg === undefined ? [] : [`/${reg}`]), ...imm];
  return parts.join(' ') + (reg === undefined ? '' : `, ${form} form`);
}
const keyOf = (o: Opcode, form: Form): string =>
  encodingKey(o.bytes, o.hasModrm ? o.modrmReg ?? 'r' : undefined, o.imm8 ? 1 : 0, form);

// MMX_SEED and MMX_SCALE (a case-count multiplier) let a run explore further than the default.
const R = rng(Number(process.env.MMX_SEED ?? 0x3dd));
const SCALE = Number(process.env.MMX_SCALE ?? 1);
const DATA = SNIPPET_LAYOUT.data;
const M64 = (1n << 64n) - 1n;

// Data layout of every case: A (8 bytes) at 0, B at 8, C at 16, D at 24; results from 64 on.
const LANE_EDGES: Record<number, bigint[]> = {
  8: [0n, 1n, 0x7fn, 0x80n, 0x81n, 0xfen, 0xffn, 0x40n],
  16: [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0x8001n, 0xfffen, 0xffffn, 0xff80n, 0xff7fn],
  32: [0n, 1n, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0xffff8000n, 0xffff7fffn],
  64: [0n, 1n, M64, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn, 0x100000000n],
};

/** A 64-bit operand: uniform, or built lane by lane from edge and random lane values. */
function val(): bigint {
  const r = R.below(4);
  if (r === 0) return R.u64();
  const bits = R.pick([8, 16, 32, 64]);
  let v = 0n;
  for (let i = 0; i < 64 / bits; i++) {
    const lane = R.below(3) === 0 ? BigInt.asUintN(bits, R.u64()) : R.pick(LANE_EDGES[bits]);
    v |= lane << BigInt(i * bits);
  }
  return v;
}

function put(bytes: Uint8Array, at: number, v: bigint, n: number): void {
  for (let i = 0; i < n; i++) bytes[at + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

interface Operands { a?: bigint; b?: bigint; c?: bigint; d?: bigint; xmm?: Record<number, bigint>; mxcsr?: bigint }
function snippet(name: string, asm: string, ops: Operands = {}): SnippetCase {
  const a = ops.a ?? val(), b = ops.b ?? val(), c = ops.c ?? val(), d = ops.d ?? val();
  const data = new Uint8Array(256);
  put(data, 0, a, 8); put(data, 8, b, 8); put(data, 16, c, 8); put(data, 24, d, 8);
  if (ops.mxcsr !== undefined) put(data, MXCSR_AT, ops.mxcsr, 4);
  const xmm: Record<number, bigint> = ops.xmm ?? {};
  return {
    name: `${name}: ${asm} [a=${a.toString(16)} b=${b.toString(16)} c=${c.toString(16)} d=${d.toString(16)}]`,
    code: assemble(asm, SNIPPET_LAYOUT.code),
    // rax/rbx hold A and B too, rcx/rdx garbage (to see zero-extension of 32-bit results).
    initial: makeState({ rdi: DATA, rax: a, rbx: b, rcx: R.u64(), rdx: R.u64(), rsi: R.u64(), xmm, data, rflags: BigInt(R.u32()) & 0x8d5n }),
  };
}

const compare = (list: SnippetCase[]): string[] => compareWithCpu(list, { x87: true });

function many(count: number, make: (k: number) => SnippetCase): SnippetCase[] {
  return Array.from({ length: Math.round(count * SCALE) }, (_, k) => make(k));
}

const GROUPS: Array<[string, () => SnippetCase[]]> = [
  ['packed arithmetic, logic, compares, unpacks, packs (mm, mm)', () => ARITH.flatMap((op) => many(9, (k) => {
    const forms = [
      `movq mm0, rax; movq mm1, rbx; ${op} mm0, mm1; movq rcx, mm0; movq rdx, mm1`,
      `movq mm3, qword ptr [rdi]; movq mm6, qword ptr [rdi + 8]; ${op} mm6, mm3; movq qword ptr [rdi + 64], mm6; movq qword ptr [rdi + 72], mm3`,
      `movq mm7, rax; ${op} mm7, mm7; movq rcx, mm7`,
    ];
    // Equal or related operands a third of the time (compares, saturation edges).
    const a = val();
    const r = R.below(4);
    const b = r === 0 ? a : r === 1 ? a ^ (1n << BigInt(R.below(64))) : val();
    return snippet(op, forms[k % forms.length], { a, b });
  }))],
  ['packed arithmetic with a memory source (m64, m32 for punpckl)', () => ARITH.flatMap((op) => many(3, () =>
    snippet(op, `movq mm2, qword ptr [rdi]; ${op} mm2, qword ptr [rdi + 8]; movq qword ptr [rdi + 64], mm2`)))],
  ['shifts by immediate', () => SHIFTS.flatMap((op) => many(12, (k) => {
    const bits = op.endsWith('w') ? 16 : op.endsWith('d') ? 32 : 64;
    const count = [0, 1, bits - 1, bits, bits + 1, 255, 128, R.below(bits), R.below(bits), R.below(80), 7, 63][k % 12];
    return snippet(op, `movq mm4, rax; ${op} mm4, ${count}; movq rcx, mm4`);
  }))],
  ['shifts by mm and m64', () => SHIFTS.flatMap((op) => many(12, (k) => {
    const bits = op.endsWith('w') ? 16 : op.endsWith('d') ? 32 : 64;
    const counts = [0n, 1n, BigInt(bits - 1), BigInt(bits), BigInt(R.below(bits)), 1n << 32n, (1n << 32n) | 1n, M64, 1n << 63n, BigInt(R.below(70)), 0x100n | 3n, R.u64()];
    const b = counts[k % counts.length];
    return k % 2
      ? snippet(op, `movq mm1, rax; movq mm5, rbx; ${op} mm1, mm5; movq rcx, mm1`, { b })
      : snippet(op, `movq mm1, qword ptr [rdi]; ${op} mm1, qword ptr [rdi + 8]; movq qword ptr [rdi + 64], mm1`, { b });
  }))],
  ['movd/movq between mm, GPRs and memory', () => many(60, (k) => {
    const forms = [
      'movd mm0, eax; movd ecx, mm0; movq rdx, mm0',
      'movq mm1, rax; movd ecx, mm1; movq rdx, mm1',
      'movd mm2, dword ptr [rdi]; movq qword ptr [rdi + 64], mm2; movd dword ptr [rdi + 72], mm2',
      'movq mm3, qword ptr [rdi + 8]; movq mm4, mm3; movd dword ptr [rdi + 64], mm4; movq rcx, mm4',
      'movq mm5, rax; movq mm6, rbx; movq mm7, mm5; movq mm5, mm6; movq rcx, mm7; movq rdx, mm5',
      'movd mm0, esi; movd mm1, r9d; movd mm2, ebx; movq rcx, mm0; movd r10d, mm1',
      'movq mm0, rax; movntq qword ptr [rdi + 64], mm0',
      'movq r8, mm0; movd r9d, mm7',
      'movq mm0, rax; movq mm1, rbx; movq mm2, rax; movq mm3, rbx; movq mm4, rax; movq mm5, rbx; movq mm6, rax; movq mm7, rbx',
      'movd mm3, ebx; movd mm3, dword ptr [rdi + 4]; movd eax, mm3',
    ];
    return snippet('mov', forms[k % forms.length]);
  })],
  ['movq2dq/movdq2q', () => many(16, (k) => {
    const forms = [
      'movq mm1, rax; movq2dq xmm3, mm1',
      'movdq2q mm2, xmm5; movq rcx, mm2',
      'movdq2q mm0, xmm0; paddb mm0, mm0; movq2dq xmm0, mm0',
      'movq mm7, rbx; movq2dq xmm15, mm7; movdq2q mm6, xmm9; movq rcx, mm6',
    ];
    const xmm: Record<number, bigint> = {};
    for (const n of [0, 3, 5, 9, 15]) xmm[n] = (R.u64() << 64n) | R.u64();
    return snippet('movq2dq', forms[k % forms.length], { xmm });
  })],
  ['pshufw, pextrw, pinsrw, pmovmskb', () => many(80, (k) => {
    const imm = R.below(256);
    const forms = [
      `movq mm1, rax; pshufw mm2, mm1, ${imm}; movq rcx, mm2`,
      `pshufw mm3, qword ptr [rdi + 8], ${imm}; movq qword ptr [rdi + 64], mm3`,
      `movq mm4, rax; pextrw ecx, mm4, ${imm & 7}; pextrw edx, mm4, ${(imm >> 3) & 3}`,
      `movq mm4, rax; pinsrw mm4, ebx, ${imm & 7}; pinsrw mm4, word ptr [rdi + 18], ${(imm >> 3) & 3}; movq rcx, mm4`,
      `movq mm5, rax; pmovmskb ecx, mm5; movq mm6, rbx; pmovmskb rdx, mm6`,
      `movq mm1, rax; pshufw mm1, mm1, ${imm}; movq rcx, mm1`,
    ];
    return snippet('shuffle', forms[k % forms.length]);
  })],
  ['maskmovq', () => many(16, (k) => {
    const off = R.below(32);
    const asm = k % 4 === 3
      ? `movq mm0, rax; movq mm1, rbx; lea rdi, [rdi + ${off + 64}]; maskmovq mm0, mm1`
      : `movq mm0, rax; movq mm1, rbx; add rdi, ${off + 64}; maskmovq mm0, mm1; movq rcx, mm1`;
    return snippet('maskmovq', asm);
  })],
  ['x87 interplay: TOP, tags, emms, fnstenv/fnsave after MMX', () => many(40, (k) => {
    const forms = [
      'movq mm0, rax; emms',
      'movq mm0, rax; paddb mm0, mm0; emms; fld1; fstp qword ptr [rdi + 64]',
      'fld1; fldpi; fldz; movq mm1, rax; movq rcx, mm1',
      'fld1; fldpi; movd ecx, mm0',
      'fld qword ptr [rdi]; fld qword ptr [rdi + 8]; pxor mm0, mm0',
      // An x87 instruction first: fnstenv right after fninit stores a null FCS, a case for the x87 tests.
      'fld1; fstp st(0); movq mm2, rax; fnstenv [rdi + 64]; fnstcw word ptr [rdi + 120]',
      'fldz; fstp st(0); movq mm2, rax; movq mm3, rbx; fnsave [rdi + 64]',
      'movq mm0, rax; fld1; fstp qword ptr [rdi + 64]',
      'fld1; fld1; fld1; fincstp; emms; fld qword ptr [rdi + 8]',
      'fld1; fld1; fld1; emms; fnstenv [rdi + 64]',
      'movq mm0, rax; emms; fld qword ptr [rdi + 8]; fld st(0)',
      'fld qword ptr [rdi]; movq mm0, rbx; fstp qword ptr [rdi + 64]',
      // MXCSR_MASK (image bytes 28..31) is the CPU's own: cleared after the save, as in the x87 tests.
      'movq mm1, rax; movq mm6, rbx; fxsave64 [rdi + 128]; mov dword ptr [rdi + 156], 0; emms; fxrstor64 [rdi + 128]; movq rcx, mm1; paddw mm6, mm1',
      'fld1; movq mm1, rax; fxsave [rdi + 128]; mov dword ptr [rdi + 156], 0; fninit; fxrstor [rdi + 128]; pmovmskb ecx, mm1',
    ];
    return snippet('x87', forms[k % forms.length], { a: R.below(2) ? val() : 0x3ff0000000000000n });
  })],
  ['faults leave MMX state as the CPU does', () => [
    snippet('fault', 'movq mm0, rax; xor esi, esi; movq mm1, qword ptr [rsi]'),
    snippet('fault', 'movq mm0, rax; xor esi, esi; paddb mm0, qword ptr [rsi + 8]'),
    snippet('fault', 'movq mm0, rax; xor esi, esi; movq qword ptr [rsi], mm0'),
    // At the end of the data region: the m32 and m16 forms read only their own bytes, the m64 ones fault.
    snippet('edge', 'movq mm0, rax; punpcklbw mm0, qword ptr [rdi + 0xfffc]; movq rcx, mm0'),
    snippet('edge', 'movq mm0, rax; punpckldq mm0, qword ptr [rdi + 0xfffc]; movq rcx, mm0'),
    snippet('edge', 'movq mm0, rax; punpckhbw mm0, qword ptr [rdi + 0xfffc]'),
    snippet('edge', 'movq mm0, rax; movd mm1, dword ptr [rdi + 0xfffc]; pinsrw mm0, word ptr [rdi + 0xfffe], 1; movq rcx, mm0; movq rdx, mm1'),
    snippet('edge', 'movq mm0, rax; movd dword ptr [rdi + 0xfffc], mm0'),
    snippet('edge', 'movq mm0, rax; paddb mm0, qword ptr [rdi + 0xfffc]'),
    snippet('edge', 'movq mm0, rax; movq qword ptr [rdi + 0xfffc], mm0'),
  ]],
];

// ---- every listed instruction from its encoding --------------------------------------------------
const decoder = new X86Decoder();
const formsOf = (o: Opcode): Form[] =>
  [...(o.registerForm ? ['register' as const] : []), ...(o.memoryForm ? ['memory' as const] : [])];
/** Where each case keeps the MXCSR it starts from: Ferry's snippet engine carries MXCSR from case to case. */
const MXCSR_AT = 248;
const MXCSR_DEFAULT = 0x1f80n;
/** Before the instruction: MMX state with every mm register loaded, or x87 state (TOP = 6, two registers valid). */
const PRELUDES: Array<[string, string]> = [
  ['after MMX loads', Array.from({ length: 8 }, (_, n) => `movq mm${n}, qword ptr [rdi + ${8 * n}]`).join('; ')],
  ['after fld', 'fld1; fld qword ptr [rdi + 8]'],
];

function encodedCase(o: Opcode, form: Form, prelude: [string, string]): SnippetCase {
  const data = new Uint8Array(256);
  for (let at = 0; at < 128; at += 8) put(data, at, val(), 8);
  put(data, MXCSR_AT, MXCSR_DEFAULT, 4);
  const insn = encode(o, form, R.below(256));
  const head = assemble(`ldmxcsr dword ptr [rdi + ${MXCSR_AT}]; ${prelude[1]}`, SNIPPET_LAYOUT.code);
  const xmm: Record<number, bigint> = {};
  for (let n = 0; n < 16; n++) xmm[n] = (val() << 64n) | val();
  return {
    name: `${o.mnemonic} (${o.extension} ${o.opcode}, ${form} form: ${decoder.textOf(insn, 0n)}) ${prelude[0]}`,
    code: Uint8Array.from([...head, ...insn]),
    initial: makeState({ rdi: DATA, rax: R.u64(), rcx: R.u64(), rdx: R.u64(), rbx: R.u64(), rbp: R.u64(), rsi: R.u64(), xmm, data }),
  };
}
const encodedCases = (list: Opcode[], repeat: number): SnippetCase[] =>
  list.flatMap((o) => formsOf(o).flatMap((form) => PRELUDES.flatMap((p) => many(repeat, () => encodedCase(o, form, p)))));

/** The failing cases with, first, which instructions and forms failed. */
function summarized(failures: string[]): string {
  if (!failures.length) return '';
  const which = [...new Set(failures.map((f) => f.slice(0, f.indexOf(')') + 1)))];
  return [`${which.length} instruction forms differ from the CPU: ${which.join('; ')}`, ...failures.slice(0, 12)].join('\n');
}

// ---- the MMX<->SSE conversions -------------------------------------------------------------------
const f32 = (x: number): bigint => { const v = new DataView(new ArrayBuffer(4)); v.setFloat32(0, x, true); return BigInt(v.getUint32(0, true)); };
const f64 = (x: number): bigint => { const v = new DataView(new ArrayBuffer(8)); v.setFloat64(0, x, true); return v.getBigUint64(0, true); };
// Ties, the int32 limits and just past them, infinities, quiet and signalling NaNs, denormals (for DAZ).
const F32_EDGES = [0n, 0x80000000n, ...[0.5, 1.5, 2.5, -0.5, -2.5, 0.49999997, 1, -1, 2147483520, 2147483648, -2147483648, -2147483904, 1e20, -1e-3].map(f32),
  0x7f800000n, 0xff800000n, 0x7fc00000n, 0xffc00001n, 0x7fa00000n, 0x00000001n, 0x807fffffn, 0x3f7fffffn];
const F64_EDGES = [0n, 1n << 63n, ...[0.5, 1.5, 2.5, -2.5, 2147483647, 2147483647.5, 2147483647.25, 2147483648, -2147483648, -2147483648.5,
  -2147483648.75, -2147483649, 0.49999999999999994, 1e300, -1e-300].map(f64),
  0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff4000000000000n, 1n, 0x800fffffffffffffn];
const I32_EDGES = [0n, 1n, 0x7fffffffn, 0x80000000n, 0x80000001n, 0xffffffffn, 0x01000001n, 0x00ffffffn, 0xfeffffffn, 0x7fffff80n, 0x7fffffc0n, 0x40000041n];
const lane = (edges: bigint[], bits: number): bigint => (R.below(3) ? R.pick(edges) : BigInt.asUintN(bits, R.u64()));
/** Any rounding mode, DAZ and FTZ either way, flags already raised or not; masked unless `unmask` clears IM or PM. */
function mxcsr(unmask = 0n): bigint {
  return (0x1f80n | (BigInt(R.below(4)) << 13n) | (R.below(2) ? 0x40n : 0n) | (R.below(2) ? 0x8000n : 0n) | (R.below(3) ? 0n : BigInt(R.below(64)))) & ~unmask;
}

function conversionCase(op: string, k: number): SnippetCase {
  const toFloat = op === 'cvtpi2ps' || op === 'cvtpi2pd';
  const double = op.includes('pd2');
  const pair = (edges: bigint[], bits: number): bigint => lane(edges, bits) | (lane(edges, bits) << BigInt(bits));
  const source = toFloat ? pair(I32_EDGES, 32) : double ? pair(F64_EDGES, 64) : pair(F32_EDGES, 32);
  // Every fifth case with IE or PE unmasked: the CPU raises #XM (SIGFPE) when that exception occurs.
  const control = k % 5 === 4 ? mxcsr(R.pick([0x80n, 0x1000n, 0x1080n])) : mxcsr();
  const start = `ldmxcsr dword ptr [rdi + ${MXCSR_AT}]; fld1`;
  const end = 'stmxcsr dword ptr [rdi + 64]';
  const forms = toFloat
    ? [`${start}; movq mm3, qword ptr [rdi]; ${op} xmm4, mm3; ${end}`, `${start}; ${op} xmm4, qword ptr [rdi]; ${end}`]
    : [`${start}; ${op} mm1, xmm5; ${end}`, `${start}; ${op} mm1, ${double ? 'xmmword' : 'qword'} ptr [rdi]; ${end}`,
      // The m128 of cvt(t)pd2pi must be 16-byte aligned; the m64 of cvt(t)ps2pi need not be.
      `${start}; ${op} mm1, ${double ? 'xmmword' : 'qword'} ptr [rdi + 8]; ${end}`];
  const xmm = { 4: (R.u64() << 64n) | R.u64(), 5: (double ? 0n : R.u64() << 64n) | source };
  return snippet(op, forms[k % forms.length], { a: source & M64, b: source >> 64n, xmm, mxcsr: control });
}

const CASE_GROUPS: Array<[string, () => SnippetCase[]]> = [
  ['every listed MMX, SSE and SSE2 instruction, register and memory forms, from its encoding', () => encodedCases(RUNNABLE, 3)],
  ['cvtpi2ps, cvtpi2pd, cvtps2pi, cvttps2pi, cvtpd2pi, cvttpd2pi under every MXCSR rounding mode, DAZ and mask', () =>
    CONVERSIONS.flatMap((op) => many(60, (k) => conversionCase(op, k)))],
];

beforeAll(async () => { await keystoneReady(); });

describe('MMX against the real CPU', () => {
  for (const [name, make] of GROUPS) {
    test(name, () => {
      const failures = compare(make());
      expect(failures.slice(0, 12).join('\n')).toBe('');
    });
  }
  for (const [name, make] of CASE_GROUPS) {
    test(name, () => { expect(summarized(compare(make()))).toBe(''); });
  }

  // SSSE3 is not in Ferry's CPUID: its mm forms must still run on the CPU, and Ferry must refuse them
  // with SIGILL rather than run something else (issue 11 lists the gap).
  test('SSSE3 mm forms: the CPU runs them, Ferry raises SIGILL', () => {
    const cases = encodedCases(OPCODES.filter((o) => o.extension === 'SSSE3'), 1);
    const native = runNative(cases), ferry = runFerry(cases);
    const problems = cases.flatMap((c, k) => {
      const out: string[] = [];
      if (native[k].kind !== 'state') out.push(`${c.name}: the CPU did not run it (${diffResults(native[k], { kind: 'signal', signal: 4 }).join('; ') || 'SIGILL'})`);
      if (ferry[k].kind !== 'signal' || (ferry[k] as { signal: number }).signal !== 4) out.push(`${c.name}: Ferry did not raise SIGILL`);
      return out;
    });
    expect(problems.join('\n')).toBe('');
  });
});

describe('the opcode map', () => {
  const capstoneName = (o: Opcode): string => CAPSTONE_NAME[o.opcode] ?? o.mnemonic;
  test('Capstone decodes every listed encoding to its mnemonic', () => {
    const problems = OPCODES.flatMap((o) => formsOf(o).flatMap((form) => {
      const bytes = encode(o, form, 5);
      const [insn] = decoder.decode(bytes, 0x1000n, 1);
      const ok = insn && insn.name === capstoneName(o) && insn.size === bytes.length;
      return ok ? [] : [`${o.opcode} (${o.instruction}, ${form} form): Capstone gives ${insn ? `${decoder.textOf(bytes, 0n)} (${insn.size} bytes)` : 'nothing'}`];
    }));
    expect(problems.join('\n')).toBe('');
  });

  test('every encoding Capstone decodes with an mm operand (0F, 0F 38, 0F 3A; any prefix) is listed, and every listed row is one', () => {
    const listed = new Map<string, Opcode>();
    const problems: string[] = [];
    for (const o of OPCODES) {
      for (const form of formsOf(o)) {
        const key = keyOf(o, form), other = listed.get(key);
        if (other) problems.push(`${key}: listed twice, as ${other.instruction} and ${o.instruction}`);
        else listed.set(key, o);
      }
    }
    /** Capstone's instruction at each encoding of the sweep that has an mm operand (or is emms). */
    const decoded = new Map<string, { name: string; text: string }>();
    for (const prefix of [[], [0x66], [0xf2], [0xf3], [0x48]]) {
      for (const map of [[0x0f], [0x0f, 0x38], [0x0f, 0x3a]]) {
        for (let op = 0; op < 256; op++) {
          const head = [...prefix, ...map, op];
          for (const form of ['register', 'memory'] as const) {
            const codes = Array.from({ length: 8 }, (_, reg) => Uint8Array.from([...head, ...modrmOf(form, reg), 5, 0, 0, 0, 0]));
            const insns = codes.map((code) => decoder.decode(code, 0x1000n, 1).at(0));
            // The reg field is part of the opcode (a /digit) where it selects the instruction, as in groups 12-14.
            const group = new Set(insns.map((insn) => insn?.name)).size > 1;
            insns.forEach((insn, reg) => {
              if (!insn || !(insn.name === 'emms' || insn.operands.some((x) => x.type === 'reg' && /^mm[0-7]$/.test(x.reg)))) return;
              // A prefix that leaves the instruction as it is without it (66 on emms, F2/F3 on the NP forms,
              // REX.W on all but 0F 6E/7E) is ignored, not part of the encoding: the unprefixed sweep has it.
              if (prefix.length && insn.text === decoder.decode(codes[reg].subarray(prefix.length), 0x1000n, 1).at(0)?.text) return;
              const modrm = insn.size > head.length;
              const immBytes = modrm ? insn.size - head.length - modrmOf(form, reg).length : 0;
              const key = encodingKey(head, modrm ? (group ? reg : 'r') : undefined, immBytes, form);
              if (!decoded.has(key)) decoded.set(key, { name: insn.name, text: insn.text });
            });
          }
        }
      }
    }
    for (const [key, { name, text }] of decoded) {
      const o = listed.get(key);
      if (!o) problems.push(`${key}: Capstone decodes ${text}, not listed`);
      else if (capstoneName(o) !== name) problems.push(`${key}: Capstone decodes ${text}, listed as ${o.instruction}`);
    }
    // Some forms of a listed row have no mm operand (the m64 source of cvtpi2ps); one form must have one.
    for (const o of OPCODES) {
      if (formsOf(o).some((form) => decoded.get(keyOf(o, form))?.name === capstoneName(o))) continue;
      const there = formsOf(o).map((form) => `${keyOf(o, form)}: ${decoder.textOf(encode(o, form, 5), 0n) || 'nothing'}`);
      problems.push(`${o.opcode} ${o.instruction}: listed, but Capstone decodes no ${capstoneName(o)} with an mm operand there (${there.join('; ')})`);
    }
    expect(problems.join('\n')).toBe('');
  });
});
