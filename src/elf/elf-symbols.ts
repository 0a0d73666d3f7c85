// The ELF symbol tables (.symtab, .dynsym) read into typed entries, for naming guest addresses in
// error reports and traces; Ferry does not need them to run a program.
import { ELF64_SYM_SIZE, SHT_DYNSYM, SHT_NOBITS, SHT_STRTAB, SHT_SYMTAB, STT_FUNC, STT_OBJECT } from './elf-constants';
import { ByteView } from './byte-view';
import { ElfError } from './elf-error';
import type { SectionHeader } from './elf';

export interface ElfSymbol {
  name: string;
  /** Link-time value: for a PIE, add the load bias to get the guest address. */
  value: bigint;
  size: bigint;
  /** STT_* */
  type: number;
  /** STB_* */
  binding: number;
  /** st_shndx: the section the symbol is defined in (0 when undefined). */
  sectionIndex: number;
  table: 'symtab' | 'dynsym';
}

export function readSymbols(file: string, bytes: Uint8Array, sections: SectionHeader[]): ElfSymbol[] {
  const view = new ByteView(bytes);
  const fail = (problem: string): never => {
    throw new ElfError(file, problem);
  };
  const inFile = (s: SectionHeader) => s.type !== SHT_NOBITS && view.holds(s.offset, s.size);
  const symbols: ElfSymbol[] = [];
  for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
    for (const table of sections.filter((s) => s.type === type)) {
      const where = `section ${table.index} (${table.name})`;
      if (table.entsize !== BigInt(ELF64_SYM_SIZE)) fail(`${where}: symbol size ${table.entsize}, expected ${ELF64_SYM_SIZE}`);
      if (!inFile(table)) fail(`${where} reaches past the end of the file`);
      const strings = sections[table.link];
      if (!strings || strings.type !== SHT_STRTAB || !inFile(strings)) fail(`${where}: bad string table link ${table.link}`);
      const count = Number(table.size / BigInt(ELF64_SYM_SIZE));
      // Entry 0 is the reserved null symbol.
      for (let i = 1; i < count; i++) {
        const at = Number(table.offset) + i * ELF64_SYM_SIZE;
        const info = view.u8(at + 4);
        symbols.push({
          name: view.cString(strings.offset + BigInt(view.u32(at)), strings.offset + strings.size, fail, `${where} symbol ${i} name`),
          value: view.u64(at + 8),
          size: view.u64(at + 16),
          type: info & 0xf,
          binding: info >> 4,
          sectionIndex: view.u16(at + 6),
          table: type === SHT_SYMTAB ? 'symtab' : 'dynsym',
        });
      }
    }
  }
  return symbols;
}

export function symbolContaining(symbols: ElfSymbol[], address: bigint): { symbol: ElfSymbol; offset: bigint } | undefined {
  const symbol = symbols.find((s) =>
    (s.type === STT_FUNC || s.type === STT_OBJECT) && s.sectionIndex !== 0 &&
    address >= s.value && address < s.value + s.size);
  return symbol && { symbol, offset: address - symbol.value };
}
