// The x87 register file one guest CPU owns: eight physical 80-bit registers, TOP, which of them
// are empty, the control word, the status word, and the last instruction pointer, opcode and data
// pointer (fnstenv/fnsave store them; fxsave stores them as 0, as AMD CPUs do without a pending exception).
import { F80, kind } from './softfloat';

export const FSW_C0 = 0x100, FSW_C1 = 0x200, FSW_C2 = 0x400, FSW_C3 = 0x4000;
export const FSW_SF = 0x40, FSW_ES = 0x80, FSW_B = 0x8000;
export const FCW_DEFAULT = 0x037f;

export class X87State {
  /** Physical registers R0..R7; ST(i) is regs[(top + i) & 7]. */
  regs: F80[] = Array.from({ length: 8 }, () => ({ sign: 0, exp: 0, sig: 0n }));
  empty: boolean[] = new Array<boolean>(8).fill(true);
  top = 0;
  cw = FCW_DEFAULT;
  /** Status word without TOP (bits 11-13 are kept zero here). */
  sw = 0;
  /** Last non-control instruction's address and opcode (11 bits), last memory operand's address. */
  fip = 0n;
  fop = 0;
  fdp = 0n;

  /** fninit: control word 0x037f, status 0, TOP 0, every register empty (contents stay). */
  init(): void {
    this.cw = FCW_DEFAULT;
    this.sw = 0;
    this.top = 0;
    this.empty.fill(true);
    this.fip = 0n; this.fop = 0; this.fdp = 0n;
  }

  /** A fresh CPU: fninit with every register holding +0. */
  reset(): void {
    this.init();
    this.regs = Array.from({ length: 8 }, () => ({ sign: 0, exp: 0, sig: 0n }));
  }

  clone(): X87State {
    const c = new X87State();
    c.regs = this.regs.map((r) => ({ ...r }));
    c.empty = [...this.empty];
    c.top = this.top; c.cw = this.cw; c.sw = this.sw;
    c.fip = this.fip; c.fop = this.fop; c.fdp = this.fdp;
    return c;
  }
  restore(from: X87State): void {
    this.regs = from.regs.map((r) => ({ ...r }));
    this.empty = [...from.empty];
    this.top = from.top; this.cw = from.cw; this.sw = from.sw;
    this.fip = from.fip; this.fop = from.fop; this.fdp = from.fdp;
  }

  /** The status word as fnstsw stores it (TOP in bits 11-13). */
  statusWord(): number { return (this.sw & ~0x3800) | (this.top << 11); }
  setStatusWord(v: number): void { this.sw = v & ~0x3800 & 0xffff; this.top = (v >> 11) & 7; }

  phys(i: number): number { return (this.top + i) & 7; }

  /** Full tag word (2 bits per physical register: 00 valid, 01 zero, 10 special, 11 empty). */
  tagWord(): number {
    let t = 0;
    for (let r = 0; r < 8; r++) {
      let tag: number;
      if (this.empty[r]) tag = 3;
      else {
        const k = kind(this.regs[r]);
        tag = k === 'normal' ? 0 : k === 'zero' ? 1 : 2;
      }
      t |= tag << (2 * r);
    }
    return t;
  }
  /** Loads a full tag word: only "empty" (11) versus the rest matters. */
  setTagWord(t: number): void {
    for (let r = 0; r < 8; r++) this.empty[r] = ((t >> (2 * r)) & 3) === 3;
  }
  /** The abridged tag byte of fxsave: bit r set when physical register r is not empty. */
  abridgedTags(): number {
    let t = 0;
    for (let r = 0; r < 8; r++) if (!this.empty[r]) t |= 1 << r;
    return t;
  }
  setAbridgedTags(t: number): void {
    for (let r = 0; r < 8; r++) this.empty[r] = ((t >> r) & 1) === 0;
  }
}
