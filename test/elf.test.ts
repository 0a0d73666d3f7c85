// Tests for src/elf: headers and symbols of gcc-built programs against readelf and nm (the oracles),
// and the one-line ElfError for every kind of bad input.
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { ElfError, ElfFile, parseElf } from '../src/elf/elf';
import { STT_FUNC, STT_OBJECT } from '../src/elf/elf-constants';

const BUILD = join(__dirname, '..', 'build', 'loader');
const X86_PROGRAMS = ['static-exec', 'static-pie', 'glibc-static', 'dynamic'];

const read = (program: string) => new Uint8Array(readFileSync(join(BUILD, program)));
const parse = (program: string) => parseElf(read(program), program);
const tool = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });

// The test's own names for readelf's words, so the oracle does not go through Ferry's tables.
const READELF_PROGRAM_TYPES: Record<string, number> = {
  NULL: 0, LOAD: 1, DYNAMIC: 2, INTERP: 3, NOTE: 4, PHDR: 6, TLS: 7,
  GNU_EH_FRAME: 0x6474e550, GNU_STACK: 0x6474e551, GNU_RELRO: 0x6474e552, GNU_PROPERTY: 0x6474e553,
};
const READELF_SECTION_TYPES: Record<string, number> = {
  NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, DYNAMIC: 6, NOTE: 7, NOBITS: 8, DYNSYM: 11,
  INIT_ARRAY: 14, FINI_ARRAY: 15, PREINIT_ARRAY: 16, GNU_HASH: 0x6ffffff6, VERNEED: 0x6ffffffe, VERSYM: 0x6fffffff,
};
const READELF_SECTION_FLAGS: Record<string, bigint> = {
  W: 0x1n, A: 0x2n, X: 0x4n, M: 0x10n, S: 0x20n, I: 0x40n, L: 0x80n, O: 0x100n, G: 0x200n, T: 0x400n, C: 0x800n, R: 0x20_0000n /* SHF_GNU_RETAIN */,
};

function readelfProgramHeaders(program: string) {
  const out = tool('readelf', ['-lW', join(BUILD, program)]);
  const header = /There are (\d+) program headers, starting at offset (\d+)/.exec(out);
  const row = /^\s+([A-Z_]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+([RWE ]{3})\s+0x([0-9a-f]+)$/;
  return {
    entry: BigInt(/Entry point (0x[0-9a-f]+)/.exec(out)![1]),
    phnum: Number(header![1]),
    phoff: BigInt(header![2]),
    interpreter: /\[Requesting program interpreter: (.*)\]/.exec(out)?.[1],
    headers: out.split('\n').flatMap((line) => {
      const m = row.exec(line);
      if (!m) return [];
      const flagBits = (m[7].includes('R') ? 4 : 0) | (m[7].includes('W') ? 2 : 0) | (m[7].includes('E') ? 1 : 0);
      expect(READELF_PROGRAM_TYPES).toHaveProperty(m[1]);
      return [{
        type: READELF_PROGRAM_TYPES[m[1]], offset: BigInt(`0x${m[2]}`), vaddr: BigInt(`0x${m[3]}`), paddr: BigInt(`0x${m[4]}`),
        filesz: BigInt(`0x${m[5]}`), memsz: BigInt(`0x${m[6]}`), flags: flagBits, align: BigInt(`0x${m[8]}`),
      }];
    }),
  };
}

function readelfSections(program: string) {
  return tool('readelf', ['-SW', join(BUILD, program)]).split('\n').flatMap((line) => {
    const m = /^\s+\[\s*(\d+)\]\s(.*)$/.exec(line);
    if (!m) return [];
    const tokens = m[2].trim().split(/\s+/);
    // Section 0 has no name; a section without flags has no flags column.
    if (tokens.length === 8) tokens.unshift('');
    const flags = tokens.length === 10 ? tokens.splice(6, 1)[0] : '';
    const [name, type, addr, offset, size, entsize, link, info, addralign] = tokens;
    expect(READELF_SECTION_TYPES).toHaveProperty(type);
    return [{
      index: Number(m[1]), name, type: READELF_SECTION_TYPES[type], addr: BigInt(`0x${addr}`), offset: BigInt(`0x${offset}`),
      size: BigInt(`0x${size}`), entsize: BigInt(`0x${entsize}`), flags: [...flags].sort().join(''),
      link: Number(link), info: Number(info), addralign: BigInt(addralign),
    }];
  });
}

function readelfFlagLetters(flags: bigint): string {
  return Object.entries(READELF_SECTION_FLAGS).filter(([, bit]) => flags & bit).map(([letter]) => letter).sort().join('');
}

/** nm -S: name -> value, size and type letter for the symbols that have a size. */
function nmSymbols(program: string, dynamic = false) {
  const out = tool('nm', [...(dynamic ? ['-D'] : []), '-S', join(BUILD, program)]);
  return out.split('\n').flatMap((line) => {
    const m = /^([0-9a-f]{16})\s+([0-9a-f]{16})\s+([A-Za-z])\s+(\S+)$/.exec(line);
    return m ? [{ value: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2]}`), letter: m[3], name: m[4] }] : [];
  });
}

function elfErrorOf(bytes: Uint8Array, name = 'prog'): ElfError {
  try {
    parseElf(bytes, name);
  } catch (err) {
    expect(err).toBeInstanceOf(ElfError);
    expect((err as Error).message).not.toContain('\n');
    return err as ElfError;
  }
  throw new Error('parseElf accepted the input');
}

/** A copy of a real program with some header fields rewritten. */
function patched(program: string, patch: (view: DataView) => void): Uint8Array {
  const bytes = read(program).slice();
  patch(new DataView(bytes.buffer));
  return bytes;
}

function firstLoadIndex(elf: ElfFile): number {
  return elf.programHeaders.findIndex((ph) => ph.type === 1);
}

describe.each(X86_PROGRAMS)('parseElf(%s) against readelf', (program) => {
  const elf = parse(program);
  const oracle = readelfProgramHeaders(program);

  test('ELF header', () => {
    expect(elf.elfClass).toBe(2);
    expect(elf.data).toBe(1);
    expect(elf.machine).toBe(62);
    expect(elf.type).toBe(program === 'static-exec' || program === 'glibc-static' ? 2 : 3);
    expect(elf.entry).toBe(oracle.entry);
    expect(elf.phoff).toBe(oracle.phoff);
    expect(elf.phnum).toBe(oracle.phnum);
    expect(elf.phentsize).toBe(56);
    expect(elf.interpreter).toBe(oracle.interpreter);
  });

  test('program headers', () => {
    expect(elf.programHeaders.map(({ index, ...ph }) => ph)).toEqual(oracle.headers);
    expect(elf.programHeaders.map((ph) => ph.index)).toEqual(oracle.headers.map((_, i) => i));
  });

  test('section headers, including addralign and entsize', () => {
    const sections = readelfSections(program);
    expect(sections.length).toBeGreaterThan(5);
    expect(elf.sections.map((s) => ({
      index: s.index, name: s.name, type: s.type, addr: s.addr, offset: s.offset, size: s.size, entsize: s.entsize,
      flags: readelfFlagLetters(s.flags), link: s.link, info: s.info, addralign: s.addralign,
    }))).toEqual(sections);
    // elfy alone gets these wrong: make sure the files exercise them.
    expect(sections.some((s) => s.entsize === 24n)).toBe(true);
    expect(sections.some((s) => s.addralign === 8n)).toBe(true);
  });
});

describe('symbols against nm', () => {
  test.each(['static-exec', 'static-pie', 'glibc-static'])('%s: every sized symbol nm lists', (program) => {
    const symbols = parse(program).symbols();
    const expected = nmSymbols(program);
    expect(expected.length).toBeGreaterThan(4);
    for (const s of expected) {
      const found = symbols.filter((sym) => sym.name === s.name && sym.value === s.value && sym.table === 'symtab');
      expect(found.map((f) => f.size)).toContain(s.size);
    }
  });

  test('function and object types of the sample program', () => {
    const elf = parse('static-exec');
    const byName = new Map(elf.symbols().map((s) => [s.name, s]));
    for (const s of nmSymbols('static-exec').filter((n) => ['add', '_start', 'counter', 'table', 'big_buffer', 'message'].includes(n.name))) {
      expect(byName.get(s.name)?.type).toBe(s.letter === 'T' ? STT_FUNC : STT_OBJECT);
    }
  });

  test('symbolAt names the function holding an address', () => {
    const elf = parse('static-exec');
    const add = nmSymbols('static-exec').find((s) => s.name === 'add')!;
    expect(elf.symbolAt(add.value + 3n)).toMatchObject({ symbol: { name: 'add' }, offset: 3n });
    expect(elf.symbolAt(0x10n)).toBeUndefined();
  });

  test('dynamic program: .dynsym holds the undefined libc imports', () => {
    const dynsym = parse('dynamic').symbols().filter((s) => s.table === 'dynsym');
    const out = tool('nm', ['-D', join(BUILD, 'dynamic')]);
    const undefinedNames = [...out.matchAll(/^\s+U (\S+?)(@\S+)?$/gm)].map((m) => m[1]);
    expect(undefinedNames).toContain('printf');
    for (const name of undefinedNames) expect(dynsym.find((s) => s.name === name)?.sectionIndex).toBe(0);
  });
});

describe('bad input gives a one-line ElfError', () => {
  test('empty file', () => {
    expect(elfErrorOf(new Uint8Array(0)).message).toBe('prog: not an ELF file');
  });

  test('random bytes', () => {
    let seed = 12345;
    const bytes = Uint8Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    expect(elfErrorOf(bytes).message).toBe('prog: not an ELF file');
  });

  test('a text file', () => {
    expect(elfErrorOf(Buffer.from('#!/bin/sh\necho hi\n')).message).toBe('prog: not an ELF file');
  });

  test('32-bit ELF built with gcc -m32', () => {
    // The file must be the compiler's (the setup step fails when it cannot build it); readelf says what it is.
    const header = tool('readelf', ['-h', join(BUILD, 'i386')]);
    expect(header).toMatch(/Class:\s+ELF32\n/);
    expect(header).toMatch(/Machine:\s+Intel 80386\n/);
    expect(elfErrorOf(read('i386')).message).toBe('prog: 32-bit ELF (ELFCLASS32), Ferry runs 64-bit x86-64 programs');
  });

  test('32-bit ELF, crafted', () => {
    const bytes = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, ...new Array(45).fill(0)]);
    expect(elfErrorOf(bytes).message).toBe('prog: 32-bit ELF (ELFCLASS32), Ferry runs 64-bit x86-64 programs');
  });

  test('AArch64 ELF built with aarch64-linux-gnu-gcc', () => {
    expect(tool('readelf', ['-h', join(BUILD, 'aarch64')])).toMatch(/Machine:\s+AArch64\n/);
    expect(elfErrorOf(read('aarch64')).message).toBe('prog: ELF for machine AArch64 (183), Ferry runs x86-64');
  });

  test('big-endian and unknown encodings', () => {
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint8(5, 2))).message)
      .toBe('prog: big-endian ELF, Ferry runs little-endian x86-64 programs');
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint8(5, 9))).message).toBe('prog: invalid ELF data encoding 9');
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint8(4, 7))).message).toBe('prog: invalid ELF class 7');
  });

  test('object files and core dumps are not programs', () => {
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint16(16, 1, true))).message)
      .toBe('prog: relocatable object file (ET_REL), not a program');
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint16(16, 4, true))).message)
      .toBe('prog: core dump (ET_CORE), not a program');
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint16(16, 0xfe00, true))).message)
      .toBe('prog: ELF type 65024 is not a program (need ET_EXEC or ET_DYN)');
  });

  test('truncated headers', () => {
    const bytes = read('static-exec');
    expect(elfErrorOf(bytes.subarray(0, 10)).message).toBe('prog: truncated ELF header');
    expect(elfErrorOf(bytes.subarray(0, 40)).message).toBe('prog: truncated ELF header (40 of 64 bytes)');
    expect(elfErrorOf(bytes.subarray(0, 64 + 56)).message).toBe('prog: truncated program header table');
    expect(elfErrorOf(bytes.subarray(0, bytes.length - 1)).message).toBe('prog: truncated section header table');
  });

  test('bad header sizes and table placement', () => {
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint16(52, 52, true))).message).toBe('prog: ELF header size 52, expected 64');
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint16(54, 32, true))).message).toBe('prog: program header size 32, expected 56');
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint16(58, 40, true))).message).toBe('prog: section header size 40, expected 64');
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint16(56, 0, true))).message).toBe('prog: no program headers');
    expect(elfErrorOf(patched('static-exec', (v) => v.setBigUint64(32, 0n, true))).message)
      .toBe('prog: program header table overlaps the ELF header');
    expect(elfErrorOf(patched('static-exec', (v) => v.setBigUint64(32, 0xffff_ffff_ffff_fff0n, true))).message)
      .toBe('prog: truncated program header table');
    expect(elfErrorOf(patched('static-exec', (v) => v.setUint16(62, 200, true))).message)
      .toMatch(/^prog: section name table index 200 out of range \(\d+ sections\)$/);
  });

  test('PT_LOAD segments must fit the file and have filesz <= memsz', () => {
    const elf = parse('static-exec');
    const i = firstLoadIndex(elf);
    const at = Number(elf.phoff) + i * 56;
    expect(elfErrorOf(patched('static-exec', (v) => v.setBigUint64(at + 40, 1n, true))).message)
      .toBe(`prog: program header ${i} (PT_LOAD): filesz 0x${elf.programHeaders[i].filesz.toString(16)} exceeds memsz 0x1`);
    expect(elfErrorOf(patched('static-exec', (v) => {
      v.setBigUint64(at + 32, 0x10_0000n, true);
      v.setBigUint64(at + 40, 0x10_0000n, true);
    })).message).toBe(`prog: program header ${i} (PT_LOAD) reaches past the end of the file`);
    expect(elfErrorOf(patched('static-exec', (v) => v.setBigUint64(at + 16, 1n << 60n, true))).message)
      .toBe(`prog: program header ${i} vaddr is too large (beyond 2^53)`);
  });

  test('the message names the file as given', () => {
    expect(elfErrorOf(new Uint8Array(3), '/tmp/some prog').message).toBe('/tmp/some prog: not an ELF file');
  });

  test('corrupted header bytes give ElfError or a valid parse, never another error', () => {
    const original = read('static-exec');
    const elf = parse('static-exec');
    // Half the hits land in the ELF and program headers, half in the section header table.
    const headerBytes = 64 + 56 * elf.phnum;
    const sectionTable = original.length - 64 * elf.sections.length;
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    let rejected = 0;
    for (let round = 0; round < 1500; round++) {
      const bytes = original.slice();
      for (let k = 0; k < 4; k++) {
        const at = k % 2 === 0 ? next() % headerBytes : sectionTable + (next() % (original.length - sectionTable));
        bytes[at] = next() >>> 24;
      }
      try {
        parseElf(bytes, 'prog').symbols();
      } catch (err) {
        expect(err).toBeInstanceOf(ElfError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });
});
