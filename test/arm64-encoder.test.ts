// Checks the AArch64 encoder against llvm-mc: every expected instruction is written here as
// assembly text from its operands, assembled by llvm-mc, and compared with our word.
import { spawnSync } from 'child_process';
import * as E from '../src/backend/arm64/encoder';
import { Cond, Extend, Shift } from '../src/backend/arm64/encoder';
import { CodeBuffer } from '../src/backend/arm64/code-buffer';

const LLVM_MC = '/usr/bin/llvm-mc';
const MATTR = '-mattr=+v8.4a,+lse,+flagm,+fp-armv8,+neon';

interface Case {
  group: string;
  encode: () => number;
  /** Expected assembly; `reject` cases expect llvm-mc to refuse it and our encoder to throw / return null. */
  asm: string;
  reject?: boolean;
}
const cases: Case[] = [];
let currentGroup = '';
const group = (name: string, fill: () => void): void => {
  currentGroup = name;
  fill();
};
const expectAsm = (encode: () => number, asm: string): void => void cases.push({ group: currentGroup, encode, asm });
const expectReject = (encode: () => number, asm: string): void => void cases.push({ group: currentGroup, encode, asm, reject: true });

// --- operand spelling, written from the architecture's register naming
const x = (n: number): string => (n === 31 ? 'xzr' : `x${n}`);
const w = (n: number): string => (n === 31 ? 'wzr' : `w${n}`);
const r = (sf: boolean, n: number): string => (sf ? x(n) : w(n));
const rsp = (sf: boolean, n: number): string => (n === 31 ? (sf ? 'sp' : 'wsp') : r(sf, n));
const xsp = (n: number): string => rsp(true, n);
const v = (n: number, arr: string): string => `v${n}.${arr}`;
const COND_NAMES = ['eq', 'ne', 'hs', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al'];
const SHIFT_NAMES = ['lsl', 'lsr', 'asr', 'ror'];
const EXTEND_NAMES = ['uxtb', 'uxth', 'uxtw', 'uxtx', 'sxtb', 'sxth', 'sxtw', 'sxtx'];
const SFS = [true, false];
/** Register triples covering 0, 1, 17, 30 and 31 in every position. */
const TRIPLES: [number, number, number][] = [[0, 1, 17], [1, 17, 30], [17, 30, 31], [30, 31, 0], [31, 0, 1]];

// A fixed-seed generator so failures reproduce.
let seed = 0x2545f491;
const rand = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return Math.floor(((seed >>> 8) / 2 ** 24) * n);
};
const rand64 = (): bigint => (BigInt(rand(2 ** 32)) << 32n) | BigInt(rand(2 ** 32));

// ------------------------------------------------------------------------------------- cases
group('add/sub immediate', () => {
  for (const sf of SFS) for (const [rd, rn] of TRIPLES) for (const imm of [0, 1, 4095, rand(4096)]) for (const lsl of [false, true]) {
    const sh = lsl ? ', lsl #12' : '';
    expectAsm(() => E.addImm(sf, rd, rn, imm, lsl), `add ${rsp(sf, rd)}, ${rsp(sf, rn)}, #${imm}${sh}`);
    expectAsm(() => E.subImm(sf, rd, rn, imm, lsl), `sub ${rsp(sf, rd)}, ${rsp(sf, rn)}, #${imm}${sh}`);
    expectAsm(() => E.addImm(sf, rd, rn, imm, lsl, true), `adds ${r(sf, rd)}, ${rsp(sf, rn)}, #${imm}${sh}`);
    expectAsm(() => E.subImm(sf, rd, rn, imm, lsl, true), `subs ${r(sf, rd)}, ${rsp(sf, rn)}, #${imm}${sh}`);
  }
  expectAsm(() => E.cmpImm(true, 31, 4095), 'cmp sp, #4095');
  expectAsm(() => E.cmnImm(false, 3, 1, true), 'cmn w3, #1, lsl #12');
  expectAsm(() => E.movSp(true, 31, 5), 'mov sp, x5');
});

group('add/sub shifted register', () => {
  for (const sf of SFS) for (const [rd, rn, rm] of TRIPLES) for (const shift of [Shift.LSL, Shift.LSR, Shift.ASR]) {
    for (const amount of [0, 1, sf ? 63 : 31, rand(sf ? 64 : 32)]) {
      const ops = `${r(sf, rd)}, ${r(sf, rn)}, ${r(sf, rm)}, ${SHIFT_NAMES[shift]} #${amount}`;
      expectAsm(() => E.addReg(sf, rd, rn, rm, shift, amount), `add ${ops}`);
      expectAsm(() => E.subReg(sf, rd, rn, rm, shift, amount), `sub ${ops}`);
      expectAsm(() => E.addReg(sf, rd, rn, rm, shift, amount, true), `adds ${ops}`);
      expectAsm(() => E.subReg(sf, rd, rn, rm, shift, amount, true), `subs ${ops}`);
    }
  }
  expectAsm(() => E.cmpReg(true, 1, 2), 'cmp x1, x2');
  expectAsm(() => E.cmnReg(false, 1, 2, Shift.ASR, 3), 'cmn w1, w2, asr #3');
  expectAsm(() => E.neg(true, 4, 5), 'neg x4, x5');
  expectAsm(() => E.neg(false, 4, 5, true), 'negs w4, w5');
});

group('add/sub extended register', () => {
  for (const sf of SFS) for (const [rd, rn, rm] of TRIPLES) for (let ext = 0; ext < 8; ext++) for (const amount of [0, 4, rand(5)]) {
    const rmName = sf && (ext & 3) === 3 ? x(rm) : w(rm);
    const tail = `${rmName}, ${EXTEND_NAMES[ext]} #${amount}`;
    expectAsm(() => E.addExt(sf, rd, rn, rm, ext, amount), `add ${rsp(sf, rd)}, ${rsp(sf, rn)}, ${tail}`);
    expectAsm(() => E.subExt(sf, rd, rn, rm, ext, amount), `sub ${rsp(sf, rd)}, ${rsp(sf, rn)}, ${tail}`);
    expectAsm(() => E.addExt(sf, rd, rn, rm, ext, amount, true), `adds ${r(sf, rd)}, ${rsp(sf, rn)}, ${tail}`);
    expectAsm(() => E.subExt(sf, rd, rn, rm, ext, amount, true), `subs ${r(sf, rd)}, ${rsp(sf, rn)}, ${tail}`);
  }
});

group('adc/sbc', () => {
  for (const sf of SFS) for (const [rd, rn, rm] of TRIPLES) {
    const ops = `${r(sf, rd)}, ${r(sf, rn)}, ${r(sf, rm)}`;
    expectAsm(() => E.adc(sf, rd, rn, rm), `adc ${ops}`);
    expectAsm(() => E.adc(sf, rd, rn, rm, true), `adcs ${ops}`);
    expectAsm(() => E.sbc(sf, rd, rn, rm), `sbc ${ops}`);
    expectAsm(() => E.sbc(sf, rd, rn, rm, true), `sbcs ${ops}`);
  }
});

group('logical shifted register', () => {
  const ops = ['and', 'bic', 'orr', 'orn', 'eor', 'eon', 'ands', 'bics'] as const;
  for (const sf of SFS) for (const [rd, rn, rm] of TRIPLES) for (const op of ops) for (const shift of [0, 1, 2, 3]) {
    const amount = [0, sf ? 63 : 31, rand(sf ? 64 : 32)][rand(3)];
    expectAsm(() => E.logicalReg(op, sf, rd, rn, rm, shift, amount),
      `${op} ${r(sf, rd)}, ${r(sf, rn)}, ${r(sf, rm)}, ${SHIFT_NAMES[shift]} #${amount}`);
  }
  expectAsm(() => E.andReg(true, 1, 2, 3, Shift.LSL, 0, true), 'ands x1, x2, x3');
  expectAsm(() => E.bicReg(false, 1, 2, 3, Shift.ROR, 7, true), 'bics w1, w2, w3, ror #7');
  expectAsm(() => E.orrReg(true, 1, 2, 3), 'orr x1, x2, x3');
  expectAsm(() => E.eorReg(true, 1, 2, 3, Shift.LSR, 1), 'eor x1, x2, x3, lsr #1');
  expectAsm(() => E.ornReg(false, 1, 2, 3), 'orn w1, w2, w3');
  expectAsm(() => E.eonReg(false, 1, 2, 3), 'eon w1, w2, w3');
  expectAsm(() => E.movReg(true, 0, 30), 'mov x0, x30');
  expectAsm(() => E.movReg(false, 31, 3), 'orr wzr, wzr, w3');
  expectAsm(() => E.mvn(true, 0, 1, Shift.ASR, 2), 'mvn x0, x1, asr #2');
  expectAsm(() => E.tstReg(false, 4, 5), 'tst w4, w5');
});

/** A bitmask immediate built from its definition: a run of ones, rotated, replicated. */
function bitmaskValue(elem: number, ones: number, rotate: number, total: number): bigint {
  const mask = (1n << BigInt(elem)) - 1n;
  const run = (1n << BigInt(ones)) - 1n;
  const rotated = ((run >> BigInt(rotate)) | (run << BigInt(elem - rotate))) & mask;
  let value = 0n;
  for (let i = 0; i < total; i += elem) value |= rotated << BigInt(i);
  return value;
}

group('logical immediate', () => {
  const hex = (value: bigint): string => `#0x${value.toString(16)}`;
  for (const sf of SFS) {
    const size = sf ? 64 : 32;
    const values: bigint[] = [];
    for (let elem = 2; elem <= size; elem *= 2) {
      for (const ones of [1, elem - 1, 1 + rand(elem - 1)]) for (const rot of [0, elem - 1, rand(elem)]) values.push(bitmaskValue(elem, ones, rot, size));
    }
    for (const [i, value] of values.entries()) {
      const [rd, rn] = TRIPLES[i % TRIPLES.length];
      expectAsm(() => E.andImm(sf, rd, rn, value), `and ${rsp(sf, rd)}, ${r(sf, rn)}, ${hex(value)}`);
      expectAsm(() => E.andImm(sf, rd, rn, value, true), `ands ${r(sf, rd)}, ${r(sf, rn)}, ${hex(value)}`);
      expectAsm(() => E.orrImm(sf, rd, rn, value), `orr ${rsp(sf, rd)}, ${r(sf, rn)}, ${hex(value)}`);
      expectAsm(() => E.eorImm(sf, rd, rn, value), `eor ${rsp(sf, rd)}, ${r(sf, rn)}, ${hex(value)}`);
    }
    // Arbitrary values: llvm-mc decides which are bitmask immediates.
    const arbitrary = [0n, (1n << BigInt(size)) - 1n, 0x12345678n, 0xfffffffen << BigInt(size - 32), 0b1011n];
    for (let i = 0; i < 40; i++) arbitrary.push(sf ? rand64() : BigInt(rand(2 ** 32)));
    for (let i = 0; i < 40; i++) arbitrary.push(bitmaskValue(8 << rand(sf ? 4 : 3), 1 + rand(7), rand(8), size) ^ (1n << BigInt(rand(size))));
    for (const value of arbitrary) {
      const asm = `eor ${r(sf, 2)}, ${r(sf, 3)}, ${hex(value)}`;
      if (E.encodeLogicalImm(value, sf) === null) expectReject(() => E.eorImm(sf, 2, 3, value), asm);
      else expectAsm(() => E.eorImm(sf, 2, 3, value), asm);
    }
  }
  expectAsm(() => E.tstImm(true, 7, 0xffn), 'tst x7, #0xff');
});

group('move wide', () => {
  for (const sf of SFS) for (const rd of [0, 1, 17, 30, 31]) for (const hw of sf ? [0, 1, 2, 3] : [0, 1]) for (const imm of [0, 0xffff, rand(0x10000)]) {
    const tail = `${r(sf, rd)}, #${imm}, lsl #${16 * hw}`;
    expectAsm(() => E.movz(sf, rd, imm, hw), `movz ${tail}`);
    expectAsm(() => E.movn(sf, rd, imm, hw), `movn ${tail}`);
    expectAsm(() => E.movk(sf, rd, imm, hw), `movk ${tail}`);
  }
});

group('bitfield', () => {
  for (const sf of SFS) {
    const size = sf ? 64 : 32;
    for (const [rd, rn, rm] of TRIPLES) {
      for (const [immr, imms] of [[0, 0], [size - 1, size - 1], [rand(size), rand(size)], [3, 1]]) {
        const ops = `${r(sf, rd)}, ${r(sf, rn)}, #${immr}, #${imms}`;
        expectAsm(() => E.ubfm(sf, rd, rn, immr, imms), `ubfm ${ops}`);
        expectAsm(() => E.sbfm(sf, rd, rn, immr, imms), `sbfm ${ops}`);
        expectAsm(() => E.bfm(sf, rd, rn, immr, imms), `bfm ${ops}`);
      }
      for (const amount of [0, 1, size - 1, rand(size)]) {
        const ops = `${r(sf, rd)}, ${r(sf, rn)}, #${amount}`;
        expectAsm(() => E.lslImm(sf, rd, rn, amount), `lsl ${ops}`);
        expectAsm(() => E.lsrImm(sf, rd, rn, amount), `lsr ${ops}`);
        expectAsm(() => E.asrImm(sf, rd, rn, amount), `asr ${ops}`);
        expectAsm(() => E.rorImm(sf, rd, rn, amount), `ror ${ops}`);
        expectAsm(() => E.extr(sf, rd, rn, rm, amount), `extr ${r(sf, rd)}, ${r(sf, rn)}, ${r(sf, rm)}, #${amount}`);
      }
      for (const [lsb, fw] of [[0, 1], [0, size], [size - 1, 1], [5, 3]]) {
        const ops = `${r(sf, rd)}, ${r(sf, rn)}, #${lsb}, #${fw}`;
        expectAsm(() => E.ubfx(sf, rd, rn, lsb, fw), `ubfx ${ops}`);
        expectAsm(() => E.sbfx(sf, rd, rn, lsb, fw), `sbfx ${ops}`);
        expectAsm(() => E.bfxil(sf, rd, rn, lsb, fw), `bfxil ${ops}`);
        expectAsm(() => E.bfi(sf, rd, rn, lsb, fw), `bfi ${ops}`);
        expectAsm(() => E.ubfiz(sf, rd, rn, lsb, fw), `ubfiz ${ops}`);
        expectAsm(() => E.sbfiz(sf, rd, rn, lsb, fw), `sbfiz ${ops}`);
      }
      expectAsm(() => E.sxtb(sf, rd, rn), `sxtb ${r(sf, rd)}, ${w(rn)}`);
      expectAsm(() => E.sxth(sf, rd, rn), `sxth ${r(sf, rd)}, ${w(rn)}`);
    }
  }
  expectAsm(() => E.sxtw(3, 4), 'sxtw x3, w4');
  expectAsm(() => E.uxtb(3, 4), 'uxtb w3, w4');
  expectAsm(() => E.uxth(30, 31), 'uxth w30, wzr');
});

group('variable shift, divide, multiply, bit ops', () => {
  for (const sf of SFS) for (const [rd, rn, rm] of TRIPLES) {
    const ops = `${r(sf, rd)}, ${r(sf, rn)}, ${r(sf, rm)}`;
    expectAsm(() => E.lslv(sf, rd, rn, rm), `lslv ${ops}`);
    expectAsm(() => E.lsrv(sf, rd, rn, rm), `lsrv ${ops}`);
    expectAsm(() => E.asrv(sf, rd, rn, rm), `asrv ${ops}`);
    expectAsm(() => E.rorv(sf, rd, rn, rm), `rorv ${ops}`);
    expectAsm(() => E.udiv(sf, rd, rn, rm), `udiv ${ops}`);
    expectAsm(() => E.sdiv(sf, rd, rn, rm), `sdiv ${ops}`);
    expectAsm(() => E.mul(sf, rd, rn, rm), `mul ${ops}`);
    const ra = (rm + 5) % 32;
    expectAsm(() => E.madd(sf, rd, rn, rm, ra), `madd ${ops}, ${r(sf, ra)}`);
    expectAsm(() => E.msub(sf, rd, rn, rm, ra), `msub ${ops}, ${r(sf, ra)}`);
    const un = `${r(sf, rd)}, ${r(sf, rn)}`;
    expectAsm(() => E.clz(sf, rd, rn), `clz ${un}`);
    expectAsm(() => E.cls(sf, rd, rn), `cls ${un}`);
    expectAsm(() => E.rbit(sf, rd, rn), `rbit ${un}`);
    expectAsm(() => E.rev(sf, rd, rn), `rev ${un}`);
    expectAsm(() => E.rev16(sf, rd, rn), `rev16 ${un}`);
  }
  for (const [rd, rn, rm] of TRIPLES) {
    const ra = (rn + 3) % 32;
    expectAsm(() => E.smulh(rd, rn, rm), `smulh ${x(rd)}, ${x(rn)}, ${x(rm)}`);
    expectAsm(() => E.umulh(rd, rn, rm), `umulh ${x(rd)}, ${x(rn)}, ${x(rm)}`);
    expectAsm(() => E.smaddl(rd, rn, rm, ra), `smaddl ${x(rd)}, ${w(rn)}, ${w(rm)}, ${x(ra)}`);
    expectAsm(() => E.umaddl(rd, rn, rm, ra), `umaddl ${x(rd)}, ${w(rn)}, ${w(rm)}, ${x(ra)}`);
    expectAsm(() => E.smull(rd, rn, rm), `smull ${x(rd)}, ${w(rn)}, ${w(rm)}`);
    expectAsm(() => E.umull(rd, rn, rm), `umull ${x(rd)}, ${w(rn)}, ${w(rm)}`);
    expectAsm(() => E.rev32(rd, rn), `rev32 ${x(rd)}, ${x(rn)}`);
  }
});

group('conditional select and compare', () => {
  for (const sf of SFS) for (const [rd, rn, rm] of TRIPLES) for (let cond = 0; cond < 15; cond++) {
    const ops = `${r(sf, rd)}, ${r(sf, rn)}, ${r(sf, rm)}, ${COND_NAMES[cond]}`;
    expectAsm(() => E.csel(sf, rd, rn, rm, cond), `csel ${ops}`);
    expectAsm(() => E.csinc(sf, rd, rn, rm, cond), `csinc ${ops}`);
    expectAsm(() => E.csinv(sf, rd, rn, rm, cond), `csinv ${ops}`);
    expectAsm(() => E.csneg(sf, rd, rn, rm, cond), `csneg ${ops}`);
    if (cond !== Cond.AL) {
      expectAsm(() => E.cset(sf, rd, cond), `cset ${r(sf, rd)}, ${COND_NAMES[cond]}`);
      expectAsm(() => E.csetm(sf, rd, cond), `csetm ${r(sf, rd)}, ${COND_NAMES[cond]}`);
    }
    const nzcv = [0, 15, rand(16)][cond % 3];
    const imm = [0, 31, rand(32)][cond % 3];
    expectAsm(() => E.ccmp(sf, rn, rm, nzcv, cond), `ccmp ${r(sf, rn)}, ${r(sf, rm)}, #${nzcv}, ${COND_NAMES[cond]}`);
    expectAsm(() => E.ccmn(sf, rn, rm, nzcv, cond), `ccmn ${r(sf, rn)}, ${r(sf, rm)}, #${nzcv}, ${COND_NAMES[cond]}`);
    expectAsm(() => E.ccmpImm(sf, rn, imm, nzcv, cond), `ccmp ${r(sf, rn)}, #${imm}, #${nzcv}, ${COND_NAMES[cond]}`);
    expectAsm(() => E.ccmnImm(sf, rn, imm, nzcv, cond), `ccmn ${r(sf, rn)}, #${imm}, #${nzcv}, ${COND_NAMES[cond]}`);
  }
});

group('system and flags', () => {
  for (const rt of [0, 1, 17, 30, 31]) {
    for (const sysreg of ['nzcv', 'fpcr', 'fpsr', 'tpidr_el0'] as const) {
      expectAsm(() => E.mrs(rt, sysreg), `mrs ${x(rt)}, ${sysreg}`);
      expectAsm(() => E.msr(sysreg, rt), `msr ${sysreg}, ${x(rt)}`);
    }
    expectAsm(() => E.mrsNzcv(rt), `mrs ${x(rt)}, nzcv`);
    expectAsm(() => E.msrNzcv(rt), `msr nzcv, ${x(rt)}`);
    expectAsm(() => E.setf8(rt), `setf8 ${w(rt)}`);
    expectAsm(() => E.setf16(rt), `setf16 ${w(rt)}`);
    for (const [shift, mask] of [[0, 0], [63, 15], [rand(64), rand(16)]]) expectAsm(() => E.rmif(rt, shift, mask), `rmif ${x(rt)}, #${shift}, #${mask}`);
  }
  expectAsm(() => E.cfinv(), 'cfinv');
  expectAsm(() => E.nop(), 'nop');
  expectAsm(() => E.dmbIsh(), 'dmb ish');
  for (const imm of [0, 0xffff, rand(0x10000)]) {
    expectAsm(() => E.svc(imm), `svc #${imm}`);
    expectAsm(() => E.brk(imm), `brk #${imm}`);
  }
});

group('branches', () => {
  const words = (lo: number, hi: number): number[] => [0, 4, -4, lo, hi, 4 * (rand((hi - lo) / 4) + lo / 4)];
  for (const off of words(-(2 ** 27), 2 ** 27 - 4)) {
    expectAsm(() => E.b(off), `b #${off}`);
    expectAsm(() => E.bl(off), `bl #${off}`);
  }
  for (let cond = 0; cond < 15; cond++) for (const off of words(-(2 ** 20), 2 ** 20 - 4)) {
    expectAsm(() => E.bCond(cond, off), `b.${COND_NAMES[cond]} #${off}`);
  }
  for (const sf of SFS) for (const rt of [0, 1, 17, 30, 31]) for (const off of words(-(2 ** 20), 2 ** 20 - 4)) {
    expectAsm(() => E.cbz(sf, rt, off), `cbz ${r(sf, rt)}, #${off}`);
    expectAsm(() => E.cbnz(sf, rt, off), `cbnz ${r(sf, rt)}, #${off}`);
  }
  for (const rt of [0, 1, 17, 30, 31]) for (const bit of [0, 31, 32, 63, rand(64)]) for (const off of words(-(2 ** 15), 2 ** 15 - 4)) {
    const reg = bit < 32 ? w(rt) : x(rt);
    expectAsm(() => E.tbz(rt, bit, off), `tbz ${reg}, #${bit}, #${off}`);
    expectAsm(() => E.tbnz(rt, bit, off), `tbnz ${reg}, #${bit}, #${off}`);
  }
  for (const rn of [0, 1, 17, 30, 31]) {
    expectAsm(() => E.br(rn), `br ${x(rn)}`);
    expectAsm(() => E.blr(rn), `blr ${x(rn)}`);
    expectAsm(() => E.ret(rn), `ret ${x(rn)}`);
    for (const off of [0, 1, -1, -(2 ** 20), 2 ** 20 - 1, rand(2 ** 21) - 2 ** 20]) expectAsm(() => E.adr(rn, off), `adr ${x(rn)}, #${off}`);
    for (const page of [0, 1, -1, -(2 ** 20), 2 ** 20 - 1, rand(2 ** 21) - 2 ** 20]) {
      expectAsm(() => E.adrp(rn, page * 4096), `adrp ${x(rn)}, #${page * 4096}`);
    }
  }
  expectAsm(() => E.ret(), 'ret');
});

/** Test-side description of each MemOp: mnemonic and register prefix, from the ISA manual. */
const MEM_SPELLING: Record<keyof typeof E.Mem, [string, string]> = {
  STRB: ['strb', 'w'], LDRB: ['ldrb', 'w'], LDRSB_X: ['ldrsb', 'x'], LDRSB_W: ['ldrsb', 'w'],
  STRH: ['strh', 'w'], LDRH: ['ldrh', 'w'], LDRSH_X: ['ldrsh', 'x'], LDRSH_W: ['ldrsh', 'w'],
  STR_W: ['str', 'w'], LDR_W: ['ldr', 'w'], LDRSW: ['ldrsw', 'x'], STR_X: ['str', 'x'], LDR_X: ['ldr', 'x'],
  STR_B: ['str', 'b'], LDR_B: ['ldr', 'b'], STR_H: ['str', 'h'], LDR_H: ['ldr', 'h'],
  STR_S: ['str', 's'], LDR_S: ['ldr', 's'], STR_D: ['str', 'd'], LDR_D: ['ldr', 'd'], STR_Q: ['str', 'q'], LDR_Q: ['ldr', 'q'],
};
const ACCESS_BYTES: Record<string, number> = { b: 1, h: 2, w: 4, x: 8, s: 4, d: 8, q: 16 };

group('loads and stores', () => {
  for (const name of Object.keys(MEM_SPELLING) as (keyof typeof E.Mem)[]) {
    const op = E.Mem[name];
    const [mnemonic, prefix] = MEM_SPELLING[name];
    const fp = 'bhsdq'.includes(prefix);
    const unit = fp ? ACCESS_BYTES[prefix] : ACCESS_BYTES[mnemonic.endsWith('b') ? 'b' : mnemonic.endsWith('h') ? 'h' : mnemonic === 'ldrsw' ? 'w' : prefix];
    const rtName = (n: number): string => (fp ? `${prefix}${n}` : r(prefix === 'x', n));
    const unscaled = mnemonic.replace(/^ldr/, 'ldur').replace(/^str/, 'stur');
    for (const [rt, rn, rm] of TRIPLES) {
      for (const off of [0, unit, 4095 * unit, unit * rand(4096)]) expectAsm(() => E.ldst(op, rt, rn, off), `${mnemonic} ${rtName(rt)}, [${xsp(rn)}, #${off}]`);
      for (const off of [-256, 255, 0, rand(512) - 256]) {
        expectAsm(() => E.ldstUnscaled(op, rt, rn, off), `${unscaled} ${rtName(rt)}, [${xsp(rn)}, #${off}]`);
        if (rt !== rn || fp) {
          expectAsm(() => E.ldstIndexed(op, rt, rn, off, 'pre'), `${mnemonic} ${rtName(rt)}, [${xsp(rn)}, #${off}]!`);
          expectAsm(() => E.ldstIndexed(op, rt, rn, off, 'post'), `${mnemonic} ${rtName(rt)}, [${xsp(rn)}], #${off}`);
        }
      }
      expectAsm(() => E.ldstOffset(op, rt, rn, -1), `${unscaled} ${rtName(rt)}, [${xsp(rn)}, #-1]`);
      expectAsm(() => E.ldstOffset(op, rt, rn, 4095 * unit), `${mnemonic} ${rtName(rt)}, [${xsp(rn)}, #${4095 * unit}]`);
      const amount = Math.log2(unit);
      for (const ext of [Extend.UXTW, Extend.UXTX, Extend.SXTW, Extend.SXTX]) for (const scaled of [false, true]) {
        const index = ext === Extend.UXTW || ext === Extend.SXTW ? w(rm) : x(rm);
        const extName = ext === Extend.UXTX ? 'lsl' : EXTEND_NAMES[ext];
        const tail = scaled ? `, ${extName} #${amount}` : ext === Extend.UXTX ? '' : `, ${extName}`;
        expectAsm(() => E.ldstReg(op, rt, rn, rm, ext, scaled), `${mnemonic} ${rtName(rt)}, [${xsp(rn)}, ${index}${tail}]`);
      }
    }
  }
  for (const sf of SFS) {
    const unit = sf ? 8 : 4;
    for (const [rt, rt2, rn] of [[0, 1, 31], [17, 30, 2], [31, 5, 6], [3, 31, 1]]) for (const off of [0, -64 * unit, 63 * unit, unit * (rand(128) - 64)]) {
      const regs = `${r(sf, rt)}, ${r(sf, rt2)}`;
      expectAsm(() => E.ldp(sf, rt, rt2, rn, off), `ldp ${regs}, [${xsp(rn)}, #${off}]`);
      expectAsm(() => E.stp(sf, rt, rt2, rn, off), `stp ${regs}, [${xsp(rn)}, #${off}]`);
      expectAsm(() => E.ldp(sf, rt, rt2, rn, off, 'pre'), `ldp ${regs}, [${xsp(rn)}, #${off}]!`);
      expectAsm(() => E.stp(sf, rt, rt2, rn, off, 'pre'), `stp ${regs}, [${xsp(rn)}, #${off}]!`);
      expectAsm(() => E.ldp(sf, rt, rt2, rn, off, 'post'), `ldp ${regs}, [${xsp(rn)}], #${off}`);
      expectAsm(() => E.stp(sf, rt, rt2, rn, off, 'post'), `stp ${regs}, [${xsp(rn)}], #${off}`);
    }
  }
});

const SIZE_SUFFIX: Record<E.AccessBytes, string> = { 1: 'b', 2: 'h', 4: '', 8: '' };
const ORDERINGS = [[false, false, ''], [true, false, 'a'], [false, true, 'l'], [true, true, 'al']] as const;

group('exclusives and atomics', () => {
  for (const bytes of [1, 2, 4, 8] as const) {
    const sfx = SIZE_SUFFIX[bytes];
    const dr = (n: number): string => (bytes === 8 ? x(n) : w(n));
    for (const [rs, rt, rn] of [[0, 1, 2], [17, 30, 31], [31, 0, 17], [30, 31, 1]]) {
      expectAsm(() => E.ldxr(bytes, rt, rn), `ldxr${sfx} ${dr(rt)}, [${xsp(rn)}]`);
      expectAsm(() => E.ldxr(bytes, rt, rn, true), `ldaxr${sfx} ${dr(rt)}, [${xsp(rn)}]`);
      expectAsm(() => E.stxr(bytes, rs, rt, rn), `stxr${sfx} ${w(rs)}, ${dr(rt)}, [${xsp(rn)}]`);
      expectAsm(() => E.stxr(bytes, rs, rt, rn, true), `stlxr${sfx} ${w(rs)}, ${dr(rt)}, [${xsp(rn)}]`);
      expectAsm(() => E.ldar(bytes, rt, rn), `ldar${sfx} ${dr(rt)}, [${xsp(rn)}]`);
      expectAsm(() => E.stlr(bytes, rt, rn), `stlr${sfx} ${dr(rt)}, [${xsp(rn)}]`);
      for (const [acq, rel, ord] of ORDERINGS) {
        expectAsm(() => E.cas(bytes, rs, rt, rn, acq, rel), `cas${ord}${sfx} ${dr(rs)}, ${dr(rt)}, [${xsp(rn)}]`);
        for (const op of ['ldadd', 'ldclr', 'ldeor', 'ldset', 'ldsmax', 'ldsmin', 'ldumax', 'ldumin', 'swp'] as const) {
          expectAsm(() => E.atomic(op, bytes, rs, rt, rn, acq, rel), `${op}${ord}${sfx} ${dr(rs)}, ${dr(rt)}, [${xsp(rn)}]`);
        }
      }
    }
  }
  for (const sf of SFS) for (const [rs, rt, rn] of [[0, 2, 4], [28, 30, 31], [16, 0, 17]]) for (const [acq, rel, ord] of ORDERINGS) {
    expectAsm(() => E.casp(sf, rs, rt, rn, acq, rel), `casp${ord} ${r(sf, rs)}, ${r(sf, rs + 1)}, ${r(sf, rt)}, ${r(sf, rt + 1)}, [${xsp(rn)}]`);
  }
});

group('floating point scalar', () => {
  for (const [d, n, m] of [[0, 1, 2], [17, 30, 31], [31, 0, 17]]) {
    expectAsm(() => E.fmovToFp(true, d, n), `fmov d${d}, ${x(n)}`);
    expectAsm(() => E.fmovToFp(false, d, n), `fmov s${d}, ${w(n)}`);
    expectAsm(() => E.fmovFromFp(true, d, n), `fmov ${x(d)}, d${n}`);
    expectAsm(() => E.fmovFromFp(false, d, n), `fmov ${w(d)}, s${n}`);
    for (const t of ['s', 'd'] as const) {
      for (const op of ['fmul', 'fdiv', 'fadd', 'fsub', 'fmax', 'fmin', 'fmaxnm', 'fminnm', 'fnmul'] as const) {
        expectAsm(() => E.fpArith(op, t, d, n, m), `${op} ${t}${d}, ${t}${n}, ${t}${m}`);
      }
      for (const op of ['fmov', 'fabs', 'fneg', 'fsqrt', 'frintn', 'frintp', 'frintm', 'frintz', 'frinta', 'frintx', 'frinti'] as const) {
        expectAsm(() => E.fpUnary(op, t, d, n), `${op} ${t}${d}, ${t}${n}`);
      }
      expectAsm(() => E.fcmp(t, n, m), `fcmp ${t}${n}, ${t}${m}`);
      expectAsm(() => E.fcmp(t, n, m, true), `fcmpe ${t}${n}, ${t}${m}`);
      expectAsm(() => E.fcmpZero(t, n), `fcmp ${t}${n}, #0.0`);
      expectAsm(() => E.fcmpZero(t, n, true), `fcmpe ${t}${n}, #0.0`);
      for (const cond of [Cond.EQ, Cond.LT, Cond.AL]) expectAsm(() => E.fcsel(t, d, n, m, cond), `fcsel ${t}${d}, ${t}${n}, ${t}${m}, ${COND_NAMES[cond]}`);
      for (const sf of SFS) {
        expectAsm(() => E.intToFp('scvtf', sf, t, d, n), `scvtf ${t}${d}, ${r(sf, n)}`);
        expectAsm(() => E.intToFp('ucvtf', sf, t, d, n), `ucvtf ${t}${d}, ${r(sf, n)}`);
        for (const op of ['fcvtns', 'fcvtnu', 'fcvtas', 'fcvtau', 'fcvtps', 'fcvtpu', 'fcvtms', 'fcvtmu', 'fcvtzs', 'fcvtzu'] as const) {
          expectAsm(() => E.fpToInt(op, sf, t, d, n), `${op} ${r(sf, d)}, ${t}${n}`);
        }
      }
    }
    for (const [to, from] of [['d', 's'], ['s', 'd'], ['h', 's'], ['s', 'h'], ['h', 'd'], ['d', 'h']] as const) {
      expectAsm(() => E.fcvt(to, from, d, n), `fcvt ${to}${d}, ${from}${n}`);
    }
  }
});

const ALL_ARRANGEMENTS: E.Arrangement[] = ['8b', '16b', '4h', '8h', '2s', '4s', '1d', '2d'];
const LANE_BITS: Record<E.Arrangement, number> = { '8b': 8, '16b': 8, '4h': 16, '8h': 16, '2s': 32, '4s': 32, '1d': 64, '2d': 64 };
const VREGS: [number, number, number][] = [[0, 1, 2], [17, 30, 31], [31, 0, 17]];

group('simd integer', () => {
  // Arrangements each op allows, from the ISA manual.
  const no64 = ['8b', '16b', '4h', '8h', '2s', '4s'];
  const with2d = [...no64, '2d'];
  const allowed: Record<E.Simd3SameOp, string[]> = {
    add: with2d, sub: with2d, mul: no64, cmeq: with2d, cmgt: with2d, cmge: with2d, cmhi: with2d, cmhs: with2d, cmtst: with2d,
    sqadd: with2d, uqadd: with2d, sqsub: with2d, uqsub: with2d, smax: no64, smin: no64, umax: no64, umin: no64,
    sshl: with2d, ushl: with2d, uabd: no64, sabd: no64, addp: with2d, urhadd: no64,
  };
  for (const op of Object.keys(allowed) as E.Simd3SameOp[]) for (const arr of ALL_ARRANGEMENTS) {
    const [d, n, m] = VREGS[rand(3)];
    if (allowed[op].includes(arr)) expectAsm(() => E.simd3Same(op, arr, d, n, m), `${op} ${v(d, arr)}, ${v(n, arr)}, ${v(m, arr)}`);
    else expectReject(() => E.simd3Same(op, arr, d, n, m), `${op} ${v(d, arr)}, ${v(n, arr)}, ${v(m, arr)}`);
  }
  for (const [d, n, m] of VREGS) for (const arr of ['8b', '16b'] as const) {
    for (const op of ['and', 'bic', 'orr', 'orn', 'eor', 'bsl', 'bit', 'bif'] as const) {
      expectAsm(() => E.simdLogic(op, arr, d, n, m), `${op} ${v(d, arr)}, ${v(n, arr)}, ${v(m, arr)}`);
    }
    expectAsm(() => E.simd2Misc('not', arr, d, n), `not ${v(d, arr)}, ${v(n, arr)}`);
    expectAsm(() => E.simd2Misc('cnt', arr, d, n), `cnt ${v(d, arr)}, ${v(n, arr)}`);
  }
  expectAsm(() => E.vmov(3, 4), 'orr v3.16b, v4.16b, v4.16b');
  for (const arr of with2d as E.Arrangement[]) {
    const [d, n, m] = VREGS[rand(3)];
    for (const [op, text] of [['cmeq0', 'cmeq'], ['cmgt0', 'cmgt'], ['cmge0', 'cmge'], ['cmle0', 'cmle'], ['cmlt0', 'cmlt']] as const) {
      expectAsm(() => E.simd2Misc(op, arr, d, n), `${text} ${v(d, arr)}, ${v(n, arr)}, #0`);
    }
    expectAsm(() => E.simd2Misc('abs', arr, d, n), `abs ${v(d, arr)}, ${v(n, arr)}`);
    expectAsm(() => E.simd2Misc('neg', arr, d, n), `neg ${v(d, arr)}, ${v(n, arr)}`);
    for (const op of ['zip1', 'zip2', 'uzp1', 'uzp2', 'trn1', 'trn2'] as const) {
      expectAsm(() => E.simdPermute(op, arr, d, n, m), `${op} ${v(d, arr)}, ${v(n, arr)}, ${v(m, arr)}`);
    }
    const bits = LANE_BITS[arr];
    for (const shift of [0, bits - 1, rand(bits)]) expectAsm(() => E.simdShiftImm('shl', arr, d, n, shift), `shl ${v(d, arr)}, ${v(n, arr)}, #${shift}`);
    for (const shift of [1, bits, 1 + rand(bits)]) {
      expectAsm(() => E.simdShiftImm('ushr', arr, d, n, shift), `ushr ${v(d, arr)}, ${v(n, arr)}, #${shift}`);
      expectAsm(() => E.simdShiftImm('sshr', arr, d, n, shift), `sshr ${v(d, arr)}, ${v(n, arr)}, #${shift}`);
    }
    const lanes = 128 / bits;
    const esize = ({ 8: 'b', 16: 'h', 32: 's', 64: 'd' } as const)[bits as 8 | 16 | 32 | 64];
    for (const index of [0, lanes - 1, rand(lanes)]) {
      expectAsm(() => E.dupElement(arr, d, n, index), `dup ${v(d, arr)}, v${n}.${esize}[${index}]`);
      expectAsm(() => E.insGeneral(esize, d, index, n), `ins v${d}.${esize}[${index}], ${bits === 64 ? x(n) : w(n)}`);
      const src = rand(lanes);
      expectAsm(() => E.insElement(esize, d, index, n, src), `ins v${d}.${esize}[${index}], v${n}.${esize}[${src}]`);
      expectAsm(() => E.umov(esize, d, n, index), `umov ${bits === 64 ? x(d) : w(d)}, v${n}.${esize}[${index}]`);
      if (bits < 64) expectAsm(() => E.smov(true, esize, d, n, index), `smov ${x(d)}, v${n}.${esize}[${index}]`);
      if (bits < 32) expectAsm(() => E.smov(false, esize, d, n, index), `smov ${w(d)}, v${n}.${esize}[${index}]`);
    }
    expectAsm(() => E.dupGeneral(arr, d, n), `dup ${v(d, arr)}, ${bits === 64 ? x(n) : w(n)}`);
  }
  // Narrowing, widening and reductions: the wide arrangement is twice the lane size.
  const WIDE: Record<string, string> = { '8b': '8h', '16b': '8h', '4h': '4s', '8h': '4s', '2s': '2d', '4s': '2d' };
  const UPPER = new Set(['16b', '8h', '4s']);
  for (const arr of no64 as E.Arrangement[]) {
    const [d, n, m] = VREGS[rand(3)];
    const two = UPPER.has(arr) ? '2' : '';
    for (const op of ['xtn', 'sqxtn', 'sqxtun', 'uqxtn'] as const) expectAsm(() => E.simdNarrow(op, arr, d, n), `${op}${two} ${v(d, arr)}, ${v(n, WIDE[arr])}`);
    for (const op of ['smull', 'umull'] as const) expectAsm(() => E.simdMulLong(op, arr, d, n, m), `${op}${two} ${v(d, WIDE[arr])}, ${v(n, arr)}, ${v(m, arr)}`);
    const PAIR_WIDE: Record<string, string> = { '8b': '4h', '16b': '8h', '4h': '2s', '8h': '4s', '2s': '1d', '4s': '2d' };
    for (const op of ['saddlp', 'uaddlp'] as const) for (const [pd, pn] of VREGS) {
      expectAsm(() => E.simdAddLongPairwise(op, arr, pd, pn), `${op} ${v(pd, PAIR_WIDE[arr])}, ${v(pn, arr)}`);
    }
    for (const op of ['sshll', 'ushll'] as const) for (const shift of [0, LANE_BITS[arr] - 1]) {
      expectAsm(() => E.simdShiftLong(op, arr, d, n, shift), `${op}${two} ${v(d, WIDE[arr])}, ${v(n, arr)}, #${shift}`);
    }
    if (arr !== '2s') {
      const narrowScalar = { 8: 'b', 16: 'h', 32: 's' }[LANE_BITS[arr]];
      const wideScalar = { 8: 'h', 16: 's', 32: 'd' }[LANE_BITS[arr]];
      for (const op of ['addv', 'smaxv', 'sminv', 'umaxv', 'uminv'] as const) expectAsm(() => E.simdAcross(op, arr, d, n), `${op} ${narrowScalar}${d}, ${v(n, arr)}`);
      for (const op of ['saddlv', 'uaddlv'] as const) expectAsm(() => E.simdAcross(op, arr, d, n), `${op} ${wideScalar}${d}, ${v(n, arr)}`);
    }
  }
  for (const [d, n, m] of VREGS) {
    for (const index of [0, 15, rand(16)]) expectAsm(() => E.simdExt(true, d, n, m, index), `ext ${v(d, '16b')}, ${v(n, '16b')}, ${v(m, '16b')}, #${index}`);
    for (const index of [0, 7]) expectAsm(() => E.simdExt(false, d, n, m, index), `ext ${v(d, '8b')}, ${v(n, '8b')}, ${v(m, '8b')}, #${index}`);
    expectAsm(() => E.tbl(true, d, n, m), `tbl ${v(d, '16b')}, {${v(n, '16b')}}, ${v(m, '16b')}`);
    expectAsm(() => E.tbl(false, d, n, m), `tbl ${v(d, '8b')}, {${v(n, '16b')}}, ${v(m, '8b')}`);
    expectAsm(() => E.moviZero(d), `movi v${d}.2d, #0`);
    expectAsm(() => E.moviZero(d, false), `movi d${d}, #0`);
  }
});

group('simd floating point', () => {
  for (const arr of ['2s', '4s', '2d'] as const) for (const [d, n, m] of VREGS) {
    for (const op of ['fadd', 'fsub', 'fmul', 'fdiv', 'fmax', 'fmin', 'fmaxnm', 'fminnm', 'fcmeq', 'fcmge', 'fcmgt'] as const) {
      expectAsm(() => E.fpVec3(op, arr, d, n, m), `${op} ${v(d, arr)}, ${v(n, arr)}, ${v(m, arr)}`);
    }
    for (const op of ['fabs', 'fneg', 'fsqrt', 'frinti'] as const) expectAsm(() => E.fpVecUnary(op, arr, d, n), `${op} ${v(d, arr)}, ${v(n, arr)}`);
  }
});

// ------------------------------------------------------------------------------ llvm-mc runs

function llvmMc(args: string[], input: string): { stdout: string; stderr: string } {
  const run = spawnSync(LLVM_MC, ['-triple=aarch64', MATTR, ...args], { input, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (run.error) throw run.error;
  return { stdout: run.stdout, stderr: run.stderr };
}

/** 1-based input line numbers that llvm-mc reported an error or warning for. */
function diagnosticLines(stderr: string, kind: 'error' | 'warning'): Map<number, string> {
  const found = new Map<number, string>();
  for (const m of stderr.matchAll(new RegExp(`<stdin>:(\\d+):\\d+: ${kind}: (.*)`, 'g'))) found.set(Number(m[1]), m[2]);
  return found;
}

/** Assembles one instruction per line; per line, the encoded word or llvm-mc's error. */
function assembleAll(lines: string[]): ({ word: number } | { error: string })[] {
  const { stdout, stderr } = llvmMc(['-show-encoding'], lines.join('\n') + '\n');
  const errors = diagnosticLines(stderr, 'error');
  const encodings = [...stdout.matchAll(/encoding: \[(0x[0-9a-f]{2}),(0x[0-9a-f]{2}),(0x[0-9a-f]{2}),(0x[0-9a-f]{2})\]/g)]
    .map((m) => (Number(m[1]) | (Number(m[2]) << 8) | (Number(m[3]) << 16) | (Number(m[4]) << 24)) >>> 0);
  let next = 0;
  const result = lines.map((_, i) => (errors.has(i + 1) ? { error: errors.get(i + 1)! } : { word: encodings[next++] }));
  if (next !== encodings.length) throw new Error(`llvm-mc produced ${encodings.length} encodings for ${next} accepted lines`);
  return result;
}

/** Disassembles words, one per line; per word, llvm-mc's text or null when it is not a valid encoding. */
function disassembleAll(words: number[]): (string | null)[] {
  const input = words.map((word) => [0, 8, 16, 24].map((s) => `0x${((word >>> s) & 0xff).toString(16)}`).join(' ')).join('\n') + '\n';
  const { stdout, stderr } = llvmMc(['--disassemble'], input);
  const invalid = diagnosticLines(stderr, 'warning');
  const texts = stdout.split('\n').filter((line) => line.startsWith('\t') && !line.startsWith('\t.')).map((line) => line.trim().replace(/\s+/g, ' '));
  let next = 0;
  return words.map((_, i) => (invalid.has(i + 1) ? null : texts[next++]));
}

const hex = (word: number): string => `0x${(word >>> 0).toString(16).padStart(8, '0')}`;

describe('AArch64 encoder against llvm-mc', () => {
  const ours = cases.map((c): { word: number } | { error: string } => {
    try {
      return { word: c.encode() };
    } catch (e) {
      return { error: String(e) };
    }
  });
  let assembled: ({ word: number } | { error: string })[];
  let disassembled: (string | null)[];
  beforeAll(() => {
    assembled = assembleAll(cases.map((c) => c.asm));
    const words = ours.map((o) => ('word' in o ? o.word : 0xd503201f));
    disassembled = disassembleAll(words);
  });

  for (const name of [...new Set(cases.map((c) => c.group))]) {
    it(`${name}: words equal llvm-mc's encoding of the expected text`, () => {
      const failures: string[] = [];
      cases.forEach((c, i) => {
        if (c.group !== name) return;
        const mine = ours[i];
        const theirs = assembled[i];
        if (c.reject) {
          if ('word' in mine || 'word' in theirs) failures.push(`${c.asm}: expected rejection; ours ${'word' in mine ? hex(mine.word) : 'threw'}, llvm ${'word' in theirs ? hex(theirs.word) : 'rejected'}`);
          return;
        }
        if ('error' in theirs) failures.push(`${c.asm}: llvm-mc rejected it: ${theirs.error}`);
        else if ('error' in mine) failures.push(`${c.asm}: encoder threw ${mine.error}`);
        else if (mine.word !== theirs.word) failures.push(`${c.asm}: ours ${hex(mine.word)} (${disassembled[i]}), llvm-mc ${hex(theirs.word)}`);
        else if (disassembled[i] === null) failures.push(`${c.asm}: llvm-mc cannot disassemble ${hex(mine.word)}`);
      });
      expect(failures.slice(0, 30)).toEqual([]);
    });
  }

  it('covers a reasonable number of cases', () => {
    expect(cases.length).toBeGreaterThan(3000);
  });
});

/** The value a sequence of mov/movk leaves in its register, read from llvm-mc's disassembly. */
function evaluateMoves(texts: (string | null)[]): bigint {
  const mask64 = (1n << 64n) - 1n;
  let value = 0n;
  for (const text of texts) {
    const mov = /^mov ([wx])\d+, #(-?\d+)$/.exec(text ?? '');
    const movk = /^movk ([wx])\d+, #(\d+)(?:, lsl #(\d+))?$/.exec(text ?? '');
    if (mov) value = BigInt(mov[2]) & (mov[1] === 'x' ? mask64 : 0xffffffffn);
    else if (movk) {
      const shift = BigInt(movk[3] ?? 0);
      value = (value & ~(0xffffn << shift) & (movk[1] === 'x' ? mask64 : 0xffffffffn)) | (BigInt(movk[2]) << shift);
    } else throw new Error(`unexpected instruction in constant sequence: ${text}`);
  }
  return value;
}

describe('movImm64', () => {
  const mask64 = (1n << 64n) - 1n;
  const values: bigint[] = [0n, 1n, 0xffffn, 0x10000n, 0xffffffffn, 0x100000000n, mask64, mask64 - 1n, 0x8000000000000000n, -1n, -2n,
    0x5555555555555555n, 0x00ff00ff00ff00ffn, 0xffff0000ffffffffn, 0x1234567890abcdefn, 0xfffffffe12345678n, 0xffff1234n, 0x7fffffffn];
  for (let i = 0; i < 60; i++) values.push(rand64());
  for (let i = 0; i < 30; i++) values.push(BigInt(rand(2 ** 16)) << BigInt(16 * rand(4)) ^ (rand(2) ? mask64 : 0n));

  it('sets the register to the value (checked through llvm-mc disassembly), in as few words as halfword counting allows', () => {
    const sequences = values.map((value, i) => ({ value: value & mask64, short: E.movImm64(i % 31, value), fixed: E.movImm64Fixed(i % 31, value) }));
    const allWords = sequences.flatMap((s) => [...s.short, ...s.fixed]);
    const texts = disassembleAll(allWords);
    let at = 0;
    for (const { value, short, fixed } of sequences) {
      const shortTexts = texts.slice(at, at + short.length);
      at += short.length;
      const fixedTexts = texts.slice(at, at + fixed.length);
      at += fixed.length;
      expect({ value, got: evaluateMoves(shortTexts) }).toEqual({ value, got: value });
      expect({ value, got: evaluateMoves(fixedTexts) }).toEqual({ value, got: value });
      expect(fixed).toHaveLength(4);
      // Upper bound: a MOVZ or MOVN start plus one MOVK per remaining half-word that differs.
      const halves = [0, 1, 2, 3].map((k) => (value >> BigInt(16 * k)) & 0xffffn);
      const bound = Math.max(1, Math.min(halves.filter((h) => h !== 0n).length, halves.filter((h) => h !== 0xffffn).length));
      expect(short.length).toBeLessThanOrEqual(bound);
    }
    expect(E.movImm64(0, 0x5555555555555555n)).toHaveLength(1);
    expect(E.movImm64(0, 0xffff1234n)).toHaveLength(1);
  });
});

describe('range checks', () => {
  it('throws RangeError for operands that do not fit', () => {
    const bad: (() => unknown)[] = [
      () => E.addImm(true, 0, 1, 4096), () => E.addImm(true, 0, 1, -1), () => E.addImm(true, 32, 1, 0),
      () => E.addReg(false, 0, 1, 2, Shift.LSL, 32), () => E.addReg(true, 0, 1, 2, Shift.ROR, 1),
      () => E.addExt(true, 0, 1, 2, Extend.UXTW, 5), () => E.andImm(true, 0, 1, 0n), () => E.andImm(true, 0, 1, 0x12345n),
      () => E.orrImm(false, 0, 1, 0x1_0000_0000n), () => E.movz(false, 0, 1, 2), () => E.movz(true, 0, 0x10000, 0),
      () => E.ubfx(false, 0, 1, 30, 3), () => E.lslImm(true, 0, 1, 64), () => E.ubfm(false, 0, 1, 32, 0),
      () => E.b(2), () => E.b(2 ** 27), () => E.b(-(2 ** 27) - 4), () => E.bCond(Cond.EQ, 2 ** 20), () => E.cbz(true, 0, 6),
      () => E.tbz(0, 64, 0), () => E.tbz(0, 0, 2 ** 15), () => E.adr(0, 2 ** 20), () => E.adrp(0, 100),
      () => E.ldst(E.Mem.LDR_X, 0, 1, 4), () => E.ldst(E.Mem.LDR_X, 0, 1, 8 * 4096), () => E.ldst(E.Mem.LDR_Q, 0, 1, -16),
      () => E.ldstUnscaled(E.Mem.LDR_W, 0, 1, 256), () => E.ldstOffset(E.Mem.LDR_X, 0, 1, 257),
      () => E.ldstReg(E.Mem.LDR_X, 0, 1, 2, Extend.UXTB), () => E.ldp(true, 0, 1, 2, 512), () => E.ldp(true, 0, 1, 2, 4),
      () => E.casp(true, 1, 2, 3), () => E.ccmpImm(true, 0, 32, 0, Cond.EQ), () => E.ccmp(true, 0, 1, 16, Cond.EQ),
      () => E.svc(0x10000), () => E.rmif(0, 64, 0), () => E.cset(true, 0, Cond.AL), () => E.movImm64(31, 1n),
      () => E.movImm64(0, 1n << 64n), () => E.simd3Same('mul', '2d', 0, 1, 2), () => E.simd3Same('add', '1d', 0, 1, 2),
      () => E.simdShiftImm('ushr', '4s', 0, 1, 0), () => E.simdShiftImm('shl', '8b', 0, 1, 8), () => E.simdExt(false, 0, 1, 2, 8),
      () => E.dupElement('4s', 0, 1, 4), () => E.smov(false, 's', 0, 1, 0), () => E.simdAcross('addv', '2s', 0, 1),
      () => E.fcvt('d', 'd', 0, 1), () => E.fpVec3('fadd', '8h' as E.FpVecArrangement, 0, 1, 2),
      () => E.simdAddLongPairwise('uaddlp', '2d', 0, 1),
    ];
    for (const make of bad) expect(make).toThrow(RangeError);
  });
});

describe('branch decoding', () => {
  it('reads back branch targets', () => {
    expect(E.isB(E.b(-8))).toBe(true);
    expect(E.isBl(E.bl(8))).toBe(true);
    expect(E.isB(E.bl(8))).toBe(false);
    expect(E.branchTarget(E.b(-(2 ** 27)), 0x10000000n)).toBe(0x10000000n - (1n << 27n));
    expect(E.branchTarget(E.bl(2 ** 27 - 4), 0x1000n)).toBe(0x1000n + (1n << 27n) - 4n);
    expect(() => E.branchTarget(E.nop(), 0n)).toThrow(RangeError);
  });
});

describe('CodeBuffer', () => {
  it('grows, patches and serializes little-endian', () => {
    const buf = new CodeBuffer();
    for (let i = 0; i < 100; i++) expect(buf.emit(0x80000000 + i)).toBe(i);
    expect(buf.length).toBe(100);
    buf.patch(99, 0xd503201f);
    expect(() => buf.patch(100, 0)).toThrow(RangeError);
    const words = buf.words();
    expect(words.length).toBe(100);
    expect(words[0]).toBe(0x80000000);
    expect(words[99]).toBe(0xd503201f);
    const bytes = buf.bytes();
    expect(bytes.length).toBe(400);
    expect([...bytes.slice(0, 4)]).toEqual([0x00, 0x00, 0x00, 0x80]);
    expect([...bytes.slice(396)]).toEqual([0x1f, 0x20, 0x03, 0xd5]);
  });
});
