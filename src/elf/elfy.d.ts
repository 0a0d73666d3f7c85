// Types for the part of elfy 1.0.0 (untyped JavaScript) that Ferry calls: its Parser steps, used
// one by one because elfy.parse() asserts on files without section headers.
declare module 'elfy' {
  /** elfy reads 64-bit fields as JavaScript numbers: exact only up to 2^53. */
  export interface ElfyHeader {
    class: string;
    endian: string;
    entry: number;
    phoff: number;
    shoff: number;
    phentsize: number;
    phnum: number;
    shentsize: number;
    shnum: number;
    shstrndx: number;
  }
  export interface ElfyProgram {
    offset: number;
    vaddr: number;
    paddr: number;
    filesz: number;
    memsz: number;
    align: number;
  }
  export interface ElfySection {
    /** Offset into the section name table until elfy's resolveBody runs (Ferry resolves names itself). */
    name: number | string;
    addr: number;
    off: number;
    size: number;
    link: number;
    info: number;
  }
  export class Parser {
    parseHeader(buf: Buffer): ElfyHeader;
    parsePrograms(buf: Buffer, header: ElfyHeader): ElfyProgram[];
    parseSections(buf: Buffer, header: ElfyHeader): ElfySection[];
  }
}
