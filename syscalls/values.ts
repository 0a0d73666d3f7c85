// Views of a 64-bit syscall register as the C types the kernel reads it as.

/** The low 32 bits as a signed int (fds, exit codes, counts the kernel declares int). */
export function int32(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

/** The low 32 bits as an unsigned int (flag words). */
export function uint32(value: bigint): number {
  return Number(BigInt.asUintN(32, value));
}

/** The register as a signed 64-bit long. */
export function int64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** Values in the top 4095 of the unsigned range are -errno, as the kernel's IS_ERR_VALUE. */
export function isErrorResult(raw: bigint): boolean {
  return BigInt.asUintN(64, raw) > BigInt.asUintN(64, -4096n);
}
