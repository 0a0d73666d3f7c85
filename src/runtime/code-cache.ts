// The code cache: places compiled blocks in the runtime region, applies their relocations, keeps
// the guest-RIP lookup table in Unicorn memory, links direct branches and cuts links on invalidation.
import { CompiledBlock, RuntimeSymbol } from '../backend/arm64/codegen';
import * as A from '../backend/arm64/encoder';
import { Unicorn } from '../unicorn/unicorn';
import { CODE_CACHE, CODE_CACHE_SIZE, LOOKUP_BITS, LOOKUP_ENTRIES, LOOKUP_SPARE, LOOKUP_TABLE, TOMBSTONE, runtimePhysical } from './layout';
import { PAGE_SIZE } from '../memory/guest-memory';

export interface HostBlock {
  compiled: CompiledBlock;
  host: bigint;          // address of the first word
  size: number;          // bytes
  valid: boolean;
  /** Slots in other blocks that branch straight here. */
  incoming: Array<{ from: HostBlock; slot: number; stub: number }>;
}

export class CodeCacheFull extends Error {}

const PAGE = BigInt(PAGE_SIZE);

export class CodeCache {
  private next = CODE_CACHE;
  private readonly byRip = new Map<bigint, HostBlock>();
  /** Link stubs by the return address their `bl link` leaves in x30. */
  private readonly stubs = new Map<bigint, { block: HostBlock; slot: number; stub: number; target: bigint }>();
  private readonly byPage = new Map<bigint, Set<HostBlock>>();
  /** Blocks sorted by host address, for mapping a host PC back to a guest instruction. */
  private readonly ordered: HostBlock[] = [];
  private readonly word = new Uint8Array(4);
  private readonly entry = new Uint8Array(16);
  private readonly entryView = new DataView(this.entry.buffer);

  constructor(private readonly uc: Unicorn, private readonly runtime: Record<RuntimeSymbol, bigint>,
    private readonly capacity: number = CODE_CACHE_SIZE) {}

  get blocks(): number { return this.byRip.size; }

  lookup(rip: bigint): HostBlock | undefined {
    return this.byRip.get(rip);
  }

  /** Places a compiled block, makes it reachable through the lookup table, and returns it. */
  install(compiled: CompiledBlock): HostBlock {
    const size = compiled.words.length * 4;
    if (this.next + BigInt(size) > CODE_CACHE + BigInt(this.capacity)) throw new CodeCacheFull('code cache full');
    const host = this.next;
    this.next += BigInt((size + 15) & ~15);
    const words = compiled.words.slice();
    const block: HostBlock = { compiled, host, size, valid: true, incoming: [] };
    for (const r of compiled.relocs) {
      if (r.kind === 'runtime') {
        const target = this.runtime[r.symbol];
        const off = Number(target - (host + BigInt(r.at * 4)));
        words[r.at] = A.isBl(words[r.at]) ? A.bl(off) : A.b(off);
      } else if (r.kind === 'link') {
        const ret = host + BigInt((r.stub + 5) * 4);
        this.stubs.set(ret, { block, slot: r.at, stub: r.stub, target: r.target });
      }
      // 'guest' relocations need nothing while guest addresses are absolute (no cache file yet).
    }
    this.uc.memWrite(runtimePhysical(host), new Uint8Array(words.buffer, words.byteOffset, size));
    this.uc.removeCache(host, host + BigInt(size));
    const old = this.byRip.get(compiled.start);
    if (old) this.invalidate(old);
    this.byRip.set(compiled.start, block);
    this.insertLookup(compiled.start, host);
    for (let p = compiled.start & ~(PAGE - 1n); p < (compiled.end === compiled.start ? compiled.start + 1n : compiled.end); p += PAGE) {
      let set = this.byPage.get(p);
      if (!set) this.byPage.set(p, (set = new Set()));
      set.add(block);
    }
    this.ordered.push(block);
    return block;
  }

  /** Called from the link trampoline: patches the calling stub's branch to go straight to `target`. */
  link(returnAddress: bigint, target: HostBlock): void {
    const s = this.stubs.get(returnAddress);
    if (!s || !s.block.valid || !target.valid) return;
    const at = s.block.host + BigInt(s.slot * 4);
    this.patch(at, A.b(Number(target.host - at)));
    target.incoming.push({ from: s.block, slot: s.slot, stub: s.stub });
  }
  stubTarget(returnAddress: bigint): bigint | undefined {
    return this.stubs.get(returnAddress)?.target;
  }

  /** Pages (guest) that hold code of some valid block. */
  blocksInPage(page: bigint): HostBlock[] {
    return [...(this.byPage.get(page) ?? [])];
  }

  /**
   * Drops every block and starts the cache afresh (when it is full). Only called between blocks,
   * from the runtime's own code, so no host block is running.
   */
  flush(): void {
    for (const b of this.ordered) b.valid = false;
    this.ordered.length = 0;
    this.byRip.clear();
    this.stubs.clear();
    this.byPage.clear();
    for (const i of this.keys.keys()) this.writeEntry(i, 0n, 0n);
    this.keys.clear();
    this.uc.removeCache(CODE_CACHE, this.next);
    this.next = CODE_CACHE;
  }

  /** Drops every block whose guest code overlaps [start, end). */
  invalidateRange(start: bigint, end: bigint): number {
    let n = 0;
    for (let p = start & ~(PAGE - 1n); p < end; p += PAGE) {
      for (const b of this.byPage.get(p) ?? []) {
        if (b.compiled.start < end && (b.compiled.end > start || b.compiled.start >= start)) { this.invalidate(b); n++; }
      }
    }
    return n;
  }

  invalidate(block: HostBlock): void {
    if (!block.valid) return;
    block.valid = false;
    if (this.byRip.get(block.compiled.start) === block) {
      this.byRip.delete(block.compiled.start);
      this.removeLookup(block.compiled.start);
    }
    for (const link of block.incoming) {
      if (!link.from.valid) continue;
      const at = link.from.host + BigInt(link.slot * 4);
      this.patch(at, A.b((link.stub - link.slot) * 4));
    }
    block.incoming = [];
    for (const set of this.byPage.values()) set.delete(block);
  }

  /** The valid or invalid block whose host code contains pc, and the guest instruction there. */
  guestRipAt(pc: bigint): bigint | undefined {
    for (let k = this.ordered.length - 1; k >= 0; k--) {
      const b = this.ordered[k];
      if (pc >= b.host && pc < b.host + BigInt(b.size)) {
        const word = Number(pc - b.host) / 4;
        let rip = b.compiled.start;
        for (const [at, r] of b.compiled.pcMap) { if (at <= word) rip = r; else break; }
        return rip;
      }
    }
    return undefined;
  }

  private patch(at: bigint, word: number): void {
    new DataView(this.word.buffer).setUint32(0, word, true);
    this.uc.memWrite(runtimePhysical(at), this.word);
    this.uc.removeCache(at, at + 4n);
  }

  private bucket(rip: bigint): number {
    return Number((rip ^ (rip >> BigInt(LOOKUP_BITS))) & BigInt(LOOKUP_ENTRIES - 1));
  }
  private readonly keys = new Map<number, bigint>();
  private insertLookup(rip: bigint, host: bigint): void {
    const first = this.bucket(rip);
    for (let i = first; i < LOOKUP_ENTRIES + LOOKUP_SPARE; i++) {
      const key = this.keys.get(i);
      if (key === undefined || key === TOMBSTONE || key === rip) {
        this.keys.set(i, rip);
        this.writeEntry(i, rip, host);
        return;
      }
    }
    throw new CodeCacheFull('lookup table probe limit reached');
  }
  private removeLookup(rip: bigint): void {
    for (let i = this.bucket(rip); i < LOOKUP_ENTRIES + LOOKUP_SPARE; i++) {
      const key = this.keys.get(i);
      if (key === undefined) return;
      if (key === rip) { this.keys.set(i, TOMBSTONE); this.writeEntry(i, TOMBSTONE, 0n); return; }
    }
  }
  private writeEntry(i: number, key: bigint, host: bigint): void {
    this.entryView.setBigUint64(0, key, true);
    this.entryView.setBigUint64(8, host, true);
    this.uc.memWrite(runtimePhysical(LOOKUP_TABLE + BigInt(i * 16)), this.entry);
  }
}
