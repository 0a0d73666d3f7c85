// Runs instruction-test snippets on the real x86-64 CPU through build/snippet-runner, plus helpers
// to build cases (makeState, a seeded rng, edge values). The wire format is documented in snippet-runner.c.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GPR_NAMES, MemoryRegion, RFLAGS_COMPARED, SNIPPET_LAYOUT, X86State } from '../../src/runtime/x86-state';

export interface SnippetCase {
  name: string;
  code: Uint8Array;
  initial: X86State;
}

/**
 * A snippet's end: its final state, or the signal it raised with the state at that moment (`rip`
 * as an offset from the code start, as the kernel reports it: the faulting instruction, after int3).
 * A signal result built by hand may leave the state out; then only the signal number is compared.
 */
export type SnippetResult = { kind: 'state'; state: X86State } | { kind: 'signal'; signal: number; rip?: bigint; state?: X86State };

export interface RunNativeOptions {
  /** A case still running after this long is stopped and reported as SIGALRM (14). */
  timeoutMs?: number;
}

/** The runner binary; FERRY_SNIPPET_RUNNER may point at another build (e.g. to try a change). */
export const RUNNER_PATH = process.env.FERRY_SNIPPET_RUNNER ?? path.resolve(__dirname, '..', '..', 'build', 'snippet-runner');

const INPUT_MAGIC = 0x42525346; // 'FSRB'
const OUTPUT_MAGIC = 0x52525346; // 'FSRR'
const FORMAT_VERSION = 2;
const CODE_PAGE_SIZE = 0x1000;
const TRAILER_LENGTH = 14; // the runner appends `jmp [rip+0]; .quad exit` after the code
export const MAX_CODE_LENGTH = CODE_PAGE_SIZE - TRAILER_LENGTH;
const U64_MASK = (1n << 64n) - 1n;
// Zero gaps shorter than this inside a non-zero run are sent rather than starting a new chunk.
const CHUNK_GAP_LIMIT = 16;

/** Runs every case in one runner process; results come back in the order of `cases`. */
export function runNative(cases: SnippetCase[], options: RunNativeOptions = {}): SnippetResult[] {
  if (cases.length === 0) return [];
  if (!fs.existsSync(RUNNER_PATH)) {
    throw new Error(`${RUNNER_PATH} is missing: run the tests through jest, whose global setup builds it`);
  }
  const initialChunks = cases.map((snippet) => {
    checkCase(snippet);
    return snippet.initial.memory.flatMap(nonZeroChunks);
  });
  const batch = encodeBatch(cases, initialChunks, options.timeoutMs ?? 2000);
  const child = spawnSync(RUNNER_PATH, [], { input: batch, maxBuffer: 1 << 30 });
  if (child.error) throw new Error(`snippet-runner could not run: ${child.error.message}`);
  const stderr = child.stderr.toString().trim();
  if (child.status !== 0) {
    const how = child.signal ? `was killed by ${child.signal}` : `exited with status ${child.status}`;
    throw new Error(`snippet-runner ${how}${stderr ? `: ${stderr}` : ''}`);
  }
  return decodeResults(child.stdout, initialChunks);
}

// ---------- building cases ----------

export type GprName = (typeof GPR_NAMES)[number];

/** What makeState accepts: any GPR by name, rflags, XMM registers by index, region contents. */
export type StateInit = Partial<Record<GprName, bigint>> & {
  rflags?: bigint;
  /** XMM values by register number, as 16 little-endian bytes or an unsigned 128-bit integer. */
  xmm?: Partial<Record<number, Uint8Array | bigint>>;
  /** Initial bytes at the start of the data region (the rest is zero). */
  data?: Uint8Array;
  /** Initial bytes at the start of the stack region (the rest is zero). */
  stack?: Uint8Array;
};

export const DEFAULT_RSP = SNIPPET_LAYOUT.stack + BigInt(SNIPPET_LAYOUT.stackSize) - 0x1000n;

/** The x87 and MXCSR state every snippet starts from, natively and under Ferry: fninit, all registers +0. */
export const INITIAL_MXCSR = 0x1f80;
const initialX87 = () => ({ fcw: 0x037f, fsw: 0, ftw: 0, st: Array.from({ length: 8 }, () => new Uint8Array(10)) });

/**
 * An initial state: GPRs 0 except rsp = DEFAULT_RSP, flags 0, XMM zero, overridden by `init`;
 * x87 and MXCSR as every snippet starts (fixed: the runner does not take them as input).
 * Data and stack are zero: a region appears in `memory` (in full) only when `init` gives its
 * contents, since an omitted region means zeros and thousands of 64 KiB copies are not free.
 */
export function makeState(init: StateInit = {}): X86State {
  const gpr = GPR_NAMES.map((name) => {
    const value = init[name] ?? (name === 'rsp' ? DEFAULT_RSP : 0n);
    return checkU64(value, name);
  });
  const xmm = Array.from({ length: 16 }, (_, index) => {
    const value = init.xmm?.[index];
    if (value === undefined) return new Uint8Array(16);
    if (typeof value === 'bigint') return xmmFromBigInt(value);
    if (value.length !== 16) throw new Error(`xmm${index} must be 16 bytes, got ${value.length}`);
    return Uint8Array.from(value);
  });
  const memory: MemoryRegion[] = [];
  for (const [bounds, contents] of [[REGION_BOUNDS[0], init.data], [REGION_BOUNDS[1], init.stack]] as const) {
    if (!contents) continue;
    if (contents.length > bounds.size) {
      throw new Error(`${bounds.name} contents are ${contents.length} bytes but the region holds ${bounds.size}`);
    }
    const region = { address: bounds.address, bytes: allocateRegionBytes(bounds.size) };
    region.bytes.set(contents);
    memory.push(region);
  }
  return { gpr, rflags: init.rflags ?? 0n, xmm, memory, x87: initialX87(), mxcsr: INITIAL_MXCSR };
}

/** 16 little-endian bytes of an unsigned 128-bit value. */
export function xmmFromBigInt(value: bigint): Uint8Array {
  if (value < 0n || value >> 128n !== 0n) throw new Error(`XMM value 0x${value.toString(16)} does not fit in 128 bits`);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

/** The unsigned 128-bit value of 16 little-endian bytes. */
export function xmmToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

/** A region of the state by address, e.g. regionAt(state, SNIPPET_LAYOUT.data). */
export function regionAt(state: X86State, address: bigint): MemoryRegion {
  const region = state.memory.find((candidate) => candidate.address === address);
  if (!region) throw new Error(`the state has no memory region at 0x${address.toString(16)}`);
  return region;
}

export type OperandWidth = 8 | 16 | 32 | 64;

function edgeValuesFor(width: OperandWidth): bigint[] {
  const bits = BigInt(width);
  const max = (1n << bits) - 1n;
  const sign = 1n << (bits - 1n);
  const values = [0n, 1n, 2n, max, max - 1n, sign, sign - 1n, sign + 1n, 0x55n & max, 0xaan & max, 0x7fn, 0x80n, 0xffn];
  if (width > 8) values.push(0x100n, 0x7fffn & max, 0x8000n & max, 0xffffn & max);
  if (width > 16) values.push(0x10000n, 0x7fffffffn & max, 0x80000000n & max, 0xffffffffn & max);
  if (width > 32) values.push(0x100000000n, 0x5555555555555555n, 0xaaaaaaaaaaaaaaaan);
  return [...new Set(values.filter((value) => value <= max))];
}

/** Values that trip up flag and overflow logic at each width: 0, 1, max, sign bit, sign bit - 1, ... */
export const EDGE_VALUES: Readonly<Record<OperandWidth, readonly bigint[]>> = {
  8: edgeValuesFor(8),
  16: edgeValuesFor(16),
  32: edgeValuesFor(32),
  64: edgeValuesFor(64),
};

export interface Rng {
  /** Uniform unsigned 32-bit integer. */
  u32(): number;
  /** Uniform unsigned 64-bit integer. */
  u64(): bigint;
  /** Uniform integer in [0, bound). */
  below(bound: number): number;
  /** A uniformly chosen element of a non-empty list. */
  pick<T>(list: readonly T[]): T;
  /** An operand of `width` bits: an edge value a quarter of the time, otherwise uniform. */
  operand(width: OperandWidth): bigint;
  /** `length` random bytes. */
  bytes(length: number): Uint8Array;
  /** `length` random bytes, four from each draw: for whole regions (a different sequence from bytes). */
  region(length: number): Uint8Array;
}

/** A deterministic PRNG (xoshiro128**, seeded through splitmix32), so failures can be replayed. */
export function rng(seed: number): Rng {
  let splitState = seed >>> 0;
  const splitmix32 = (): number => {
    splitState = (splitState + 0x9e3779b9) >>> 0;
    let z = splitState;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [splitmix32(), splitmix32(), splitmix32(), splitmix32()];
  const u32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  const u64 = (): bigint => (BigInt(u32()) << 32n) | BigInt(u32());
  const below = (bound: number): number => {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 2 ** 32) throw new Error(`rng.below needs 1..2^32, got ${bound}`);
    return Math.floor((u32() / 2 ** 32) * bound);
  };
  return {
    u32,
    u64,
    below,
    pick<T>(list: readonly T[]): T {
      if (list.length === 0) throw new Error('rng.pick needs a non-empty list');
      return list[below(list.length)];
    },
    operand(width: OperandWidth): bigint {
      if (below(4) === 0) return EDGE_VALUES[width][below(EDGE_VALUES[width].length)];
      return u64() & ((1n << BigInt(width)) - 1n);
    },
    bytes(length: number): Uint8Array {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = u32() & 0xff;
      return bytes;
    },
    region(length: number): Uint8Array {
      const words = new Uint32Array(Math.ceil(length / 4));
      for (let i = 0; i < words.length; i++) words[i] = u32();
      return new Uint8Array(words.buffer, 0, length);
    },
  };
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}

// ---------- wire format ----------

const REGION_BOUNDS = [
  { name: 'data', address: SNIPPET_LAYOUT.data, size: SNIPPET_LAYOUT.dataSize },
  { name: 'stack', address: SNIPPET_LAYOUT.stack, size: SNIPPET_LAYOUT.stackSize },
] as const;

// Region bytes are carved out of shared 4 MiB slabs: one allocation per 64 KiB region costs far
// more (the GC runs for every few MiB of fresh external memory) than the region is ever used for.
const SLAB_SIZE = 4 << 20;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

/** `size` zero bytes of their own (a view into a shared slab, never handed out twice). */
function allocateRegionBytes(size: number): Uint8Array {
  if (size > SLAB_SIZE) return new Uint8Array(size);
  if (slabUsed + size > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const bytes = new Uint8Array(slab, slabUsed, size);
  slabUsed += size;
  return bytes;
}

/** The full data and stack regions, zero-filled. */
function emptyRegions(): MemoryRegion[] {
  return REGION_BOUNDS.map((bounds) => ({ address: bounds.address, bytes: allocateRegionBytes(bounds.size) }));
}

interface Chunk {
  address: bigint;
  bytes: Uint8Array;
}

const ZERO_BLOCK = Buffer.alloc(4096);

/** The non-zero parts of a region: the runner starts every case from zeroed regions. */
function nonZeroChunks(region: MemoryRegion): Chunk[] {
  const chunks: Chunk[] = [];
  const bytes = region.bytes;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let index = 0;
  while (index < bytes.length) {
    // Skip all-zero blocks natively: full 64 KiB regions are mostly zero and scanned per case.
    if (index % ZERO_BLOCK.length === 0 && index + ZERO_BLOCK.length <= bytes.length &&
        view.compare(ZERO_BLOCK, 0, ZERO_BLOCK.length, index, index + ZERO_BLOCK.length) === 0) {
      index += ZERO_BLOCK.length;
      continue;
    }
    if (bytes[index] === 0) {
      index++;
      continue;
    }
    const start = index;
    let end = index + 1;
    for (let probe = end; probe < bytes.length && probe - end <= CHUNK_GAP_LIMIT; probe++) {
      if (bytes[probe] !== 0) end = probe + 1;
    }
    chunks.push({ address: region.address + BigInt(start), bytes: bytes.subarray(start, end) });
    index = end;
  }
  return chunks;
}

function checkU64(value: bigint, what: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MASK) {
    throw new Error(`${what} must be an unsigned 64-bit bigint, got ${String(value)}`);
  }
  return value;
}

function checkCase(snippet: SnippetCase): void {
  const where = `snippet case "${snippet.name}"`;
  const { code, initial } = snippet;
  if (code.length > MAX_CODE_LENGTH) throw new Error(`${where}: code is ${code.length} bytes, at most ${MAX_CODE_LENGTH} fit`);
  if (initial.gpr.length !== 16) throw new Error(`${where}: needs 16 GPRs, got ${initial.gpr.length}`);
  initial.gpr.forEach((value, index) => checkU64(value, `${where}: ${GPR_NAMES[index]}`));
  checkU64(initial.rflags, `${where}: rflags`);
  if (initial.xmm.length !== 16) throw new Error(`${where}: needs 16 XMM registers, got ${initial.xmm.length}`);
  initial.xmm.forEach((bytes, index) => {
    if (bytes.length !== 16) throw new Error(`${where}: xmm${index} must be 16 bytes, got ${bytes.length}`);
  });
  initial.memory.forEach((region, index) => {
    const end = region.address + BigInt(region.bytes.length);
    const overlapping = initial.memory.findIndex((other, otherIndex) => otherIndex !== index &&
      other.address < end && region.address < other.address + BigInt(other.bytes.length));
    if (overlapping >= 0) throw new Error(`${where}: memory regions ${index} and ${overlapping} overlap`);
    const inside = REGION_BOUNDS.some((bounds) => region.address >= bounds.address && end <= bounds.address + BigInt(bounds.size));
    if (!inside) {
      throw new Error(`${where}: memory 0x${region.address.toString(16)}..0x${end.toString(16)} is outside the data and stack regions`);
    }
  });
}

function encodeBatch(cases: SnippetCase[], caseChunks: Chunk[][], timeoutMs: number): Buffer {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 0xffffffff) {
    throw new Error(`timeoutMs must be a non-negative integer, got ${timeoutMs}`);
  }
  let size = 16;
  cases.forEach((snippet, index) => {
    size += 4 + snippet.code.length + 16 * 8 + 8 + 16 * 16 + 4;
    for (const chunk of caseChunks[index]) size += 12 + chunk.bytes.length;
  });
  const out = Buffer.alloc(size);
  let at = 0;
  const u32 = (value: number): void => {
    out.writeUInt32LE(value, at);
    at += 4;
  };
  const u64 = (value: bigint): void => {
    out.writeBigUInt64LE(value, at);
    at += 8;
  };
  const bytes = (value: Uint8Array): void => {
    out.set(value, at);
    at += value.length;
  };
  u32(INPUT_MAGIC);
  u32(FORMAT_VERSION);
  u32(cases.length);
  u32(timeoutMs);
  cases.forEach((snippet, index) => {
    u32(snippet.code.length);
    bytes(snippet.code);
    snippet.initial.gpr.forEach(u64);
    u64(snippet.initial.rflags & RFLAGS_COMPARED);
    snippet.initial.xmm.forEach(bytes);
    u32(caseChunks[index].length);
    for (const chunk of caseChunks[index]) {
      u64(chunk.address);
      u32(chunk.bytes.length);
      bytes(chunk.bytes);
    }
  });
  return out;
}

/** `initialChunks[i]` is case i's initial memory, which the runner reports changes against. */
function decodeResults(output: Buffer, initialChunks: Chunk[][]): SnippetResult[] {
  let at = 0;
  const need = (length: number): void => {
    if (at + length > output.length) throw new Error(`snippet-runner output ends early (offset ${at}, ${output.length} bytes)`);
  };
  const u32 = (): number => {
    need(4);
    const value = output.readUInt32LE(at);
    at += 4;
    return value;
  };
  const u64 = (): bigint => {
    need(8);
    const value = output.readBigUInt64LE(at);
    at += 8;
    return value;
  };
  const bytes = (length: number): Uint8Array => {
    need(length);
    const value = Uint8Array.prototype.slice.call(output, at, at + length);
    at += length;
    return value;
  };
  if (u32() !== OUTPUT_MAGIC) throw new Error('snippet-runner output does not start with its magic');
  const count = u32();
  if (count !== initialChunks.length) throw new Error(`snippet-runner returned ${count} results for ${initialChunks.length} cases`);
  const results = initialChunks.map((chunks): SnippetResult => {
    const status = u32();
    const rip = u64();
    const gpr = Array.from({ length: 16 }, u64);
    const rflags = u64() & RFLAGS_COMPARED;
    const xmm = Array.from({ length: 16 }, () => bytes(16));
    const fcw = bytes(2), fsw = bytes(2), ftw = bytes(4);
    const x87 = { fcw: fcw[0] | (fcw[1] << 8), fsw: fsw[0] | (fsw[1] << 8), ftw: ftw[0], st: Array.from({ length: 8 }, () => bytes(10)) };
    const mxcsr = u32();
    const memory = emptyRegions();
    const place = (address: bigint, contents: Uint8Array): void => {
      const region = memory.find((candidate) => address >= candidate.address && address < candidate.address + BigInt(candidate.bytes.length));
      if (!region || Number(address - region.address) + contents.length > region.bytes.length) {
        throw new Error(`snippet-runner reported memory 0x${address.toString(16)} outside the regions`);
      }
      region.bytes.set(contents, Number(address - region.address));
    };
    // Final memory = initial contents with the runner's changed bytes on top.
    for (const chunk of chunks) place(chunk.address, chunk.bytes);
    const runCount = u32();
    for (let run = 0; run < runCount; run++) {
      const address = u64();
      place(address, bytes(u32()));
    }
    const state = { gpr, rflags, xmm, memory, x87, mxcsr };
    return status === 0 ? { kind: 'state', state } : { kind: 'signal', signal: status, rip, state };
  });
  if (at !== output.length) throw new Error(`snippet-runner output has ${output.length - at} unexpected trailing bytes`);
  return results;
}
