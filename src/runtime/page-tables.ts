// AArch64 stage-1 translation tables (4 KiB granule, 48-bit virtual addresses, four levels) that
// Ferry writes in guest RAM and the Unicorn CPU walks: one descriptor is two 32-bit words.
import { FRAME_SIZE, PhysicalMemory } from './physical-memory';

const TWO_32 = 2 ** 32;
const TABLE = 3;
const PAGE = 3;
const BLOCK = 1;
/** Not valid for the CPU; Ferry keeps the frame's address in it (a page the guest may not touch now). */
const HELD = 2;
/** AttrIndx 0 (MAIR 0xff: normal write-back), inner shareable, access flag set. */
const LOW_ATTRS = (3 << 8) | (1 << 10);
/** AP[2]: read-only. */
const READ_ONLY = 1 << 7;
/** PXN and UXN (bits 53, 54): the host never runs guest pages; only the runtime is executable. */
const NEVER_EXECUTE = (1 << 21) | (1 << 22);

export type PteKind = 'absent' | 'held' | 'read-only' | 'read-write';

export interface Pte { readonly words: Uint32Array; readonly index: number }

/** Low-word and high-word attribute bits of each kind of guest page descriptor. */
const PAGE_BITS: Record<PteKind, [number, number]> = {
  'absent': [0, 0],
  'held': [HELD, 0],
  'read-only': [PAGE | LOW_ATTRS | READ_ONLY, NEVER_EXECUTE],
  'read-write': [PAGE | LOW_ATTRS, NEVER_EXECUTE],
};

/** Writes the descriptor at words[at]: output address pa (page-aligned) with the given attribute bits. */
function writeDescriptor(words: Uint32Array, at: number, pa: number, low: number, high: number): void {
  words[at] = ((pa % TWO_32) | low) >>> 0;
  words[at + 1] = (Math.floor(pa / TWO_32) | high) >>> 0;
}
/** The output address of the descriptor at words[at] (bits 47:12). */
function addressIn(words: Uint32Array, at: number): number {
  return (words[at + 1] & 0xffff) * TWO_32 + ((words[at] & 0xfffff000) >>> 0);
}
/** Table indices of a virtual page number at levels 0, 1 and 2. */
function slots(vpn: number): [number, number, number] {
  return [Math.floor(vpn / 2 ** 27) % 512, Math.floor(vpn / 2 ** 18) % 512, Math.floor(vpn / 512) % 512];
}

export class PageTables {
  readonly root: number;
  /** L3 tables by vpn / 512, so most lookups take one Map access instead of a four-level walk. */
  private readonly leaves = new Map<number, number>();

  constructor(private readonly phys: PhysicalMemory) {
    const root = phys.allocate();
    if (root === undefined) throw new Error('no guest RAM for the page tables');
    this.root = root;
  }

  get rootAddress(): number { return this.phys.address(this.root); }

  /** The frame a descriptor points to. */
  frameOf(pte: Pte): number {
    return this.phys.frameAt(addressIn(pte.words, pte.index));
  }
  kind(pte: Pte): PteKind {
    const low = pte.words[pte.index];
    if ((low & 3) === PAGE) return low & READ_ONLY ? 'read-only' : 'read-write';
    return low & HELD ? 'held' : 'absent';
  }
  /** Points the descriptor at frame as `kind` ('absent' clears it). */
  set(pte: Pte, frame: number, kind: PteKind): void {
    if (kind === 'absent') writeDescriptor(pte.words, pte.index, 0, 0, 0);
    else writeDescriptor(pte.words, pte.index, this.phys.address(frame), ...PAGE_BITS[kind]);
  }
  /** Changes what a present or held descriptor allows, keeping its frame. */
  setKind(pte: Pte, kind: PteKind): void {
    this.set(pte, this.frameOf(pte), kind);
  }

  private child(table: number, slot: number, create: boolean): number | undefined {
    const { words, index } = this.phys.wordsOf(table);
    const at = index + slot * 2;
    if ((words[at] & 3) === TABLE) return this.phys.frameAt(addressIn(words, at));
    if (!create) return undefined;
    const frame = this.phys.allocate();
    if (frame === undefined) throw new Error('guest RAM exhausted by page tables');
    writeDescriptor(words, at, this.phys.address(frame), TABLE, 0);
    return frame;
  }

  /** The L3 table covering vpn (a virtual page number), made on demand. */
  private leaf(vpn: number, create: boolean): number | undefined {
    const key = Math.floor(vpn / 512);
    const known = this.leaves.get(key);
    if (known !== undefined) return known;
    let table: number | undefined = this.root;
    for (const slot of slots(vpn)) {
      table = this.child(table, slot, create);
      if (table === undefined) return undefined;
    }
    this.leaves.set(key, table);
    return table;
  }

  /** The descriptor of virtual page vpn; undefined when its table does not exist and create is false. */
  entry(vpn: number, create: boolean): Pte | undefined {
    const table = this.leaf(vpn, create);
    if (table === undefined) return undefined;
    const { words, index } = this.phys.wordsOf(table);
    return { words, index: index + (vpn % 512) * 2 };
  }

  /** Calls fn for every non-empty descriptor of pages [firstVpn, endVpn), skipping missing tables. */
  forEach(firstVpn: number, endVpn: number, fn: (pte: Pte, vpn: number) => void): void {
    let vpn = firstVpn;
    while (vpn < endVpn) {
      const leafEnd = Math.min(endVpn, (Math.floor(vpn / 512) + 1) * 512);
      const table = this.leaf(vpn, false);
      if (table === undefined) { vpn = this.nextPossible(vpn, endVpn); continue; }
      const { words, index } = this.phys.wordsOf(table);
      for (; vpn < leafEnd; vpn++) {
        const at = index + (vpn % 512) * 2;
        if (words[at] !== 0) fn({ words, index: at }, vpn);
      }
    }
  }

  /** The first vpn after `vpn` whose tables might exist: skips whole missing L1/L2 tables at once. */
  private nextPossible(vpn: number, endVpn: number): number {
    const spans = [2 ** 27, 2 ** 18, 512];
    let table: number | undefined = this.root;
    const indices = slots(vpn);
    for (let level = 0; level < 3; level++) {
      table = this.child(table, indices[level], false);
      if (table === undefined) return Math.min(endVpn, (Math.floor(vpn / spans[level]) + 1) * spans[level]);
    }
    return Math.min(endVpn, (Math.floor(vpn / 512) + 1) * 512);
  }

  /** Maps 2 MiB at va to pa, executable by the host: the runtime region. */
  mapBlock(va: number, pa: number): void {
    const [l0, l1, l2] = slots(va / FRAME_SIZE);
    const table = this.child(this.child(this.root, l0, true)!, l1, true)!;
    const { words, index } = this.phys.wordsOf(table);
    writeDescriptor(words, index + l2 * 2, pa, BLOCK | LOW_ATTRS, 0);
  }
}
