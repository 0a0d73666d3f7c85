// MMX instruction tests against the real CPU: each snippet sets up mm registers from GPRs or memory,
// runs the instruction, moves results out to GPRs and memory, and the final GPRs, flags, XMM,
// memory and x87 registers (FCW, FSW with TOP, abridged tags, every non-empty register, so the
// sign/exponent bits 64-79 an MMX write sets too) must match bit for bit. Operands are random and
// lane-wise edge values (0, -1, the signed and unsigned saturation limits, ...).
import { assemble, keystoneReady } from './harness/keystone';
import { makeState, rng, SnippetCase } from './harness/native-runner';
import { compareWithCpu } from './harness/oracle';
import { LANE_ARITH, SHIFTS } from '../src/runtime/mmx';
import { SNIPPET_LAYOUT } from '../src/runtime/x86-state';

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

interface Operands { a?: bigint; b?: bigint; c?: bigint; d?: bigint; xmm?: Record<number, bigint> }
function snippet(name: string, asm: string, ops: Operands = {}): SnippetCase {
  const a = ops.a ?? val(), b = ops.b ?? val(), c = ops.c ?? val(), d = ops.d ?? val();
  const data = new Uint8Array(256);
  put(data, 0, a, 8); put(data, 8, b, 8); put(data, 16, c, 8); put(data, 24, d, 8);
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

// Every lane-wise instruction and shift the interpreter implements.
const ARITH = LANE_ARITH;

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

beforeAll(async () => { await keystoneReady(); });

describe('MMX against the real CPU', () => {
  for (const [name, make] of GROUPS) {
    test(name, () => {
      const failures = compare(make());
      expect(failures.slice(0, 12).join('\n')).toBe('');
    });
  }
});
