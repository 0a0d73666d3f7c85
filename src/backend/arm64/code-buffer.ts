// A growable buffer of 32-bit AArch64 instruction words that codegen appends to and
// back-patches (branch fix-ups), then hands to the code cache as little-endian bytes.

export class CodeBuffer {
  private store = new Uint32Array(64);
  private count = 0;

  /** Appends one instruction word; returns its index, for a later patch(). */
  emit(word: number): number {
    if (this.count === this.store.length) {
      const grown = new Uint32Array(this.store.length * 2);
      grown.set(this.store);
      this.store = grown;
    }
    this.store[this.count] = word >>> 0;
    return this.count++;
  }

  /** Number of words emitted so far. */
  get length(): number {
    return this.count;
  }

  patch(index: number, word: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`CodeBuffer.patch: index ${index} outside 0..${this.count - 1}`);
    }
    this.store[index] = word >>> 0;
  }

  /** A copy of the emitted words. */
  words(): Uint32Array {
    return this.store.slice(0, this.count);
  }

  /** The emitted words as little-endian bytes, the order AArch64 fetches instructions in. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.count * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < this.count; i++) view.setUint32(i * 4, this.store[i], true);
    return out;
  }
}
