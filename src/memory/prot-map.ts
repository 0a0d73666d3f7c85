// The guest's page permissions as sorted, merged ranges: what mmap, mprotect and munmap set, in
// time that grows with the number of ranges touched, never with the number of pages.

/** Addresses are page-aligned and below 2^48, so they are exact as JavaScript numbers. */
export class ProtMap {
  private starts: number[] = [];
  private ends: number[] = [];
  private prots: number[] = [];

  get rangeCount(): number { return this.starts.length; }

  /** Index of the first range whose end is above addr. */
  private firstEndingAfter(addr: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid] <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The permission of the page holding addr, or undefined where nothing is mapped. */
  get(addr: number): number | undefined {
    const i = this.firstEndingAfter(addr);
    return i < this.starts.length && this.starts[i] <= addr ? this.prots[i] : undefined;
  }

  /** Gives [start, end) the permission prot, or unmaps it (undefined). */
  set(start: number, end: number, prot: number | undefined): void {
    if (end <= start) return;
    let first = this.firstEndingAfter(start);
    // Neighbours that only touch the range take part too, so that equal permissions merge.
    if (first > 0 && this.ends[first - 1] === start) first--;
    let last = first;
    while (last < this.starts.length && this.starts[last] <= end) last++;
    const starts: number[] = [];
    const ends: number[] = [];
    const prots: number[] = [];
    const push = (s: number, e: number, p: number): void => {
      const n = starts.length;
      if (n && ends[n - 1] === s && prots[n - 1] === p) ends[n - 1] = e;
      else { starts.push(s); ends.push(e); prots.push(p); }
    };
    for (let i = first; i < last; i++) if (this.starts[i] < start) push(this.starts[i], Math.min(this.ends[i], start), this.prots[i]);
    if (prot !== undefined) push(start, end, prot);
    for (let i = first; i < last; i++) if (this.ends[i] > end) push(Math.max(this.starts[i], end), this.ends[i], this.prots[i]);
    this.starts.splice(first, last - first, ...starts);
    this.ends.splice(first, last - first, ...ends);
    this.prots.splice(first, last - first, ...prots);
  }

  /** Calls fn for each mapped piece of [start, end), in order, clipped to the range. */
  forEach(start: number, end: number, fn: (s: number, e: number, prot: number) => void): void {
    for (let i = this.firstEndingAfter(start); i < this.starts.length && this.starts[i] < end; i++) {
      fn(Math.max(this.starts[i], start), Math.min(this.ends[i], end), this.prots[i]);
    }
  }

  /** How many bytes from addr, up to len, lie in mapped ranges with a bit of `needed` and none of `refused`. */
  reach(addr: number, len: number, needed: number, refused = 0): number {
    let at = addr;
    const end = addr + len;
    for (let i = this.firstEndingAfter(addr); i < this.starts.length && at < end; i++) {
      if (this.starts[i] > at || !(this.prots[i] & needed) || this.prots[i] & refused) break;
      at = this.ends[i];
    }
    return Math.min(at, end) - addr;
  }
}
