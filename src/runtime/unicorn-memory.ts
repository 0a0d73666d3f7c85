// Guest memory on the Unicorn CPU: identity-mapped pages whose Unicorn permissions follow the
// guest's, except that pages holding translated code are write-protected to catch self-modifying code.
import { NC } from '../util/native-constants';
import { Unicorn } from '../unicorn/unicorn';
import { GuestFault, GuestMemory, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../memory/guest-memory';

const PAGE = BigInt(PAGE_SIZE);

export class UnicornMemory implements GuestMemory {
  /** Guest permissions per mapped page. */
  private readonly prot = new Map<bigint, number>();
  /** Pages write-protected because translated code came from them. */
  private readonly codePages = new Set<bigint>();

  constructor(private readonly uc: Unicorn) {}

  private ucProt(page: bigint, prot: number): number {
    let p = 0;
    if (prot & (PROT_READ | PROT_WRITE)) p |= NC.UC_PROT_READ;
    if ((prot & PROT_WRITE) && !this.codePages.has(page)) p |= NC.UC_PROT_WRITE;
    return p;
  }

  map(addr: bigint, size: number, prot: number): void {
    this.uc.memMap(addr, size, this.ucProt(-1n, prot));
    for (let p = addr; p < addr + BigInt(size); p += PAGE) this.prot.set(p, prot);
  }
  unmap(addr: bigint, size: number): void {
    this.uc.memUnmap(addr, size);
    for (let p = addr; p < addr + BigInt(size); p += PAGE) { this.prot.delete(p); this.codePages.delete(p); }
  }
  protect(addr: bigint, size: number, prot: number): void {
    for (let p = addr; p < addr + BigInt(size); p += PAGE) {
      this.prot.set(p, prot);
      this.uc.memProtect(p, PAGE_SIZE, this.ucProt(p, prot));
    }
  }
  read(addr: bigint, len: number): Uint8Array {
    this.check(addr, len, 'read');
    const out = new Uint8Array(len);
    if (len) this.uc.memRead(addr, out);
    return out;
  }
  write(addr: bigint, data: Uint8Array): void {
    this.check(addr, data.length, 'write');
    if (data.length) this.uc.memWrite(addr, data);
  }
  private check(addr: bigint, len: number, access: 'read' | 'write'): void {
    for (let p = addr & ~(PAGE - 1n); p < addr + BigInt(len); p += PAGE) {
      if (!this.prot.has(p)) throw new GuestFault(p < addr ? addr : p, access);
    }
  }

  /**
   * How many bytes from addr, up to len, a guest instruction may read or write: the guest's own
   * permissions (write implies read, as on x86), not Unicorn's (which hide writes to code pages).
   */
  accessible(addr: bigint, len: number, access: 'read' | 'write'): number {
    const needed = access === 'write' ? PROT_WRITE : PROT_READ | PROT_WRITE;
    const end = addr + BigInt(len);
    for (let p = addr & ~(PAGE - 1n); p < end; p += PAGE) {
      const prot = this.prot.get(p);
      if (prot === undefined || !(prot & needed)) return p <= addr ? 0 : Number(p - addr);
    }
    return len;
  }

  protOf(addr: bigint): number | undefined {
    return this.prot.get(addr & ~(PAGE - 1n));
  }
  /** Executable bytes from addr, stopping at the first page that is not mapped executable. */
  readCode(addr: bigint, len: number): Uint8Array {
    let end = addr;
    const limit = addr + BigInt(len);
    while (end < limit) {
      const prot = this.protOf(end);
      if (prot === undefined || !(prot & PROT_EXEC)) break;
      end = (end & ~(PAGE - 1n)) + PAGE;
    }
    if (end > limit) end = limit;
    const n = Number(end - addr);
    const out = new Uint8Array(n);
    if (n) this.uc.memRead(addr, out);
    return out;
  }
  /** Marks a page as holding translated code; guest writes to it will fault into the SMC handler. */
  trackCode(page: bigint): boolean {
    if (this.codePages.has(page)) return false;
    this.codePages.add(page);
    const prot = this.prot.get(page);
    if (prot !== undefined && (prot & PROT_WRITE)) this.uc.memProtect(page, PAGE_SIZE, this.ucProt(page, prot));
    return true;
  }
  /** Stops tracking a page (its code was invalidated) and gives back the guest's write permission. */
  untrackCode(page: bigint): void {
    if (!this.codePages.delete(page)) return;
    const prot = this.prot.get(page);
    if (prot !== undefined) this.uc.memProtect(page, PAGE_SIZE, this.ucProt(page, prot));
  }
  isCodePage(page: bigint): boolean { return this.codePages.has(page); }
}
