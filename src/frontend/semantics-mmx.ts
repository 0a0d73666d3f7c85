// MMX in the semantics table: every MMX form (an instruction with an mm register operand, and emms)
// leaves translated code through an 'interpret' exit and runs in TypeScript (src/runtime/mmx.ts).
// Most MMX mnemonics are shared with SSE2 forms (movd, movq, paddb, pand ...): those keep the lift
// they already had, so registerMmx must run after every SSE definition.
import { X86Insn } from '../capstone/capstone';
import { Exit, FlagSet } from '../ir/ir';
import { isMmx, MMX_NAMES } from '../runtime/mmx';
import { Builder, UnsupportedOperand } from './builder';

interface Semantics { reads: FlagSet; writes: FlagSet; lift(b: Builder, i: X86Insn): Exit | void }
type Def = (names: string | string[], reads: FlagSet, writes: FlagSet, lift: (b: Builder, i: X86Insn) => Exit | void) => void;

export function registerMmx(def: Def, semanticsOf: (name: string) => Semantics | undefined): void {
  for (const name of MMX_NAMES) {
    const sse = semanticsOf(name);
    // MMX instructions touch no flags: the SSE form's flag sets (if any) stand for both.
    def(name, sse?.reads ?? 0, sse?.writes ?? 0, (b, i) => {
      if (isMmx(i)) return { kind: 'interpret', rip: i.address };
      if (sse) return sse.lift(b, i);
      throw new UnsupportedOperand(`${i.name} without an mm operand`);
    });
  }
}
