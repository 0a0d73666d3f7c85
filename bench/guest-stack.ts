// Builds the initial Linux process stack (argc, argv, envp, auxv and their strings) for the
// benchmark's direct runners; the layout is the same on x86-64 and AArch64.
export const AT_NULL = 0n;
export const AT_PHDR = 3n;
export const AT_PHENT = 4n;
export const AT_PHNUM = 5n;
export const AT_PAGESZ = 6n;
export const AT_ENTRY = 9n;
export const AT_RANDOM = 25n;

export interface InitialStack {
  /** The stack pointer the program starts with (16-byte aligned, pointing at argc). */
  sp: bigint;
  /** Bytes to write at `sp`. */
  bytes: Buffer;
}

/** Lays out the stack so that it ends just below `top`. */
export function buildInitialStack(top: bigint, argv: string[], env: string[], auxv: [bigint, bigint][]): InitialStack {
  const strings = [...argv, ...env].map((s) => Buffer.from(`${s}\0`, 'utf8'));
  const random = Buffer.alloc(16, 0x5a); // AT_RANDOM bytes: fixed, the kernels do not use them
  const stringBytes = strings.reduce((n, b) => n + b.length, 0) + random.length;
  const words = 1 + argv.length + 1 + env.length + 1 + 2 * (auxv.length + 2);
  const stringsStart = (top - BigInt(stringBytes)) & ~15n;
  const sp = (stringsStart - BigInt(words * 8)) & ~15n;
  const bytes = Buffer.alloc(Number(top - sp));
  const pointers: bigint[] = [];
  let cursor = Number(stringsStart - sp);
  for (const s of strings) {
    pointers.push(sp + BigInt(cursor));
    s.copy(bytes, cursor);
    cursor += s.length;
  }
  const randomAddress = sp + BigInt(cursor);
  random.copy(bytes, cursor);
  const vector: bigint[] = [BigInt(argv.length), ...pointers.slice(0, argv.length), 0n, ...pointers.slice(argv.length), 0n];
  for (const [key, value] of [...auxv, [AT_RANDOM, randomAddress] as [bigint, bigint]]) vector.push(key, value);
  vector.push(AT_NULL, 0n);
  vector.forEach((word, i) => bytes.writeBigUInt64LE(word, i * 8));
  return { sp, bytes };
}
