// Emits the runtime's own AArch64 code: the dispatcher (guest RIP -> host block through the lookup
// table, leaving Unicorn only on a miss), the link trampoline, the entry point and the stop stub.
import { CodeBuffer } from '../backend/arm64/code-buffer';
import * as A from '../backend/arm64/encoder';
import { Cond } from '../backend/arm64/encoder';
import { ExitReason, X_EXIT_RIP, X_REASON, X_STATE } from '../backend/arm64/host-regs';
import { LOOKUP_BITS, LOOKUP_TABLE, STATE_ADDR } from './layout';

export interface RuntimeCode {
  bytes: Uint8Array;
  /** Offsets (bytes) of each entry point from the start of the runtime code. */
  entry: number;
  dispatch: number;
  link: number;
  stop: number;
}

/** The dispatcher keeps NZCV in x24 while it probes; x18-x21 are free between blocks. */
export function emitRuntimeCode(): RuntimeCode {
  const c = new CodeBuffer();
  const FLAGS = 24, HASH = 18, TABLE = 19, KEY = 20, HOST = 21;
  const tableOffset = LOOKUP_TABLE - STATE_ADDR;

  const entry = c.length * 4;
  const entryBranch = c.emit(A.nop());

  const dispatch = c.length * 4;
  c.emit(A.mrsNzcv(FLAGS));
  const again = c.length;
  c.emit(A.eorReg(true, HASH, X_EXIT_RIP, X_EXIT_RIP, A.Shift.LSR, LOOKUP_BITS));
  c.emit(A.ubfiz(true, HASH, HASH, 4, LOOKUP_BITS));
  c.emit(A.addImm(true, TABLE, X_STATE, Number(tableOffset >> 12n), true));
  c.emit(A.addReg(true, HASH, HASH, TABLE));
  const probe = c.length;
  c.emit(A.ldp(true, KEY, HOST, HASH, 16, 'post'));
  c.emit(A.cmpReg(true, KEY, X_EXIT_RIP));
  const toHit = c.emit(A.nop());
  c.emit(A.cbnz(true, KEY, (probe - c.length) * 4));
  c.emit(A.movz(true, X_REASON, ExitReason.Miss));
  c.emit(A.svc(0));
  c.emit(A.b((again - c.length) * 4));
  c.patch(toHit, A.bCond(Cond.EQ, (c.length - toHit) * 4));
  c.emit(A.msrNzcv(FLAGS));
  c.emit(A.br(HOST));

  const link = c.length * 4;
  c.emit(A.movz(true, X_REASON, ExitReason.Link));
  c.emit(A.svc(0));
  c.emit(A.b(dispatch - c.length * 4));

  const stop = c.length * 4;
  c.emit(A.movz(true, X_REASON, ExitReason.Stop));
  c.emit(A.svc(0));
  c.emit(A.b(-8));

  c.patch(entryBranch, A.b(dispatch - entry));
  return { bytes: c.bytes(), entry, dispatch, link, stop };
}
