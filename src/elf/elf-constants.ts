// ELF64 numbers Ferry needs (from the System V gABI and the x86-64 psABI), declared once here
// for the parser, the loader and their tests; names follow <elf.h>.

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_NIDENT = 16;

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const EM_X86_64 = 62;

export const ELF64_EHDR_SIZE = 64;
export const ELF64_PHDR_SIZE = 56;
export const ELF64_SHDR_SIZE = 64;
export const ELF64_SYM_SIZE = 24;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PT_GNU_PROPERTY = 0x6474e553;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;
export const STT_GNU_IFUNC = 10;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

/** Names for the machines a user is likely to hand Ferry by mistake; readelf spells them the same. */
const MACHINE_NAMES: ReadonlyMap<number, string> = new Map([
  [3, 'Intel 80386'],
  [8, 'MIPS'],
  [20, 'PowerPC'],
  [21, 'PowerPC64'],
  [22, 'IBM S/390'],
  [40, 'ARM'],
  [50, 'IA-64'],
  [62, 'x86-64'],
  [183, 'AArch64'],
  [243, 'RISC-V'],
  [258, 'LoongArch'],
]);

export function machineName(machine: number): string {
  return MACHINE_NAMES.get(machine) ?? 'unknown';
}

const PROGRAM_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [PT_NULL, 'PT_NULL'],
  [PT_LOAD, 'PT_LOAD'],
  [PT_DYNAMIC, 'PT_DYNAMIC'],
  [PT_INTERP, 'PT_INTERP'],
  [PT_NOTE, 'PT_NOTE'],
  [PT_PHDR, 'PT_PHDR'],
  [PT_TLS, 'PT_TLS'],
  [PT_GNU_EH_FRAME, 'PT_GNU_EH_FRAME'],
  [PT_GNU_STACK, 'PT_GNU_STACK'],
  [PT_GNU_RELRO, 'PT_GNU_RELRO'],
  [PT_GNU_PROPERTY, 'PT_GNU_PROPERTY'],
]);

export function programTypeName(type: number): string {
  return PROGRAM_TYPE_NAMES.get(type) ?? `0x${type.toString(16)}`;
}
