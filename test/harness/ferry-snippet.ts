// Runs instruction-test snippets under Ferry: one engine, the same fixed layout as the native
// runner, every GPR, RFLAGS, XMM, x87 register, MXCSR and the data and stack regions read back
// (at the end, or where the engine stopped with a signal).
import { Engine } from '../../src/runtime/engine';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory/guest-memory';
import { RFLAGS_COMPARED, SNIPPET_LAYOUT, X86State } from '../../src/runtime/x86-state';
import { INITIAL_MXCSR, SnippetCase, SnippetResult } from './native-runner';
import { toBytes80 } from '../../src/runtime/x87/softfloat';

let engine: Engine | undefined;

function setup(): Engine {
  if (engine) return engine;
  const e = new Engine();
  e.memory.map(SNIPPET_LAYOUT.code, 0x1000, PROT_READ | PROT_EXEC);
  e.memory.map(SNIPPET_LAYOUT.data, SNIPPET_LAYOUT.dataSize, PROT_READ | PROT_WRITE);
  e.memory.map(SNIPPET_LAYOUT.stack, SNIPPET_LAYOUT.stackSize, PROT_READ | PROT_WRITE);
  e.setKernel({ syscall: () => { throw new Error('snippets make no syscalls'); } });
  engine = e;
  return e;
}

export function runFerry(cases: SnippetCase[]): SnippetResult[] {
  const e = setup();
  return cases.map((c) => runOne(e, c));
}

function runOne(e: Engine, c: SnippetCase): SnippetResult {
  const { code, data, dataSize, stack, stackSize } = SNIPPET_LAYOUT;
  e.writeMem(code, new Uint8Array(0x1000));
  e.writeMem(code, c.code);
  e.writeMem(data, new Uint8Array(dataSize));
  e.writeMem(stack, new Uint8Array(stackSize));
  for (const region of c.initial.memory) e.writeMem(region.address, region.bytes);
  c.initial.gpr.forEach((v, n) => e.setGpr(n, v));
  e.setRflags(c.initial.rflags);
  c.initial.xmm.forEach((v, n) => e.setXmm(n, v));
  e.x87.reset(); // as the native runner: fninit with every register +0
  e.setMxcsr(INITIAL_MXCSR);
  const result = e.run(code, code + BigInt(c.code.length));
  const state: X86State = {
    gpr: Array.from({ length: 16 }, (_, n) => e.gpr(n)),
    rflags: e.rflags() & RFLAGS_COMPARED,
    xmm: Array.from({ length: 16 }, (_, n) => new Uint8Array(e.xmm(n))),
    memory: [
      { address: data, bytes: e.memory.read(data, dataSize) },
      { address: stack, bytes: e.memory.read(stack, stackSize) },
    ],
    x87: {
      fcw: e.x87.cw, fsw: e.x87.statusWord(), ftw: e.x87.abridgedTags(),
      st: Array.from({ length: 8 }, (_, i) => toBytes80(e.x87.regs[e.x87.phys(i)])),
    },
    mxcsr: e.mxcsr(),
  };
  if (result.kind === 'exit') return { kind: 'state', state };
  return { kind: 'signal', signal: result.signal, rip: result.rip === undefined ? undefined : result.rip - code, state };
}
