// CPUID under Ferry: it advertises what Ferry implements and nothing else (never AVX or AVX-512),
// and every advertised instruction set runs a representative instruction without SIGILL.
import { assemble, keystoneReady } from './harness/keystone';
import { makeState, SnippetCase } from './harness/native-runner';
import { runFerry } from './harness/ferry-snippet';
import { SNIPPET_LAYOUT } from '../src/runtime/x86-state';

beforeAll(async () => { await keystoneReady(); });

function cpuid(leaf: number): bigint[] {
  const c: SnippetCase = { name: 'cpuid', code: assemble('cpuid', SNIPPET_LAYOUT.code), initial: makeState({ rax: BigInt(leaf), rcx: 0n }) };
  const r = runFerry([c])[0];
  if (r.kind !== 'state') throw new Error('cpuid raised a signal');
  const [rax, rcx, rdx, rbx] = r.state.gpr;
  return [rax, rbx, rcx, rdx];
}
const bit = (v: bigint, n: number) => Number((v >> BigInt(n)) & 1n);

test('leaf 1 advertises the x86-64 baseline (FPU, TSC, CX8, CMOV, MMX, FXSR, SSE, SSE2) plus CX16, POPCNT, MOVBE, and no AVX, SSE3+', () => {
  const [, , ecx, edx] = cpuid(1);
  expect({ tsc: bit(edx, 4), cmov: bit(edx, 15), sse: bit(edx, 25), sse2: bit(edx, 26) }).toEqual({ tsc: 1, cmov: 1, sse: 1, sse2: 1 });
  expect({ fpu: bit(edx, 0), cx8: bit(edx, 8), mmx: bit(edx, 23), fxsr: bit(edx, 24) }).toEqual({ fpu: 1, cx8: 1, mmx: 1, fxsr: 1 });
  expect({ cx16: bit(ecx, 13), movbe: bit(ecx, 22), popcnt: bit(ecx, 23) }).toEqual({ cx16: 1, movbe: 1, popcnt: 1 });
  expect({ sse3: bit(ecx, 0), ssse3: bit(ecx, 9), sse41: bit(ecx, 19), sse42: bit(ecx, 20), xsave: bit(ecx, 26), avx: bit(ecx, 28) })
    .toEqual({ sse3: 0, ssse3: 0, sse41: 0, sse42: 0, xsave: 0, avx: 0 });
});

test('leaf 7 advertises ERMS and FSRM (rep movsb/stosb) and no AVX2, BMI or AVX-512', () => {
  const [, ebx, ecx, edx] = cpuid(7);
  expect({ erms: bit(ebx, 9), fsrm: bit(edx, 4) }).toEqual({ erms: 1, fsrm: 1 });
  const avx512Ebx = [16, 17, 21, 26, 27, 28, 30, 31];
  expect({ bmi1: bit(ebx, 3), avx2: bit(ebx, 5), bmi2: bit(ebx, 8), avx512: avx512Ebx.map((b) => bit(ebx, b)).join('') })
    .toEqual({ bmi1: 0, avx2: 0, bmi2: 0, avx512: '00000000' });
  expect(ecx).toBe(0n);
  expect(edx & ~(1n << 4n)).toBe(0n);
});

test('the vendor string is AuthenticAMD (glibc reads features only for known vendors)', () => {
  const [max, ebx, ecx, edx] = cpuid(0);
  const text = Buffer.alloc(12);
  text.writeUInt32LE(Number(ebx), 0); text.writeUInt32LE(Number(edx), 4); text.writeUInt32LE(Number(ecx), 8);
  expect(text.toString('latin1')).toBe('AuthenticAMD');
  expect(max).toBeGreaterThanOrEqual(7n);
});

test('every advertised feature runs a representative instruction', () => {
  const snippets = ['cmovne rax, rbx', 'rdtsc', 'rep movsb', 'rep stosb', 'lock cmpxchg8b qword ptr [rdi]',
    'fld1; fstp st(0)', 'movq mm0, rax; emms', 'fxsave64 [rdi]; fxrstor64 [rdi]', 'movaps xmm0, xmm1', 'paddq xmm0, xmm1', 'lock cmpxchg16b xmmword ptr [rdi]',
    'popcnt rax, rbx', 'movbe eax, dword ptr [rdi]', 'lzcnt rax, rbx'];
  const results = runFerry(snippets.map((asm) => ({ name: asm, code: assemble(asm, SNIPPET_LAYOUT.code),
    initial: makeState({ rdi: SNIPPET_LAYOUT.data + 0x200n, rsi: SNIPPET_LAYOUT.data + 0x100n, rcx: 16n }) })));
  expect(results.map((r, k) => `${snippets[k]}: ${r.kind}`)).toEqual(snippets.map((s) => `${s}: state`));
});

test('cache leaves describe a plausible cache hierarchy (glibc sizes memcpy strategies by them)', () => {
  const [, , l1] = cpuid(0x80000005);
  const [, , l2, l3] = cpuid(0x80000006);
  expect({ l1dKiB: Number(l1 >> 24n), line: Number(l1 & 0xffn) }).toEqual({ l1dKiB: 32, line: 64 });
  expect({ l2KiB: Number(l2 >> 16n), l3MiB: Number(l3 >> 18n) / 2 }).toEqual({ l2KiB: 512, l3MiB: 16 });
});
