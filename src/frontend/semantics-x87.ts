// x87 (and fxsave/fxrstor) in the semantics table: every one leaves translated code through an
// 'interpret' exit and runs in TypeScript (src/runtime/x87), with exact 80-bit arithmetic.
import { X86Insn } from '../capstone/capstone';
import { ALL_FLAGS, Exit, FlagSet } from '../ir/ir';
import { X87_NAMES } from '../runtime/x87/exec';
import type { Builder } from './builder';

type Def = (names: string | string[], reads: FlagSet, writes: FlagSet, lift: (b: Builder, i: X86Insn) => Exit | void) => void;

export function registerX87(def: Def): void {
  // fcmov* read flags and fcomi* write them: declared as reading and writing all of them.
  def(X87_NAMES, ALL_FLAGS, ALL_FLAGS, (_b, i) => ({ kind: 'interpret', rip: i.address }));
}
