// Little-endian reads from an ELF file's bytes with bounds that are checked in bigint, so that
// offsets and sizes taken from a hostile file cannot wrap or lose precision.

export class ByteView {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(at: number): number {
    return this.view.getUint8(at);
  }
  u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  u64(at: number): bigint {
    return this.view.getBigUint64(at, true);
  }

  /** Whether [offset, offset + size) lies inside the file. */
  holds(offset: bigint, size: bigint): boolean {
    return offset >= 0n && size >= 0n && offset + size <= BigInt(this.bytes.length);
  }

  /** The NUL-terminated string at start, which must end before limit; `fail` reports anything else. */
  cString(start: bigint, limit: bigint, fail: (problem: string) => never, what: string): string {
    const end = limit < BigInt(this.bytes.length) ? Number(limit) : this.bytes.length;
    if (start < 0n || start >= BigInt(end)) return fail(`${what} lies outside its string table`);
    const nul = this.bytes.indexOf(0, Number(start));
    if (nul < 0 || nul >= end) return fail(`${what} is not NUL-terminated`);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + Number(start), nul - Number(start)).toString('utf8');
  }
}
