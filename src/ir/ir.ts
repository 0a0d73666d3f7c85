// Ferry's IR: a guest block as a list of operations on sized temporaries, with explicit x86 flag
// effects, memory operations and one explicit exit. The frontend builds it; passes and the backend read it.

export type Temp = number;
/** Operand width in bytes; 16 is an XMM value. */
export type Size = 1 | 2 | 4 | 8 | 16;

/** x86 status flags as a bit set; FlagSet.ALL is what an exit leaves live. */
export const Flag = { CF: 1, PF: 2, AF: 4, ZF: 8, SF: 16, OF: 32 } as const;
export type FlagSet = number;
export const ALL_FLAGS: FlagSet = 63;
export const FLAG_NAMES: Record<number, string> = { 1: 'CF', 2: 'PF', 4: 'AF', 8: 'ZF', 16: 'SF', 32: 'OF' };

/** x86 condition codes in encoding order (the low nibble of jcc/setcc/cmovcc). */
export enum Cond { O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G }
export const COND_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
export const COND_READS: FlagSet[] = [
  Flag.OF, Flag.OF, Flag.CF, Flag.CF, Flag.ZF, Flag.ZF, Flag.CF | Flag.ZF, Flag.CF | Flag.ZF,
  Flag.SF, Flag.SF, Flag.PF, Flag.PF, Flag.SF | Flag.OF, Flag.SF | Flag.OF,
  Flag.ZF | Flag.SF | Flag.OF, Flag.ZF | Flag.SF | Flag.OF,
];

export type BinKind = 'add' | 'sub' | 'and' | 'or' | 'xor' | 'andn' | 'shl' | 'shr' | 'sar' | 'ror'
  | 'mul' | 'umulh' | 'smulh' | 'udiv' | 'sdiv' | 'urem' | 'srem';
/** iszero/nonzero give 0 or 1 without touching the flags. */
export type UnKind = 'not' | 'neg' | 'bswap' | 'clz' | 'ctz' | 'popcnt' | 'iszero' | 'nonzero';
/** Flag-producing arithmetic; inc/dec keep CF, neg is 0 - a. `flags` is what the op writes, `live` what a later reader needs. */
export type ArithKind = 'add' | 'sub' | 'adc' | 'sbb' | 'inc' | 'dec' | 'neg';
/**
 * Vector kinds: mov (whole register), movq (low 64 bits, upper zeroed), movlow (low lane of xb into xd),
 * bitwise and/or/xor/andn (xd = ~xa & xb), lane-wise add/sub/cmpeq/zip1/zip2, pshufd/shufps (imm),
 * scalar FP (low lane, rest of xa kept): fadd/fsub/fmul/fdiv/fmin/fmax/fsqrt, cvt (lane = result type);
 * packed FP (lane s or d): pfadd/pfsub/pfmul/pfdiv/pfmin/pfmax/pfsqrt; cvtdq2ps; byte shifts psrldq/pslldq and
 * lane shifts ushr/shl/sshr by imm; signed cmpgt; packus/packss (lane = result lane: xa's lanes low, xb's high); shufpd;
 * pshuflw/pshufhw (imm); FP compares to lane masks, imm = predicate 0-7 (eq lt le unord neq nlt nle ord): fcmpp packed,
 * fcmps the low lane only; ins: xd[imm >> 4] = xb[imm & 15] (lanes of `lane`); saturating/min/max/rounding-average/mul
 * lane-wise integer ops named as the AArch64 instruction; pmulh/pmulhu (high halves of the 16-bit products), pmaddwd,
 * psadbw; ushrv/shlv/sshrv: lane shifts by the unsigned 64-bit count in xb's low quadword (psrl/psll/psra with an xmm count);
 * cvtps2dq/cvtpd2dq (rounding by MXCSR.RC) and cvttpd2dq: out of range or NaN gives 0x80000000.
 */
export type VecKind = 'mov' | 'movq' | 'movlow' | 'and' | 'or' | 'xor' | 'andn' | 'add' | 'sub' | 'cmpeq' | 'zip1' | 'zip2'
  | 'pshufd' | 'shufps' | 'fadd' | 'fsub' | 'fmul' | 'fdiv' | 'fmin' | 'fmax' | 'fsqrt' | 'cvt'
  | 'pfadd' | 'pfsub' | 'pfmul' | 'pfdiv' | 'pfmin' | 'pfmax' | 'pfsqrt' | 'cvtdq2ps'
  | 'psrldq' | 'pslldq' | 'ushr' | 'shl' | 'sshr' | 'cmpgt' | 'packus' | 'packss' | 'shufpd' | 'pshuflw' | 'pshufhw'
  | 'fcmpp' | 'fcmps' | 'ins'
  | 'sqadd' | 'uqadd' | 'sqsub' | 'uqsub' | 'smin' | 'smax' | 'umin' | 'umax' | 'urhadd' | 'mul'
  | 'cvtps2pd' | 'cvtpd2ps' | 'cvtdq2pd' | 'cvttps2dq' | 'pmuludq'
  | 'pmulh' | 'pmulhu' | 'pmaddwd' | 'psadbw' | 'ushrv' | 'shlv' | 'sshrv' | 'cvtps2dq' | 'cvtpd2dq' | 'cvttpd2dq';
export type LogicKind = 'and' | 'or' | 'xor';
export type Segment = 'fs' | 'gs';

/** A memory address: base + index * scale + disp, all 64-bit. */
export interface Addr { base?: Temp; index?: Temp; scale: 1 | 2 | 4 | 8; disp: bigint }

export type Op =
  | { op: 'const'; dst: Temp; value: bigint }
  | { op: 'getreg'; dst: Temp; reg: number }
  | { op: 'setreg'; reg: number; src: Temp }
  | { op: 'bin'; kind: BinKind; dst: Temp; a: Temp; b: Temp; size: 4 | 8 }
  | { op: 'un'; kind: UnKind; dst: Temp; a: Temp; size: Size }
  | { op: 'ext'; dst: Temp; a: Temp; from: 1 | 2 | 4 | 8; signed: boolean }
  | { op: 'extract'; dst: Temp; a: Temp; lsb: number; width: number }
  | { op: 'insert'; dst: Temp; base: Temp; val: Temp; lsb: number; width: number }
  | { op: 'lea'; dst: Temp; addr: Addr }
  | { op: 'segbase'; dst: Temp; seg: Segment }
  | { op: 'load'; dst: Temp; addr: Addr; size: 1 | 2 | 4 | 8 }
  | { op: 'store'; addr: Addr; src: Temp; size: 1 | 2 | 4 | 8 }
  | { op: 'select'; dst: Temp; cond: Cond; a: Temp; b: Temp }          // cond ? a : b (64-bit)
  | { op: 'setcc'; dst: Temp; cond: Cond }
  | { op: 'arith'; kind: ArithKind; dst: Temp; a: Temp; b: Temp; size: 1 | 2 | 4 | 8; flags: FlagSet; live?: FlagSet }
  | { op: 'logic'; kind: LogicKind; dst: Temp; a: Temp; b: Temp; size: 1 | 2 | 4 | 8; flags: FlagSet; live?: FlagSet }
  /** Sets each given flag from a 0/1 temp; pfFrom sets PF from a result's low byte; flags lists what is written. */
  | { op: 'setflags'; values: Partial<Record<'CF' | 'ZF' | 'SF' | 'OF' | 'AF', Temp>>; pfFrom?: Temp; flags: FlagSet; unlessZero?: Temp; live?: FlagSet }
  /** ZF/SF/PF from a result of the given size (as after a logic op), CF/OF/AF from 0/1 temps. */
  | { op: 'resultflags'; result: Temp; size: 1 | 2 | 4 | 8; cf?: Temp; of?: Temp; af?: Temp; flags: FlagSet; unlessZero?: Temp; live?: FlagSet }
  | { op: 'getflag'; dst: Temp; flag: 'CF' | 'ZF' | 'SF' | 'OF' | 'PF' | 'AF' }
  | { op: 'cmc' }
  | { op: 'getrflags'; dst: Temp }
  | { op: 'setrflags'; src: Temp }
  | { op: 'getdf'; dst: Temp }
  | { op: 'setdf'; value: 0 | 1 }
  /** XMM ops: xd/xa/xb are vector register numbers (0-15 = XMM0-15, 16 = the memory-operand scratch). */
  | { op: 'vload'; xd: number; addr: Addr; size: 4 | 8 | 16 }       // zeroes the rest of xd
  | { op: 'vstore'; xa: number; addr: Addr; size: 4 | 8 | 16 }
  | { op: 'vop'; kind: VecKind; xd: number; xa: number; xb: number; lane?: 'b' | 'h' | 's' | 'd'; imm?: number }
  | { op: 'vfromgpr'; xd: number; src: Temp; size: 4 | 8 }          // zeroes the rest of xd
  | { op: 'vtogpr'; dst: Temp; xa: number; size: 4 | 8 }
  /** pmovmskb (lane b, the default), movmskps (s), movmskpd (d): the sign bit of each lane. */
  | { op: 'vmovmsk'; dst: Temp; xa: number; lane?: 'b' | 's' | 'd' }
  /** cvtsi2sd/ss: the low lane of xd = (float) src, the rest kept. */
  | { op: 'vcvti2f'; xd: number; src: Temp; from: 4 | 8; type: 's' | 'd' }
  /** cvtt*2si (truncating) / cvt*2si (rounding by MXCSR.RC): out of range or NaN gives the integer indefinite value. */
  | { op: 'vcvtf2i'; dst: Temp; xa: number; type: 's' | 'd'; size: 4 | 8; round?: boolean }
  /** ldmxcsr: MXCSR = src (bits 31:16 already checked zero); the rounding control takes effect. */
  | { op: 'setmxcsr'; src: Temp }
  /** stmxcsr: the MXCSR value last loaded (0x1f80 at start; exception flags are not tracked). */
  | { op: 'getmxcsr'; dst: Temp }
  /** ucomis/comis: ZF, PF, CF from the comparison; OF, SF, AF cleared. */
  | { op: 'fcomi'; xa: number; xb: number; type: 's' | 'd'; flags: FlagSet }
  /** Leaves the block for `exit` when `a` is zero (or non-zero). */
  | { op: 'sideexit'; a: Temp; when: 'zero' | 'nonzero'; exit: Exit }
  /**
   * movs/stos on the guest's rsi, rdi (and rcx with rep) going up (DF = 0): the lifter sends other
   * cases to the interpreter first. Works on the guest registers directly.
   */
  | { op: 'strop'; kind: 'movs' | 'stos'; size: 1 | 2 | 4 | 8; rep: boolean };

export type Signal = 4 | 5 | 8 | 11;  // SIGILL, SIGTRAP, SIGFPE, SIGSEGV
export type Exit =
  | { kind: 'jump'; target: bigint }
  | { kind: 'branch'; cond: Cond; taken: bigint; fallthrough: bigint }
  | { kind: 'indirect'; target: Temp }
  | { kind: 'syscall'; next: bigint }
  /** The runtime interprets the instruction at rip in TypeScript (rare or complex forms), then goes on. */
  | { kind: 'interpret'; rip: bigint }
  | { kind: 'fault'; signal: Signal; rip: bigint; message: string };

export interface Block {
  start: bigint;
  /** Address just past the last guest instruction. */
  end: bigint;
  guestInsns: number;
  ops: Op[];
  /** Guest address of the instruction each op came from (parallel to ops). */
  opRip: bigint[];
  exit: Exit;
  temps: number;
}
