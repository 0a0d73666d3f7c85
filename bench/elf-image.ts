// A tiny ELF64 program-header reader for the benchmark's direct runners: enough to load a static,
// non-PIE executable's PT_LOAD segments. Ferry's own loader lives in src/; this one stays separate.
import * as fs from 'fs';

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
const ET_EXEC = 2;
const PT_LOAD = 1;

export interface LoadSegment {
  vaddr: bigint;
  memsz: bigint;
  /** The file bytes of the segment (filesz long); the rest of memsz is zero. */
  data: Buffer;
  /** PF_X = 1, PF_W = 2, PF_R = 4. */
  flags: number;
}

export interface ElfImage {
  machine: number;
  entry: bigint;
  segments: LoadSegment[];
  /** Virtual address of the program headers in memory, for AT_PHDR (0 when not inside a segment). */
  phdrAddress: bigint;
  phnum: number;
}

export function readStaticElf(path: string, expectedMachine: number): ElfImage {
  const file = fs.readFileSync(path);
  if (file.length < 64 || file.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path}: not an ELF file`);
  if (file[4] !== 2 || file[5] !== 1) throw new Error(`${path}: not a little-endian ELF64 file`);
  const type = file.readUInt16LE(16);
  const machine = file.readUInt16LE(18);
  if (type !== ET_EXEC) throw new Error(`${path}: not a static non-PIE executable (e_type ${type})`);
  if (machine !== expectedMachine) throw new Error(`${path}: e_machine ${machine}, expected ${expectedMachine}`);
  const entry = file.readBigUInt64LE(24);
  const phoff = Number(file.readBigUInt64LE(32));
  const phentsize = file.readUInt16LE(54);
  const phnum = file.readUInt16LE(56);
  const segments: LoadSegment[] = [];
  let phdrAddress = 0n;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (file.readUInt32LE(at) !== PT_LOAD) continue;
    const flags = file.readUInt32LE(at + 4);
    const offset = Number(file.readBigUInt64LE(at + 8));
    const vaddr = file.readBigUInt64LE(at + 16);
    const filesz = Number(file.readBigUInt64LE(at + 32));
    const memsz = file.readBigUInt64LE(at + 40);
    if (phoff >= offset && phoff < offset + filesz) phdrAddress = vaddr + BigInt(phoff - offset);
    segments.push({ vaddr, memsz, data: file.subarray(offset, offset + filesz), flags });
  }
  if (segments.length === 0) throw new Error(`${path}: no PT_LOAD segments`);
  return { machine, entry, segments, phdrAddress, phnum };
}
