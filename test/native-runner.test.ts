// Tests of the instruction-test oracle itself: Keystone assembly, the native snippet runner
// (registers, flags, memory, XMM, signals, speed) and the state differ.
import { RFLAGS, RFLAGS_COMPARED, SNIPPET_LAYOUT, X86State } from '../src/runtime/x86-state';
import { assemble, keystoneReady } from './harness/keystone';
import {
  DEFAULT_RSP, EDGE_VALUES, makeState, regionAt, rng, runNative, SnippetCase, SnippetResult, xmmFromBigInt, xmmToBigInt,
} from './harness/native-runner';
import { diffResults, diffStates } from './harness/state-diff';

const MASK64 = (1n << 64n) - 1n;
const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RSI = 6, RDI = 7;

beforeAll(async () => {
  await keystoneReady();
});

function snippet(name: string, asm: string, initial: X86State): SnippetCase {
  return { name, code: assemble(asm, SNIPPET_LAYOUT.code), initial };
}

function finalState(result: SnippetResult): X86State {
  if (result.kind !== 'state') throw new Error(`expected a final state, got signal ${result.signal}`);
  return result.state;
}

function parityFlag(value: bigint): bigint {
  let ones = 0;
  for (let bit = 0n; bit < 8n; bit++) if ((value >> bit) & 1n) ones++;
  return ones % 2 === 0 ? RFLAGS.PF : 0n;
}

/** The flags of a 64-bit add, from the definitions in the Intel manual. */
function addFlags(a: bigint, b: bigint): { result: bigint; flags: bigint } {
  const sum = a + b;
  const result = sum & MASK64;
  const sign = (value: bigint): bigint => (value >> 63n) & 1n;
  let flags = parityFlag(result & 0xffn);
  if (sum > MASK64) flags |= RFLAGS.CF;
  if (((a ^ b ^ result) & 0x10n) !== 0n) flags |= RFLAGS.AF;
  if (result === 0n) flags |= RFLAGS.ZF;
  if (sign(result)) flags |= RFLAGS.SF;
  if (sign(a) === sign(b) && sign(result) !== sign(a)) flags |= RFLAGS.OF;
  return { result, flags };
}

function littleEndian64(value: bigint): number[] {
  return Array.from({ length: 8 }, (_, index) => Number((value >> BigInt(8 * index)) & 0xffn));
}

describe('keystone', () => {
  it('assembles Intel syntax with decimal displacements', () => {
    expect(Array.from(assemble('add rax, rbx'))).toEqual([0x48, 0x01, 0xd8]);
    expect(Array.from(assemble('mov rax, [rsp+16]'))).toEqual([0x48, 0x8b, 0x44, 0x24, 0x10]);
    expect(Array.from(assemble('nop; nop\nret'))).toEqual([0x90, 0x90, 0xc3]);
  });

  it('assembles relative jumps for the given address', () => {
    expect(Array.from(assemble('jmp 0x10000010', 0x1000_0000n))).toEqual([0xeb, 0x0e]);
  });

  it('reports the text it could not assemble', () => {
    expect(() => assemble('frobnicate rax')).toThrow(/frobnicate rax.*mnemonic/i);
  });
});

describe('runNative', () => {
  it('adds two registers and sets the arithmetic flags like the manual says', () => {
    const pairs: Array<[bigint, bigint]> = [
      [1n, 2n], [MASK64, 1n], [0x7fffffffffffffffn, 1n], [0x8000000000000000n, 0x8000000000000000n],
      [0x0fn, 0x01n], [0n, 0n], [0x1234567890abcdefn, 0xfedcba0987654321n],
    ];
    const cases = pairs.map(([a, b]) => snippet(`add ${a} ${b}`, 'add rax, rbx', makeState({ rax: a, rbx: b, rcx: 0x5555n })));
    const results = runNative(cases);
    results.forEach((result, index) => {
      const [a, b] = pairs[index];
      const { result: sum, flags } = addFlags(a, b);
      const state = finalState(result);
      const expected = makeState({ rax: sum, rbx: b, rcx: 0x5555n, rflags: flags });
      expect({ pair: [a, b], diff: diffStates(expected, state) }).toEqual({ pair: [a, b], diff: [] });
    });
  });

  it('loads the initial flags (adc sees CF, cld sees DF)', () => {
    const [adc, cld] = runNative([
      snippet('adc', 'adc rax, rbx', makeState({ rax: 10n, rbx: 20n, rflags: RFLAGS.CF })),
      snippet('cld', 'cld', makeState({ rflags: RFLAGS.DF | RFLAGS.ZF })),
    ]);
    expect(finalState(adc).gpr[RAX]).toBe(31n);
    expect(finalState(cld).rflags).toBe(RFLAGS.ZF);
  });

  it('shows DF set by std in the returned rflags', () => {
    const [result] = runNative([snippet('std', 'std', makeState())]);
    expect(finalState(result).rflags).toBe(RFLAGS.DF);
  });

  it('round-trips all 16 GPRs and XMM registers through a nop', () => {
    const random = rng(7);
    const init: Parameters<typeof makeState>[0] = { xmm: {} };
    for (const name of ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const) {
      init[name] = random.u64();
    }
    for (let index = 0; index < 16; index++) init.xmm![index] = random.bytes(16);
    const initial = makeState(init);
    const [result] = runNative([snippet('nop', 'nop', initial)]);
    expect(diffStates(initial, finalState(result))).toEqual([]);
  });

  it('stores to the data region and changes exactly those bytes', () => {
    const random = rng(11);
    const data = random.bytes(0x200);
    const value = 0x1122334455667788n;
    const initial = makeState({ rdi: SNIPPET_LAYOUT.data + 0x40n, rsi: value, data });
    const [result] = runNative([snippet('store', 'mov qword ptr [rdi], rsi', initial)]);
    const state = finalState(result);
    const expectedData = new Uint8Array(SNIPPET_LAYOUT.dataSize);
    expectedData.set(data);
    expectedData.set(littleEndian64(value), 0x40);
    expect(Buffer.from(regionAt(state, SNIPPET_LAYOUT.data).bytes).equals(Buffer.from(expectedData))).toBe(true);
    expect(diffStates(initial, state)).toEqual([
      `memory 0x20000040..0x20000047 (8 bytes): expected ${Array.from(data.subarray(0x40, 0x48), (b) => b.toString(16).padStart(2, '0')).join(' ')}, ` +
        'actual 88 77 66 55 44 33 22 11',
    ]);
  });

  it('reads initial memory given as a partial region', () => {
    const initial = makeState({ rsi: SNIPPET_LAYOUT.data + 0x1008n });
    initial.memory = [{ address: SNIPPET_LAYOUT.data + 0x1000n, bytes: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde]) }];
    const [result] = runNative([snippet('load', 'mov eax, dword ptr [rsi]', initial)]);
    const state = finalState(result);
    expect(state.gpr[RAX]).toBe(0xdeadbeefn);
    expect(regionAt(state, SNIPPET_LAYOUT.data).bytes.length).toBe(SNIPPET_LAYOUT.dataSize);
    expect(regionAt(state, SNIPPET_LAYOUT.data).bytes[0x100b]).toBe(0xde);
  });

  it('starts every case from its own memory, whatever earlier cases stored', () => {
    const data = SNIPPET_LAYOUT.data;
    const results = runNative([
      snippet('store', 'mov qword ptr [rdi], rsi', makeState({ rdi: data + 0x40n, rsi: MASK64 })),
      snippet('load after store', 'mov rax, qword ptr [rdi]', makeState({ rdi: data + 0x40n, rax: 1n })),
      // A 12 KiB store spans three 4 KiB blocks; the middle one must be cleared too.
      snippet('fill', 'rep stosb', makeState({ rdi: data + 0x800n, rcx: 0x3000n, rax: 0x5an })),
      snippet('load after fill', 'mov rax, qword ptr [rdi]', makeState({ rdi: data + 0x2000n, rax: 1n })),
      snippet('store then fault', 'mov qword ptr [rdi], rsi; ud2', makeState({ rdi: data + 0x9000n, rsi: 7n })),
      snippet('load after fault', 'mov rax, qword ptr [rdi]', makeState({ rdi: data + 0x9000n, rax: 1n })),
      snippet('push', 'push rsi', makeState({ rsi: 9n })),
      snippet('load after push', 'mov rax, qword ptr [rsp - 8]', makeState({ rax: 1n })),
    ]);
    expect(finalState(results[0]).memory.length).toBe(2);
    // The fault reports the state at ud2 (offset 3), with the store before it done.
    const fault = results[4];
    expect(fault.kind === 'signal' && [fault.signal, fault.rip, fault.state && regionAt(fault.state, data).bytes[0x9000]]).toEqual([4, 3n, 7]);
    for (const index of [1, 3, 5, 7]) expect([results[index - 1].kind, finalState(results[index]).gpr[RAX]]).toEqual([results[index - 1].kind, 0n]);
    const filled = regionAt(finalState(results[2]), data).bytes;
    expect([filled[0x7ff], filled[0x800], filled[0x37ff], filled[0x3800]]).toEqual([0, 0x5a, 0x5a, 0]);
  });

  it('uses the stack region for push and pop', () => {
    const initial = makeState({ rax: 0xaaaaaaaa00000001n, rbx: 0xbbbbbbbb00000002n });
    const [result] = runNative([snippet('push-pop', 'push rax; push rbx; pop rcx', initial)]);
    const state = finalState(result);
    expect(state.gpr[RCX]).toBe(0xbbbbbbbb00000002n);
    expect(state.gpr[RSP]).toBe(DEFAULT_RSP - 8n);
    const stack = regionAt(state, SNIPPET_LAYOUT.stack).bytes;
    const offset = Number(DEFAULT_RSP - SNIPPET_LAYOUT.stack);
    expect(Array.from(stack.subarray(offset - 8, offset))).toEqual(littleEndian64(0xaaaaaaaa00000001n));
    expect(Array.from(stack.subarray(offset - 16, offset - 8))).toEqual(littleEndian64(0xbbbbbbbb00000002n));
    expect(diffStates(initial, state)).toHaveLength(3); // rcx, rsp and one stack range
  });

  it('reports signals per case and carries on with the next case', () => {
    const results = runNative([
      snippet('div by zero', 'xor edx, edx; div rcx', makeState({ rax: 5n, rcx: 0n })),
      snippet('after div', 'add rax, 1', makeState({ rax: 41n })),
      snippet('ud2 with DF set', 'std; ud2', makeState()),
      snippet('after ud2', 'nop', makeState()),
      snippet('bad load', 'mov rax, qword ptr [rax]', makeState({ rax: 0x8n })),
      snippet('int3', 'int3', makeState()),
      { name: 'endless loop', code: Uint8Array.from([0xeb, 0xfe]), initial: makeState() },
      snippet('last', 'inc rbx', makeState({ rbx: 1n })),
    ], { timeoutMs: 200 });
    expect(results.map((result) => (result.kind === 'signal' ? result.signal : 'state'))).toEqual([8, 'state', 4, 'state', 11, 5, 14, 'state']);
    expect(finalState(results[1]).gpr[RAX]).toBe(42n);
    expect(finalState(results[3]).rflags).toBe(0n); // DF from the faulting case does not leak
    expect(finalState(results[7]).gpr[RBX]).toBe(2n);
    // Where each signal stopped, as the kernel reports it: at div, ud2 and the load; after int3.
    const at = (result: SnippetResult) => (result.kind === 'signal' ? [result.rip, result.state?.gpr[RAX], Number((result.state?.rflags ?? 0n) & RFLAGS.DF)] : []);
    expect([0, 2, 4, 5].map((index) => at(results[index]))).toEqual([[2n, 5n, 0], [1n, 0n, Number(RFLAGS.DF)], [0n, 8n, 0], [1n, 0n, 0]]);
  });

  it('adds packed quadwords (paddq xmm0, xmm1) and keeps the other XMM registers', () => {
    const a = (0xffffffffffffffffn << 64n) | 0x0000000100000002n;
    const b = (0x0000000000000002n << 64n) | 0x7fffffffffffffffn;
    const initial = makeState({ xmm: { 0: a, 1: b, 15: xmmFromBigInt(0x1234n) } });
    const [result] = runNative([snippet('paddq', 'paddq xmm0, xmm1', initial)]);
    const state = finalState(result);
    const low = ((a & MASK64) + (b & MASK64)) & MASK64;
    const high = ((a >> 64n) + (b >> 64n)) & MASK64;
    expect(xmmToBigInt(state.xmm[0]).toString(16)).toBe(((high << 64n) | low).toString(16));
    expect(xmmToBigInt(state.xmm[1])).toBe(b);
    expect(xmmToBigInt(state.xmm[15])).toBe(0x1234n);
  });

  it('runs 2000 random xor cases quickly', () => {
    const random = rng(2024);
    const inputs = Array.from({ length: 2000 }, () => [random.operand(64), random.operand(64)] as const);
    const cases = inputs.map(([a, b], index) => snippet(`xor ${index}`, 'xor rax, rbx', makeState({ rax: a, rbx: b, rflags: random.u64() & RFLAGS_COMPARED & ~RFLAGS.DF })));
    const started = performance.now();
    const results = runNative(cases);
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThan(3000);
    results.forEach((result, index) => {
      const [a, b] = inputs[index];
      const value = a ^ b;
      const state = finalState(result);
      let flags = parityFlag(value & 0xffn);
      if (value === 0n) flags |= RFLAGS.ZF;
      if (value >> 63n) flags |= RFLAGS.SF;
      // AF is undefined after xor, so it is left out of the comparison.
      if (state.gpr[RAX] !== value || (state.rflags & ~RFLAGS.AF) !== flags) {
        throw new Error(`xor ${a.toString(16)} ^ ${b.toString(16)}: got rax ${state.gpr[RAX].toString(16)} flags ${state.rflags.toString(16)}`);
      }
    });
  });

  it('rejects bad cases with a clear message', () => {
    expect(() => runNative([{ name: 'too long', code: new Uint8Array(5000), initial: makeState() }])).toThrow(/"too long".*5000 bytes/);
    const outside = makeState();
    outside.memory.push({ address: 0x4000_0000n, bytes: new Uint8Array(4) });
    expect(() => runNative([{ name: 'outside', code: new Uint8Array(0), initial: outside }])).toThrow(/"outside".*0x40000000.*outside the data and stack/);
    const negative = makeState();
    negative.gpr[RDX] = -1n;
    expect(() => runNative([{ name: 'negative', code: new Uint8Array(0), initial: negative }])).toThrow(/rdx must be an unsigned 64-bit/);
  });
});

describe('helpers', () => {
  it('makeState fills the defaults', () => {
    const state = makeState({ rdi: 5n });
    expect(state.gpr[RDI]).toBe(5n);
    expect(state.gpr[RSP]).toBe(SNIPPET_LAYOUT.stack + BigInt(SNIPPET_LAYOUT.stackSize) - 0x1000n);
    expect(state.gpr.filter((value) => value !== 0n)).toHaveLength(2);
    expect(state.rflags).toBe(0n);
    expect(state.xmm.every((bytes) => bytes.length === 16 && bytes.every((byte) => byte === 0))).toBe(true);
    expect(state.memory).toEqual([]); // omitted regions are zeros
    const withStack = makeState({ stack: Uint8Array.from([1, 2]) });
    expect(withStack.memory.map((region) => [region.address, region.bytes.length])).toEqual([[SNIPPET_LAYOUT.stack, SNIPPET_LAYOUT.stackSize]]);
    expect(Array.from(withStack.memory[0].bytes.subarray(0, 3))).toEqual([1, 2, 0]);
    expect(() => makeState({ data: new Uint8Array(SNIPPET_LAYOUT.dataSize + 1) })).toThrow(/data contents are 65537 bytes/);
  });

  it('rng is deterministic per seed and edge values fit their width', () => {
    const first = rng(1), again = rng(1), other = rng(2);
    const sequence = Array.from({ length: 5 }, () => first.u64());
    expect(Array.from({ length: 5 }, () => again.u64())).toEqual(sequence);
    expect(Array.from({ length: 5 }, () => other.u64())).not.toEqual(sequence);
    expect(new Set(sequence).size).toBe(5);
    for (const width of [8, 16, 32, 64] as const) {
      const max = (1n << BigInt(width)) - 1n;
      expect(EDGE_VALUES[width]).toEqual(expect.arrayContaining([0n, 1n, max, 1n << BigInt(width - 1), (1n << BigInt(width - 1)) - 1n]));
      expect(EDGE_VALUES[width].every((value) => value >= 0n && value <= max)).toBe(true);
    }
    expect(['a', 'b', 'c']).toContain(first.pick(['a', 'b', 'c']));
  });
});

describe('diffStates', () => {
  it('is empty for equal states and ignores flags outside the compared set', () => {
    const a = makeState({ rax: 1n, rflags: RFLAGS.CF });
    const b = makeState({ rax: 1n, rflags: RFLAGS.CF | 0x202n });
    expect(diffStates(a, b)).toEqual([]);
  });

  it('names every differing register, flag, XMM register and memory range', () => {
    const expected = makeState({ rbx: 0x10n, rflags: RFLAGS.CF | RFLAGS.ZF, xmm: { 3: 1n } });
    const stack = new Uint8Array(0x11);
    stack[0x10] = 0xab;
    const actual = makeState({ rbx: 0x11n, rflags: RFLAGS.ZF | RFLAGS.OF, xmm: { 3: 2n }, stack });
    expect(diffStates(expected, actual)).toEqual([
      'rbx: expected 0x0000000000000010, actual 0x0000000000000011',
      'rflags: expected 0x41 [CF ZF], actual 0x840 [ZF OF] (CF OF differ)',
      'xmm3: expected 0x00000000000000000000000000000001, actual 0x00000000000000000000000000000002',
      'memory 0x30000010..0x30000010 (1 bytes): expected 00, actual ab',
    ]);
  });

  it('treats memory a state does not cover as zero', () => {
    const full = makeState();
    const sparse = makeState();
    sparse.memory = [{ address: SNIPPET_LAYOUT.data + 4n, bytes: Uint8Array.from([0, 7]) }];
    expect(diffStates(full, sparse)).toEqual(['memory 0x20000005..0x20000005 (1 bytes): expected 00, actual 07']);
  });

  it('compares results of different kinds', () => {
    const state: SnippetResult = { kind: 'state', state: makeState() };
    expect(diffResults({ kind: 'signal', signal: 8 }, { kind: 'signal', signal: 8 })).toEqual([]);
    expect(diffResults({ kind: 'signal', signal: 8 }, { kind: 'signal', signal: 11 })).toEqual(['expected signal 8 (SIGFPE), actual signal 11 (SIGSEGV)']);
    expect(diffResults({ kind: 'signal', signal: 4 }, state)).toEqual(['expected signal 4 (SIGILL), actual a final state (no signal)']);
  });
});
