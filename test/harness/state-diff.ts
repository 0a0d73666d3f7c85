// Human-readable differences between two x86-64 states or snippet results, for test failure
// messages: registers in hex, RFLAGS by flag name (compared bits only), memory by address range.
import { constants } from 'os';
import { GPR_NAMES, MemoryRegion, RFLAGS, RFLAGS_COMPARED, X86State, X87Registers } from '../../src/runtime/x86-state';
import type { SnippetResult } from './native-runner';

const MAX_MEMORY_LINES = 20;
const MAX_BYTES_SHOWN = 32;
// Equal bytes between two differing ones shorter than this do not split a reported range.
const RANGE_MERGE_GAP = 8;

export interface DiffOptions {
  /** Compare the x87 registers: FCW, FSW, abridged FTW and every non-empty ST(i). On unless false. */
  x87?: boolean;
}

/**
 * MXCSR's exception flags (IE DE ZE OE UE PE, bits 0-5): Ferry does not compute them (docs/STATUS.md,
 * "MXCSR exception flags"), so they are left out of the comparison; every other bit (the masks, RC,
 * FZ, DAZ) must match exactly.
 */
export const MXCSR_UNCOMPUTED_FLAGS = 0x3f;

/** Every difference between `expected` and `actual`; empty when they agree. */
export function diffStates(expected: X86State, actual: X86State, options: DiffOptions = {}): string[] {
  const differences: string[] = [];
  GPR_NAMES.forEach((name, index) => {
    if (expected.gpr[index] !== actual.gpr[index]) {
      differences.push(`${name}: expected ${hex64(expected.gpr[index])}, actual ${hex64(actual.gpr[index])}`);
    }
  });
  const expectedFlags = expected.rflags & RFLAGS_COMPARED;
  const actualFlags = actual.rflags & RFLAGS_COMPARED;
  if (expectedFlags !== actualFlags) {
    const differing = flagNames(expectedFlags ^ actualFlags);
    differences.push(`rflags: expected 0x${expectedFlags.toString(16)} [${flagNames(expectedFlags)}], ` +
      `actual 0x${actualFlags.toString(16)} [${flagNames(actualFlags)}] (${differing} differ)`);
  }
  for (let index = 0; index < 16; index++) {
    const expectedXmm = expected.xmm[index];
    const actualXmm = actual.xmm[index];
    if (!expectedXmm || !actualXmm || !sameBytes(expectedXmm, actualXmm)) {
      differences.push(`xmm${index}: expected ${hexXmm(expectedXmm)}, actual ${hexXmm(actualXmm)}`);
    }
  }
  if (options.x87 ?? true) differences.push(...diffX87(expected.x87, actual.x87));
  if (expected.mxcsr !== undefined || actual.mxcsr !== undefined) {
    const shown = (v: number | undefined) => (v === undefined ? 'missing' : `0x${v.toString(16).padStart(4, '0')}`);
    const compared = (v: number | undefined) => (v === undefined ? undefined : v & ~MXCSR_UNCOMPUTED_FLAGS);
    if (compared(expected.mxcsr) !== compared(actual.mxcsr)) {
      differences.push(`mxcsr: expected ${shown(expected.mxcsr)}, actual ${shown(actual.mxcsr)} (exception flags not compared)`);
    }
  }
  differences.push(...diffMemory(expected.memory, actual.memory));
  return differences;
}

function diffX87(expected: X87Registers | undefined, actual: X87Registers | undefined): string[] {
  if (!expected || !actual) return expected === actual ? [] : [`x87: expected ${expected ? 'a state' : 'none'}, actual ${actual ? 'a state' : 'none'}`];
  const out: string[] = [];
  const hex16 = (v: number) => `0x${v.toString(16).padStart(4, '0')}`;
  if (expected.fcw !== actual.fcw) out.push(`fcw: expected ${hex16(expected.fcw)}, actual ${hex16(actual.fcw)}`);
  if (expected.fsw !== actual.fsw) {
    out.push(`fsw: expected ${hex16(expected.fsw)} [${fswNames(expected.fsw)}], actual ${hex16(actual.fsw)} [${fswNames(actual.fsw)}]`);
  }
  if (expected.ftw !== actual.ftw) out.push(`ftw: expected 0x${expected.ftw.toString(16)}, actual 0x${actual.ftw.toString(16)}`);
  const top = (expected.fsw >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    if (!((expected.ftw >> ((top + i) & 7)) & 1)) continue; // empty: its contents are not compared
    if (!sameBytes(expected.st[i], actual.st[i])) out.push(`st${i}: expected ${hexF80(expected.st[i])}, actual ${hexF80(actual.st[i])}`);
  }
  return out;
}

/** "sign:exponent:significand" of a little-endian 80-bit value. */
export function hexF80(bytes: Uint8Array | undefined): string {
  if (!bytes) return 'missing';
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).reverse().join('');
  return `${hex.slice(0, 4)}:${hex.slice(4)}`;
}

function fswNames(fsw: number): string {
  const names = ['IE', 'DE', 'ZE', 'OE', 'UE', 'PE', 'SF', 'ES', 'C0', 'C1', 'C2'];
  const out = names.filter((_, bit) => (fsw >> bit) & 1);
  if ((fsw >> 14) & 1) out.push('C3');
  if ((fsw >> 15) & 1) out.push('B');
  out.push(`TOP=${(fsw >> 11) & 7}`);
  return out.join(' ');
}

/** Differences between two snippet results: states, signals, or one of each. */
export function diffResults(expected: SnippetResult, actual: SnippetResult, options: DiffOptions = {}): string[] {
  if (expected.kind === 'state' && actual.kind === 'state') return diffStates(expected.state, actual.state, options);
  if (expected.kind === 'signal' && actual.kind === 'signal') {
    if (expected.signal !== actual.signal) return [`expected ${signalName(expected.signal)}, actual ${signalName(actual.signal)}`];
    if (!expected.state || !actual.state) return [];
    const differences: string[] = [];
    if (expected.rip !== actual.rip) {
      const shown = (v: bigint | undefined) => (v === undefined ? 'missing' : `code+0x${v.toString(16)}`);
      differences.push(`rip at the signal: expected ${shown(expected.rip)}, actual ${shown(actual.rip)}`);
    }
    return [...differences, ...diffStates(expected.state, actual.state, options)];
  }
  return [`expected ${describeResult(expected)}, actual ${describeResult(actual)}`];
}

/** "signal 8 (SIGFPE)". */
export function signalName(signal: number): string {
  const name = Object.entries(constants.signals).find(([, number]) => number === signal)?.[0];
  return name ? `signal ${signal} (${name})` : `signal ${signal}`;
}

function describeResult(result: SnippetResult): string {
  return result.kind === 'signal' ? signalName(result.signal) : 'a final state (no signal)';
}

function hex64(value: bigint | undefined): string {
  return value === undefined ? 'missing' : `0x${value.toString(16).padStart(16, '0')}`;
}

function hexXmm(bytes: Uint8Array | undefined): string {
  if (!bytes) return 'missing';
  // Most significant byte first, as the value would be written as a 128-bit number.
  return `0x${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).reverse().join('')}`;
}

function flagNames(bits: bigint): string {
  return Object.entries(RFLAGS).filter(([, bit]) => (bits & bit) !== 0n).map(([name]) => name).join(' ');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(asBuffer(a), asBuffer(b)) === 0;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

interface Span {
  start: bigint;
  end: bigint;
}

/** Compares memory over every address either side covers; an address no region covers reads as 0. */
function diffMemory(expected: MemoryRegion[], actual: MemoryRegion[]): string[] {
  const lines: string[] = [];
  let omitted = 0;
  for (const span of coveredSpans([...expected, ...actual])) {
    const expectedBytes = bytesOver(expected, span);
    const actualBytes = bytesOver(actual, span);
    if (sameBytes(expectedBytes, actualBytes)) continue;
    for (const [from, to] of differingRanges(expectedBytes, actualBytes)) {
      if (lines.length === MAX_MEMORY_LINES) {
        omitted++;
        continue;
      }
      const first = span.start + BigInt(from);
      const last = span.start + BigInt(to - 1);
      lines.push(`memory 0x${first.toString(16)}..0x${last.toString(16)} (${to - from} bytes): ` +
        `expected ${hexBytes(expectedBytes, from, to)}, actual ${hexBytes(actualBytes, from, to)}`);
    }
  }
  if (omitted > 0) lines.push(`memory: ${omitted} more differing ranges not shown`);
  return lines;
}

function coveredSpans(regions: MemoryRegion[]): Span[] {
  const spans = regions
    .filter((region) => region.bytes.length > 0)
    .map((region) => ({ start: region.address, end: region.address + BigInt(region.bytes.length) }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end) {
      if (span.end > last.end) last.end = span.end;
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}

/** The side's bytes over a span: the region itself when it covers exactly that span, else a zero-filled copy. */
function bytesOver(regions: MemoryRegion[], span: Span): Uint8Array {
  const length = Number(span.end - span.start);
  const exact = regions.find((region) => region.address === span.start && region.bytes.length === length);
  if (exact) return exact.bytes;
  const bytes = new Uint8Array(length);
  for (const region of regions) {
    const regionEnd = region.address + BigInt(region.bytes.length);
    if (regionEnd <= span.start || region.address >= span.end) continue;
    bytes.set(region.bytes, Number(region.address - span.start));
  }
  return bytes;
}

/** [from, to) offsets of differing bytes, with short equal gaps folded into one range. */
function differingRanges(a: Uint8Array, b: Uint8Array): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let index = 0; index < a.length; index++) {
    if (a[index] === b[index]) continue;
    const last = ranges[ranges.length - 1];
    if (last && index - last[1] < RANGE_MERGE_GAP) last[1] = index + 1;
    else ranges.push([index, index + 1]);
  }
  return ranges;
}

function hexBytes(bytes: Uint8Array, from: number, to: number): string {
  const shown = Array.from(bytes.subarray(from, Math.min(to, from + MAX_BYTES_SHOWN)), (byte) => byte.toString(16).padStart(2, '0'));
  return shown.join(' ') + (to - from > MAX_BYTES_SHOWN ? ' ...' : '');
}
