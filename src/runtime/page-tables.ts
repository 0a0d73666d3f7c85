// AArch64 stage-1 translation tables (4 KiB granule, 48-bit virtual addresses, four levels) that
// Ferry writes in guest RAM and the Unicorn CPU walks: one descriptor is two 32-bit words.
import { FRAME_SIZE, PhysicalMemory } from './physical-memory';

const TWO_32 = 2 ** 32;
const TABLE = 3;
const PAGE = 3;
const BLOCK = 1;
/** Not valid for the CPU; Ferry keeps the frame's address in it (a page the guest may not touch now). */
export const HELD = 2;
/** AttrIndx 0 (MAIR 0xff: normal write-back), inner shareable, access flag set. */
const LOW_ATTRS = (3 << 8) | (1 << 10);
/** AP[2]: read-only. */
const READ_ONLY = 1 << 7;
/** PXN and UXN (bits 53, 54): the host never runs guest pages; only the runtime is executable. */
const NEVER_EXECUTE = (1 << 21) | (1 << 22);

export type PteKind = 'absent' | 'held' | 'read-only' | 'read-write';

export interface Pte { readonly words: Uint32Array; readonly index: number }

/** What a guest page's descriptor should say. */
export function pageDescriptor(pa: number, kind: PteKind): [number, number] {
  const low = (pa % TWO_32) >>> 0;
  const high = Math.floor(pa / TWO_32);
  switch (kind) {
    case 'absent': return [0, 0];
    case 'held': return [(low | HELD) >>> 0, high];
    case 'read-only': return [(low | PAGE | LOW_ATTRS | READ_ONLY) >>> 0, (high | NEVER_EXECUTE) >>> 0];
    case 'read-write': return [(low | PAGE | LOW_ATTRS) >>> 0, (high | NEVER_EXECUTE) >>> 0];
  }
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
    const { words, index } = pte;
    return this.phys.frameAt((words[index + 1] & 0xffff) * TWO_32 + ((words[index] & 0xfffff000) >>> 0));
  }
  kind(pte: Pte): PteKind {
    const low = pte.words[pte.index];
    if ((low & 3) === PAGE) return low & READ_ONLY ? 'read-only' : 'read-write';
    return low & HELD ? 'held' : 'absent';
  }
  set(pte: Pte, pa: number, kind: PteKind): void {
    const [low, high] = pageDescriptor(pa, kind);
    pte.words[pte.index] = low;
    pte.words[pte.index + 1] = high;
  }

  private child(table: number, slot: number, create: boolean): number | undefined {
    const { words, index } = this.phys.wordsOf(table);
    const at = index + slot * 2;
    if ((words[at] & 3) === TABLE) return this.phys.frameAt((words[at + 1] & 0xffff) * TWO_32 + ((words[at] & 0xfffff000) >>> 0));
    if (!create) return undefined;
    const frame = this.phys.allocate();
    if (frame === undefined) throw new Error('guest RAM exhausted by page tables');
    const pa = this.phys.address(frame);
    words[at] = ((pa % TWO_32) | TABLE) >>> 0;
    words[at + 1] = Math.floor(pa / TWO_32);
    return frame;
  }

  /** The L3 table covering vpn (a virtual page number), made on demand. */
  private leaf(vpn: number, create: boolean): number | undefined {
    const key = Math.floor(vpn / 512);
    const known = this.leaves.get(key);
    if (known !== undefined) return known;
    let table: number | undefined = this.root;
    for (const slot of [Math.floor(vpn / 2 ** 27) % 512, Math.floor(vpn / 2 ** 18) % 512, key % 512]) {
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
      const table = this.leafIfPresent(vpn);
      if (table === undefined) { vpn = this.nextPossible(vpn, endVpn); continue; }
      const { words, index } = this.phys.wordsOf(table);
      for (; vpn < leafEnd; vpn++) {
        const at = index + (vpn % 512) * 2;
        if (words[at] !== 0) fn({ words, index: at }, vpn);
      }
    }
  }

  private leafIfPresent(vpn: number): number | undefined { return this.leaf(vpn, false); }

  /** The first vpn after `vpn` whose tables might exist: skips whole missing L1/L2 tables at once. */
  private nextPossible(vpn: number, endVpn: number): number {
    const spans = [2 ** 27, 2 ** 18, 512];
    let table: number | undefined = this.root;
    for (let level = 0; level < 3; level++) {
      const span = spans[level];
      table = this.child(table, Math.floor(vpn / span) % 512, false);
      if (table === undefined) return Math.min(endVpn, (Math.floor(vpn / span) + 1) * span);
    }
    return Math.min(endVpn, (Math.floor(vpn / 512) + 1) * 512);
  }

  /** Maps 2 MiB at va to pa, executable by the host: the runtime region. */
  mapBlock(va: number, pa: number): void {
    const vpn = va / FRAME_SIZE;
    let table: number | undefined = this.root;
    for (const slot of [Math.floor(vpn / 2 ** 27) % 512, Math.floor(vpn / 2 ** 18) % 512]) table = this.child(table, slot, true)!;
    const { words, index } = this.phys.wordsOf(table);
    const at = index + (Math.floor(vpn / 512) % 512) * 2;
    words[at] = ((pa % TWO_32) | BLOCK | LOW_ATTRS) >>> 0;
    words[at + 1] = Math.floor(pa / TWO_32);
  }
}
