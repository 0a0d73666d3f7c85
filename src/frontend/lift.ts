// Lifts one guest block: decodes x86-64 with Capstone from guest memory and runs each instruction
// through the semantics table until a control transfer, an unsupported instruction or the size cap.
import { X86Decoder, X86Insn } from '../capstone/capstone';
import { Block } from '../ir/ir';
import { Builder, UnsupportedOperand } from './builder';
import { semanticsOf } from './semantics';

/** Where the frontend reads guest code; the core knows nothing of files or mappings beyond this. */
export interface CodeSource {
  /** The executable bytes from addr up to at most len (fewer at the end of an executable mapping). */
  readCode(addr: bigint, len: number): Uint8Array;
}

export const MAX_BLOCK_INSNS = 64;
const MAX_INSN_BYTES = 15;
const DECODE_BATCH = 8;

export class Lifter {
  private readonly decoder = new X86Decoder();
  constructor(private readonly code: CodeSource) {}

  /** Decodes one instruction (for the interpreter and for error reports). */
  decodeOne(rip: bigint): X86Insn | undefined {
    return this.decoder.decode(this.code.readCode(rip, MAX_INSN_BYTES), rip, 1)[0];
  }

  /** Lifts the block at start; `limit`, when above start, is an address the block must end at. */
  lift(start: bigint, limit?: bigint): Block {
    const b = new Builder(start);
    let insns: X86Insn[] = [];
    let rip = start;
    let count = 0;
    for (let k = 0; count < MAX_BLOCK_INSNS; k++) {
      if (limit !== undefined && rip === limit && count > 0) break;
      if (k >= insns.length) {
        // Decode a few instructions at a time: most blocks are short.
        const window = this.code.readCode(rip, DECODE_BATCH * MAX_INSN_BYTES);
        if (window.length === 0) {
          if (count > 0) break;
          return b.finish({ kind: 'fault', signal: 11, rip: start, message: 'execute from non-executable memory' }, start, 0);
        }
        insns = this.decoder.decode(window, rip, DECODE_BATCH);
        k = 0;
        if (insns.length === 0) return b.finish(undecodable(rip, window), rip, count);
      }
      const insn = insns[k];
      const sem = semanticsOf(insn.name);
      if (!sem) {
        return b.finish({ kind: 'fault', signal: 4, rip, message: unsupportedMessage(insn) }, rip, count);
      }
      const mark = b.ops.length;
      b.insn = insn;
      let exit;
      try {
        exit = sem.lift(b, insn);
      } catch (e) {
        if (!(e instanceof UnsupportedOperand)) throw e;
        b.ops.length = mark;
        b.opRip.length = mark;
        return b.finish({ kind: 'fault', signal: 4, rip, message: `${unsupportedMessage(insn)} (${e.message})` }, rip, count);
      }
      count++;
      rip = insn.address + BigInt(insn.size);
      if (exit) {
        if (exit.kind === 'interpret' && mark === b.ops.length && count > 1) {
          // Let the block end before the interpreted instruction, so the runtime starts there.
          return b.finish({ kind: 'jump', target: insn.address }, insn.address, count - 1);
        }
        return b.finish(exit, rip, count);
      }
    }
    return b.finish({ kind: 'jump', target: rip }, rip, count);
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
export function unsupportedMessage(insn: X86Insn): string {
  return `unsupported instruction '${insn.text}' at 0x${insn.address.toString(16)} (bytes ${hex(insn.bytes)})`;
}
function undecodable(rip: bigint, bytes: Uint8Array) {
  return { kind: 'fault' as const, signal: 4 as const, rip,
    message: `undecodable instruction at 0x${rip.toString(16)} (bytes ${hex(bytes.subarray(0, 8))})` };
}
