// Little-endian bytes <-> unsigned bigints, for the interpreters' memory operands and registers:
// one place for the byte order every x86 load, store and register image uses.

/** The unsigned value of little-endian bytes. */
export function fromLittleEndian(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** The low `size` bytes of v, little-endian, written into `into` (a new array by default). */
export function toLittleEndian(v: bigint, size: number, into = new Uint8Array(size)): Uint8Array {
  for (let i = 0; i < size; i++) into[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return into;
}
