// Guest memory behind the AArch64 MMU: permissions as ranges, pages backed by RAM frames on first
// touch, page-table bits that follow the guest's permissions and write-protect pages holding translated code.
import { GuestFault, GuestMemory, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../memory/guest-memory';
import { ProtMap } from '../memory/prot-map';
import { PageTables, PteKind } from './page-tables';
import { PhysicalMemory } from './physical-memory';

/** What the CPU's TLB needs to hear when a descriptor loses rights or changes frame. */
export interface Tlb {
  flushAll(): void;
  flushPage(va: number): void;
}

/** A data abort's outcome: run the access again, drop translations first, or a guest fault. */
export type FaultResolution =
  /** `stale`: the descriptor already allowed the access (the TLB held an old one); it was flushed. */
  | { kind: 'retry'; stale?: boolean }
  | { kind: 'code-write'; page: bigint }
  | { kind: 'fault'; code: 'maperr' | 'accerr' | 'bus' };

/** Pages made present together on a first touch (fresh frames cost the host nothing until written). */
const FAULT_AROUND_PAGES = 16;
/** The x86-64 user range; anything above faults as unmapped. */
const USER_END = 2 ** 47;
/** Kept with a range's permission: pages wholly past the end of their file (an access is SIGBUS). */
const BEYOND_FILE = 0x100;
const GUEST_PROT = PROT_READ | PROT_WRITE | PROT_EXEC;

export class MmuMemory implements GuestMemory {
  readonly tables: PageTables;
  private readonly prot = new ProtMap();
  /** Virtual page numbers of pages translated code came from. */
  private readonly codePages = new Set<number>();

  constructor(readonly phys: PhysicalMemory, private readonly tlb: Tlb) {
    this.tables = new PageTables(phys);
  }

  private kindFor(prot: number, vpn: number): PteKind {
    if (!(prot & (PROT_READ | PROT_WRITE)) || prot & BEYOND_FILE) return 'held';
    return prot & PROT_WRITE && !this.codePages.has(vpn) ? 'read-write' : 'read-only';
  }

  map(addr: bigint, size: number, prot: number): void {
    this.prot.set(Number(addr), Number(addr) + size, prot);
  }
  unmap(addr: bigint, size: number): void {
    const start = Number(addr);
    this.prot.set(start, start + size, undefined);
    let flush = false;
    this.tables.forEach(start / PAGE_SIZE, (start + size) / PAGE_SIZE, (pte, vpn) => {
      this.phys.release(this.tables.frameOf(pte));
      this.tables.set(pte, 0, 'absent');
      this.codePages.delete(vpn);
      flush = true;
    });
    if (flush) this.tlb.flushAll();
  }
  protect(addr: bigint, size: number, prot: number): void {
    const start = Number(addr);
    this.setPermissions(start, start + size, (old) => prot | (old & BEYOND_FILE));
  }
  beyondFileEnd(addr: bigint, size: number): void {
    const start = Number(addr);
    this.setPermissions(start, start + size, (old) => old | BEYOND_FILE);
  }

  /** Gives each mapped piece of [start, end) the permission `next` makes of its old one; descriptors follow. */
  private setPermissions(start: number, end: number, next: (old: number) => number): void {
    const pieces: Array<[number, number, number]> = [];
    this.prot.forEach(start, end, (s, e, old) => pieces.push([s, e, next(old)]));
    for (const [s, e, prot] of pieces) this.prot.set(s, e, prot);
    let flush = false;
    this.tables.forEach(start / PAGE_SIZE, end / PAGE_SIZE, (pte, vpn) => {
      const kind = this.kindFor(this.prot.get(vpn * PAGE_SIZE)!, vpn);
      if (this.tables.kind(pte) === kind) return;
      this.tables.setKind(pte, kind);
      flush = true;
    });
    if (flush) this.tlb.flushAll();
  }

  /** Copies between guest pages and `bytes`; absent pages read as zero, or get a frame when written. */
  private copy(addr: bigint, bytes: Uint8Array, toGuest: boolean): void {
    let at = Number(addr);
    let done = 0;
    while (done < bytes.length) {
      const vpn = Math.floor(at / PAGE_SIZE);
      const offset = at % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - offset, bytes.length - done);
      const prot = this.prot.get(at);
      if (prot === undefined) throw new GuestFault(BigInt(at), toGuest ? 'write' : 'read');
      const frame = toGuest ? this.frame(vpn, prot) : this.presentFrame(vpn);
      if (frame !== undefined) {
        const { view, offset: base } = this.phys.bytes(frame);
        if (toGuest) view.set(bytes.subarray(done, done + n), base + offset);
        else bytes.set(view.subarray(base + offset, base + offset + n), done);
      } else if (!toGuest) {
        bytes.fill(0, done, done + n);
      }
      done += n;
      at += n;
    }
  }
  private presentFrame(vpn: number): number | undefined {
    const pte = this.tables.entry(vpn, false);
    return pte && this.tables.kind(pte) !== 'absent' ? this.tables.frameOf(pte) : undefined;
  }
  /** The page's frame, given one now if it had none. */
  private frame(vpn: number, prot: number): number {
    const pte = this.tables.entry(vpn, true)!;
    if (this.tables.kind(pte) !== 'absent') return this.tables.frameOf(pte);
    const frame = this.phys.allocate();
    if (frame === undefined) throw new GuestRamExhausted();
    this.tables.set(pte, frame, this.kindFor(prot, vpn));
    return frame;
  }

  read(addr: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.copy(addr, out, false);
    return out;
  }
  write(addr: bigint, data: Uint8Array): void {
    this.copy(addr, data, true);
  }

  /**
   * How many bytes from addr, up to len, a guest instruction may read or write: the guest's own
   * permissions (write implies read, as on x86), not the page tables' (which hide writes to code pages).
   */
  accessible(addr: bigint, len: number, access: 'read' | 'write'): number {
    return this.prot.reach(Number(addr), len, access === 'write' ? PROT_WRITE : PROT_READ | PROT_WRITE, BEYOND_FILE);
  }
  /** The guest's PROT_* bits for the page holding addr; undefined where nothing is mapped. */
  protOf(addr: bigint): number | undefined {
    const prot = this.prot.get(Number(addr));
    return prot === undefined ? undefined : prot & GUEST_PROT;
  }
  /** Executable bytes from addr, stopping at the first page that is not mapped executable. */
  readCode(addr: bigint, len: number): Uint8Array {
    const n = this.prot.reach(Number(addr), len, PROT_EXEC, BEYOND_FILE);
    return this.read(addr, n);
  }
  /** Marks a page as holding translated code; guest writes to it will fault into the SMC handler. */
  trackCode(page: bigint): boolean {
    const vpn = Number(page) / PAGE_SIZE;
    if (this.codePages.has(vpn)) return false;
    this.codePages.add(vpn);
    const pte = this.tables.entry(vpn, false);
    if (pte && this.tables.kind(pte) === 'read-write') {
      this.tables.setKind(pte, 'read-only');
      this.tlb.flushPage(Number(page));
    }
    return true;
  }
  /** Stops tracking a page (its code was invalidated) and gives back the guest's write permission. */
  untrackCode(page: bigint): void {
    const vpn = Number(page) / PAGE_SIZE;
    if (!this.codePages.delete(vpn)) return;
    const pte = this.tables.entry(vpn, false);
    const prot = this.prot.get(Number(page));
    if (pte && prot !== undefined && this.tables.kind(pte) !== 'absent') this.tables.setKind(pte, this.kindFor(prot, vpn));
  }
  isCodePage(page: bigint): boolean { return this.codePages.has(Number(page) / PAGE_SIZE); }

  /** Decides what a data abort at va means: a first touch, a write to translated code, or a guest fault. */
  resolveFault(va: bigint, write: boolean): FaultResolution {
    const at = Number(va);
    if (at >= USER_END) return { kind: 'fault', code: 'maperr' };
    const prot = this.prot.get(at);
    if (prot === undefined) return { kind: 'fault', code: 'maperr' };
    if (prot & BEYOND_FILE) return { kind: 'fault', code: 'bus' };
    if (!(prot & (write ? PROT_WRITE : PROT_READ | PROT_WRITE))) return { kind: 'fault', code: 'accerr' };
    const vpn = Math.floor(at / PAGE_SIZE);
    const pte = this.tables.entry(vpn, true)!;
    const kind = this.tables.kind(pte);
    if (kind === 'absent') {
      this.populateAround(vpn);
      return { kind: 'retry' };
    }
    if (write && kind === 'read-only' && this.codePages.has(vpn)) return { kind: 'code-write', page: BigInt(vpn * PAGE_SIZE) };
    const wanted = this.kindFor(prot, vpn);
    if (kind !== wanted) {
      this.tables.setKind(pte, wanted);
      return { kind: 'retry' };
    }
    this.tlb.flushPage(vpn * PAGE_SIZE);
    return { kind: 'retry', stale: true };
  }

  /** Gives frames to the absent, accessible pages of the aligned group around vpn. */
  private populateAround(vpn: number): void {
    const first = vpn - (vpn % FAULT_AROUND_PAGES);
    this.prot.forEach(first * PAGE_SIZE, (first + FAULT_AROUND_PAGES) * PAGE_SIZE, (s, e, prot) => {
      if (!(prot & (PROT_READ | PROT_WRITE))) return;
      for (let v = s / PAGE_SIZE; v < e / PAGE_SIZE; v++) {
        if (v !== vpn && this.phys.framesInUse * PAGE_SIZE + PAGE_SIZE * FAULT_AROUND_PAGES > this.phys.size) continue;
        this.frame(v, prot);
      }
    });
  }

  close(): void { this.phys.close(); }
}

/** The guest touched more memory than Ferry's RAM reservation holds. */
export class GuestRamExhausted extends Error {
  constructor() { super('guest RAM exhausted'); }
}
