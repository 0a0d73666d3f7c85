// How the loader tells the address-space manager what it mapped, without depending on it:
// one call per mapping, in the order the mappings are made.

export interface MappingRecorder {
  /** addr and size are page-aligned; prot is PROT_* bits; name is the file name, '[stack]', or '' for anonymous memory. */
  reserve(addr: bigint, size: number, prot: number, name: string): void;
}
