// Ferry's typed, validated view of an x86-64 ELF file: header, program headers, section headers.
// elfy parses the tables; Ferry reads itself the fields elfy gets wrong or turns into names.
import { Parser } from 'elfy';
import {
  EI_CLASS, EI_DATA, EI_NIDENT, ELF64_EHDR_SIZE, ELF64_PHDR_SIZE, ELF64_SHDR_SIZE, ELFCLASS32, ELFCLASS64,
  ELFDATA2LSB, ELFDATA2MSB, ELF_MAGIC, EM_X86_64, ET_CORE, ET_DYN, ET_EXEC, ET_REL, PT_INTERP, PT_LOAD,
  SHT_NOBITS, machineName,
} from './elf-constants';
import { ElfError } from './elf-error';
import { ElfSymbol, readSymbols, symbolContaining } from './elf-symbols';
import { ByteView } from './byte-view';

export { ElfError } from './elf-error';
export type { ElfSymbol } from './elf-symbols';

export interface ProgramHeader {
  index: number;
  /** PT_* */
  type: number;
  /** PF_* bits */
  flags: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

export interface SectionHeader {
  index: number;
  name: string;
  /** SHT_* */
  type: number;
  /** SHF_* bits */
  flags: bigint;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
  addralign: bigint;
  entsize: bigint;
}

/** Everything parseElf reads and validates up front. */
export interface ElfHeaders {
  /** The file name used in error messages (as the user gave it). */
  name: string;
  bytes: Uint8Array;
  elfClass: typeof ELFCLASS64;
  data: typeof ELFDATA2LSB;
  machine: typeof EM_X86_64;
  type: typeof ET_EXEC | typeof ET_DYN;
  entry: bigint;
  phoff: bigint;
  phentsize: number;
  phnum: number;
  programHeaders: ProgramHeader[];
  /** The PT_INTERP path, for dynamic programs. */
  interpreter: string | undefined;
  sections: SectionHeader[];
}

/** A parsed file: the validated headers plus lookups that read more of the file on demand. */
export interface ElfFile extends Readonly<ElfHeaders> {
  section(name: string): SectionHeader | undefined;
  /** Symbols of .symtab then .dynsym (null entries skipped); read on first use, ElfError if malformed. */
  symbols(): ElfSymbol[];
  /** The function or object whose [value, value+size) holds a link-time address (subtract the load bias first). */
  symbolAt(address: bigint): { symbol: ElfSymbol; offset: bigint } | undefined;
}

function withLookups(headers: ElfHeaders): ElfFile {
  let symbols: ElfSymbol[] | undefined;
  const file: ElfFile = {
    ...headers,
    section: (name) => headers.sections.find((s) => s.name === name),
    symbols: () => (symbols ??= readSymbols(headers.name, headers.bytes, headers.sections)),
    symbolAt: (address) => symbolContaining(file.symbols(), address),
  };
  return file;
}

export function parseElf(bytes: Uint8Array, name: string): ElfFile {
  const fail = (problem: string): never => {
    throw new ElfError(name, problem);
  };
  const view = new ByteView(bytes);
  if (bytes.length < ELF_MAGIC.length || ELF_MAGIC.some((b, i) => bytes[i] !== b)) fail('not an ELF file');
  if (bytes.length < EI_NIDENT) fail('truncated ELF header');
  const elfClass = bytes[EI_CLASS];
  if (elfClass === ELFCLASS32) fail('32-bit ELF (ELFCLASS32), Ferry runs 64-bit x86-64 programs');
  if (elfClass !== ELFCLASS64) fail(`invalid ELF class ${elfClass}`);
  const data = bytes[EI_DATA];
  if (data === ELFDATA2MSB) fail('big-endian ELF, Ferry runs little-endian x86-64 programs');
  if (data !== ELFDATA2LSB) fail(`invalid ELF data encoding ${data}`);
  if (bytes.length < ELF64_EHDR_SIZE) fail(`truncated ELF header (${bytes.length} of ${ELF64_EHDR_SIZE} bytes)`);

  const machine = view.u16(18);
  if (machine !== EM_X86_64) fail(`ELF for machine ${machineName(machine)} (${machine}), Ferry runs x86-64`);
  const type = view.u16(16);
  if (type === ET_REL) fail('relocatable object file (ET_REL), not a program');
  if (type === ET_CORE) fail('core dump (ET_CORE), not a program');
  if (type !== ET_EXEC && type !== ET_DYN) return fail(`ELF type ${type} is not a program (need ET_EXEC or ET_DYN)`);
  const ehsize = view.u16(52);
  if (ehsize !== ELF64_EHDR_SIZE) fail(`ELF header size ${ehsize}, expected ${ELF64_EHDR_SIZE}`);

  const phoff = view.u64(32);
  const phentsize = view.u16(54);
  const phnum = view.u16(56);
  if (phentsize !== ELF64_PHDR_SIZE) fail(`program header size ${phentsize}, expected ${ELF64_PHDR_SIZE}`);
  if (phnum === 0) fail('no program headers');
  if (phoff < BigInt(ELF64_EHDR_SIZE)) fail('program header table overlaps the ELF header');
  if (!view.holds(phoff, BigInt(phnum * ELF64_PHDR_SIZE))) fail('truncated program header table');

  const shoff = view.u64(40);
  const shentsize = view.u16(58);
  const shnum = view.u16(60);
  const shstrndx = view.u16(62);
  if (shnum > 0) {
    if (shentsize !== ELF64_SHDR_SIZE) fail(`section header size ${shentsize}, expected ${ELF64_SHDR_SIZE}`);
    if (shoff < BigInt(ELF64_EHDR_SIZE)) fail('section header table overlaps the ELF header');
    if (!view.holds(shoff, BigInt(shnum * ELF64_SHDR_SIZE))) fail('truncated section header table');
    if (shstrndx >= shnum) fail(`section name table index ${shstrndx} out of range (${shnum} sections)`);
  }

  const fromElfy = elfyTables(bytes, fail);
  // elfy returns 64-bit fields as JavaScript numbers: refuse what it could not represent exactly.
  const exact = (value: number, what: string): bigint => {
    if (!Number.isSafeInteger(value)) fail(`${what} is too large (beyond 2^53)`);
    return BigInt(value);
  };

  const programHeaders = fromElfy.programs.map((p, index): ProgramHeader => {
    const at = Number(phoff) + index * ELF64_PHDR_SIZE;
    const what = (field: string) => `program header ${index} ${field}`;
    return {
      index,
      // elfy maps p_type to a name (undefined for types it does not know) and p_flags to a set.
      type: view.u32(at),
      flags: view.u32(at + 4),
      offset: exact(p.offset, what('offset')),
      vaddr: exact(p.vaddr, what('vaddr')),
      paddr: exact(p.paddr, what('paddr')),
      filesz: exact(p.filesz, what('filesz')),
      memsz: exact(p.memsz, what('memsz')),
      align: exact(p.align, what('align')),
    };
  });
  for (const ph of programHeaders) {
    if (ph.type !== PT_LOAD) continue;
    const where = `program header ${ph.index} (PT_LOAD)`;
    if (ph.filesz > ph.memsz) fail(`${where}: filesz 0x${ph.filesz.toString(16)} exceeds memsz 0x${ph.memsz.toString(16)}`);
    if (!view.holds(ph.offset, ph.filesz)) fail(`${where} reaches past the end of the file`);
  }

  const sectionHeaders = fromElfy.sections.map((s, index) => {
    const at = Number(shoff) + index * ELF64_SHDR_SIZE;
    const what = (field: string) => `section header ${index} ${field}`;
    return {
      index,
      nameOffset: view.u32(at),
      // elfy maps sh_type to a name and sh_flags to a set, and reads addralign/entsize from the
      // wrong offsets (46 and 54) in 64-bit files.
      type: view.u32(at + 4),
      flags: view.u64(at + 8),
      addr: exact(s.addr, what('addr')),
      offset: exact(s.off, what('offset')),
      size: exact(s.size, what('size')),
      link: s.link,
      info: s.info,
      addralign: view.u64(at + 48),
      entsize: view.u64(at + 56),
    };
  });
  const names = shstrndx === 0 ? undefined : sectionHeaders[shstrndx];
  if (names && (names.type === SHT_NOBITS || !view.holds(names.offset, names.size))) {
    fail(`section name table (section ${shstrndx}) reaches past the end of the file`);
  }
  const sections: SectionHeader[] = sectionHeaders.map(({ nameOffset, ...section }) => ({
    ...section,
    name: names ? view.cString(names.offset + BigInt(nameOffset), names.offset + names.size, fail, `section ${section.index} name`) : '',
  }));

  return withLookups({
    name, bytes, elfClass: ELFCLASS64, data: ELFDATA2LSB, machine: EM_X86_64, type,
    entry: view.u64(24), phoff, phentsize, phnum, programHeaders,
    interpreter: readInterpreter(view, programHeaders, fail), sections,
  });
}

function elfyTables(bytes: Uint8Array, fail: (problem: string) => never) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const parser = new Parser();
    const header = parser.parseHeader(buf);
    return { programs: parser.parsePrograms(buf, header), sections: parser.parseSections(buf, header) };
  } catch (err) {
    // The checks above should leave elfy nothing to reject; if it still throws, keep its reason.
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return fail(`malformed ELF (${reason})`);
  }
}

function readInterpreter(view: ByteView, programHeaders: ProgramHeader[], fail: (problem: string) => never): string | undefined {
  const interp = programHeaders.find((ph) => ph.type === PT_INTERP);
  if (!interp) return undefined;
  if (interp.filesz === 0n || !view.holds(interp.offset, interp.filesz)) fail('PT_INTERP reaches past the end of the file');
  return view.cString(interp.offset, interp.offset + interp.filesz, fail, 'PT_INTERP path');
}
