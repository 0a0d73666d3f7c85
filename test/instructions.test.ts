// Instruction tests against the real CPU: each case is an x86-64 snippet with initial registers,
// flags and memory, run natively and under Ferry; every GPR, flag, XMM register and byte must match.
import { keystoneReady } from './harness/keystone';
import { makeState, rng, SnippetCase } from './harness/native-runner';
import { compareWithCpu, snippetCases } from './harness/oracle';
import { SNIPPET_LAYOUT } from '../src/runtime/x86-state';

const R = rng(0x5eed);
const DATA = SNIPPET_LAYOUT.data;
type Width = 8 | 16 | 32 | 64;
const REGS: Record<Width, string[]> = {
  64: ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rbp'],
  32: ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'],
  16: ['ax', 'bx', 'cx', 'dx', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w'],
  8: ['al', 'bl', 'cl', 'dl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'ah', 'bh', 'ch', 'dh'],
};
const PTR: Record<Width, string> = { 64: 'qword', 32: 'dword', 16: 'word', 8: 'byte' };
const FULL: Record<string, string> = {};
for (const w of [64, 32, 16, 8] as Width[]) REGS[w].forEach((r, i) => { FULL[r] = REGS[64][i] ?? r; });
Object.assign(FULL, { ah: 'rax', bh: 'rbx', ch: 'rcx', dh: 'rdx', sil: 'rsi', dil: 'rdi', si: 'rsi', di: 'rdi' });

/** A random initial state: random GPRs (edge values often), random status flags, random data bytes. */
function randomState(extra: Record<string, bigint> = {}) {
  const init: Record<string, bigint> = {};
  for (const r of REGS[64]) init[r] = R.operand(64);
  init.rflags = BigInt(R.u32()) & 0x8d5n;
  return makeState({ ...(init as object), data: R.bytes(256), ...extra });
}

function cases(name: string, asm: string[], count: number, extra: () => Record<string, bigint> = () => ({})): SnippetCase[] {
  return snippetCases(name, asm, count, () => randomState(extra()));
}

const compare = compareWithCpu;

const mem = { rdi: () => ({ rdi: DATA + BigInt(R.below(128)) }) };
function pairs(op: string, widths: Width[] = [64, 32, 16, 8]): string[] {
  const out: string[] = [];
  for (const w of widths) {
    const rs = REGS[w];
    for (let k = 0; k < 6; k++) {
      const a = R.pick(rs), b = R.pick(rs);
      if ((a.endsWith('h') && /^(sil|dil|r\d+b)$/.test(b)) || (b.endsWith('h') && /^(sil|dil|r\d+b)$/.test(a))) continue;
      out.push(`${op} ${a}, ${b}`);
    }
    const imm = w === 8 ? R.below(256) - 128 : R.below(65536) - 32768;
    const dst = R.pick(rs.filter((r) => r !== 'rdi' && r !== 'edi' && r !== 'di' && r !== 'dil'));
    out.push(`${op} ${dst}, ${w === 16 || w === 8 ? imm : imm}`);
    out.push(`${op} ${PTR[w]} ptr [rdi], ${R.pick(rs.filter((r) => !/^(rdi|edi|di|dil)$/.test(r) && !r.endsWith('h')))}`);
    out.push(`${op} ${R.pick(rs.filter((r) => !/^(rdi|edi|di|dil)$/.test(r) && !r.endsWith('h')))}, ${PTR[w]} ptr [rdi + 8]`);
    out.push(`${op} ${PTR[w]} ptr [rdi], ${w === 8 ? 0x7f : 0x1234}`);
  }
  return out;
}

beforeAll(async () => { await keystoneReady(); });

const GROUPS: Array<[string, () => SnippetCase[]]> = [
  ['add/sub/adc/sbb/cmp', () => ['add', 'sub', 'adc', 'sbb', 'cmp'].flatMap((op) => cases(op, pairs(op), 40, mem.rdi))],
  ['and/or/xor/test', () => ['and', 'or', 'xor', 'test'].flatMap((op) => cases(op, pairs(op), 30, mem.rdi))],
  ['inc/dec/neg/not', () => ['inc', 'dec', 'neg', 'not'].flatMap((op) =>
    cases(op, [64, 32, 16, 8].flatMap((w) => [`${op} ${R.pick(REGS[w as Width])}`, `${op} ${PTR[w as Width]} ptr [rdi]`]), 24, mem.rdi))],
  ['mov forms', () => cases('mov', ['mov rax, rbx', 'mov eax, ebx', 'mov ax, bx', 'mov al, bl', 'mov ah, bl', 'mov bh, ch',
    'mov rax, qword ptr [rdi + 8]', 'mov dword ptr [rdi + 3], ecx', 'mov word ptr [rdi], 0x1234', 'mov byte ptr [rdi + 1], -1',
    'movabs rax, 0x123456789abcdef0', 'mov eax, -1', 'movzx eax, bl', 'movzx rax, word ptr [rdi]', 'movsx rax, bl', 'movsx ecx, word ptr [rdi]',
    'movsxd rax, ecx', 'movsxd rax, dword ptr [rdi + 4]', 'lea rax, [rbx + rcx*4 + 12]', 'lea eax, [rbx + rcx*8 - 7]', 'lea ax, [rbx + 1]',
    'xchg rax, rbx', 'xchg ecx, edx', 'xchg qword ptr [rdi], rsi', 'cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo',
    'bswap eax', 'bswap rbx', 'movbe eax, dword ptr [rdi]', 'movbe qword ptr [rdi], rcx'], 70, mem.rdi)],
  ['push/pop/call/ret/leave', () => cases('stack', ['push rax; pop rbx', 'push 0x1234; pop rcx', 'push -5; pop rdx',
    'push qword ptr [rdi]; pop rax', 'push rbp; mov rbp, rsp; sub rsp, 32; mov qword ptr [rbp - 8], rax; leave',
    'call L1; L1: pop rax', 'lea rax, [rip + L2]; push rax; ret; L2: nop', 'push rax; push rbx; pop rcx; pop rdx',
    'pushfq; pop rax', 'push rbx; popfq'], 30, () => ({ rdi: DATA, rbx: BigInt(R.u32()) & 0xcd5n }))],
  ['shifts', () => ['shl', 'shr', 'sar'].flatMap((op) => cases(op, [64, 32, 16, 8].flatMap((w) => {
    const r = R.pick(REGS[w as Width].filter((x) => !/^(cl|ecx|rcx|cx|ch)$/.test(x)));
    return [`${op} ${r}, 1`, `${op} ${r}, ${1 + R.below(w as number - 1)}`, `${op} ${r}, cl`, `${op} ${PTR[w as Width]} ptr [rdi], cl`];
  }), 48, () => ({ ...mem.rdi(), rcx: BigInt(R.below(70)) })))],
  ['rotates', () => ['rol', 'ror'].flatMap((op) => cases(op, [64, 32, 16, 8].flatMap((w) => {
    const r = R.pick(REGS[w as Width].filter((x) => !/^(cl|ecx|rcx|cx|ch)$/.test(x)));
    return [`${op} ${r}, 1`, `${op} ${r}, ${1 + R.below(w as number - 1)}`, `${op} ${r}, cl`];
  }), 36, () => ({ rcx: BigInt(R.below(70)) })))],
  ['mul/imul', () => cases('mul', ['mul rbx', 'mul ecx', 'mul si', 'mul bl', 'imul rbx', 'imul ecx', 'imul si', 'imul bl',
    'imul rax, rbx', 'imul ecx, edx', 'imul si, di', 'imul rax, rbx, 12345', 'imul ecx, dword ptr [rdi], -3', 'imul rax, qword ptr [rdi]'], 84, mem.rdi)],
  ['div/idiv', () => cases('div', ['div rbx', 'div ecx', 'div si', 'div bl', 'idiv rbx', 'idiv ecx', 'idiv si', 'idiv bl'], 80,
    () => ({ rdx: BigInt(R.below(3)), rbx: BigInt(1 + R.below(1000)), rcx: BigInt((R.u32() | 1) >>> 0), rsi: BigInt(1 + R.below(200)) }))],
  ['setcc/cmovcc/jcc', () => {
    const conds = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
    return cases('cc', conds.flatMap((c) => [`cmp rax, rbx; set${c} cl`, `test eax, ebx; cmov${c} rcx, rdx`, `sub ax, bx; cmov${c} ecx, edx`,
      `add al, bl; j${c} L${c}; mov ecx, 1; L${c}: nop`]), 128);
  }],
  ['bit ops', () => cases('bits', ['bt rax, rbx', 'bts ecx, edx', 'btr rax, 13', 'btc eax, 31', 'bt qword ptr [rdi], rbx', 'bts dword ptr [rdi], 7',
    'bsf rax, rbx', 'bsr ecx, edx', 'tzcnt rax, rbx', 'lzcnt ecx, edx', 'popcnt rax, rbx', 'popcnt ecx, edx', 'bsf rax, rcx'], 52,
    () => ({ rdi: DATA + 64n, rbx: BigInt(R.below(3)) === 0n ? 0n : R.operand(64), rcx: 0n }))],
  ['xadd/cmpxchg', () => cases('atomic', ['xadd rax, rbx', 'lock xadd qword ptr [rdi], rcx', 'cmpxchg rbx, rcx', 'lock cmpxchg dword ptr [rdi], ecx',
    'cmpxchg byte ptr [rdi], dl', 'mov rax, qword ptr [rdi]; lock cmpxchg qword ptr [rdi], rsi'], 36, mem.rdi)],
  ['flag instructions', () => cases('flags', ['clc', 'stc', 'cmc', 'cld', 'std', 'lahf', 'sahf', 'add rax, rbx; lahf'], 24)],
  ['string ops', () => cases('string', ['rep movsb', 'rep stosb', 'rep stosq', 'rep movsq', 'rep movsw', 'rep stosd', 'movsq', 'movsb', 'stosd',
    'stosb', 'movsb; movsb; movsb', 'lodsb', 'repe cmpsb', 'repne scasb', 'std; rep movsb; cld', 'std; movsq; stosw; cld'], 96,
    () => ({ rsi: DATA + 640n + BigInt(R.below(64)), rdi: DATA + 1536n + BigInt(R.below(64)),
      rcx: R.below(4) === 0 ? BigInt(60 + R.below(80)) : BigInt(R.below(20)) }))],
  ['rcl/rcr/shld/shrd', () => cases('dshift', ['rcl rax, 1', 'rcl ebx, cl', 'rcr dx, cl', 'rcr bl, 3', 'rcl byte ptr [rdi], cl', 'rcr qword ptr [rdi], 1',
    'shld rax, rbx, 7', 'shld ecx, edx, cl', 'shrd rax, rbx, 63', 'shrd si, di, 5', 'shld qword ptr [rdi], rdx, cl', 'shrd esi, edi, cl'], 96,
    () => ({ ...mem.rdi(), rcx: BigInt(R.below(70)) }))],
  ['div 128/64 and overflow', () => cases('div64', ['div rbx', 'idiv rbx', 'div rcx', 'idiv rcx'], 60,
    () => ({ rdx: R.below(2) ? BigInt(R.below(5)) : R.operand(64), rbx: BigInt(R.below(3)) === 0n ? R.operand(64) : BigInt(1 + R.below(100)), rcx: R.operand(64) | 1n }))],
  ['cmpxchg8b', () => cases('cx8', ['lock cmpxchg8b qword ptr [rdi]', 'mov eax, dword ptr [rdi]; mov edx, dword ptr [rdi + 4]; lock cmpxchg8b qword ptr [rdi]'], 10,
    () => ({ rdi: DATA + 8n * BigInt(R.below(8)) }))],
  ['cmpxchg16b', () => cases('cx16', ['lock cmpxchg16b xmmword ptr [rdi]', 'mov rax, qword ptr [rdi]; mov rdx, qword ptr [rdi + 8]; lock cmpxchg16b xmmword ptr [rdi]'], 10,
    () => ({ rdi: DATA + 16n * BigInt(R.below(8)) }))],
  ['faults', () => cases('fault', ['ud2', 'int3', 'mov rax, qword ptr [0]', 'xor ebx, ebx; div rbx', 'mov ecx, 0; div ecx'], 5)],
];

describe('instructions against the real CPU', () => {
  for (const [name, make] of GROUPS) {
    test(name, () => {
      const failures = compare(make());
      expect(failures.slice(0, 15).join('\n')).toBe('');
    });
  }
});
