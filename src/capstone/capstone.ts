// Typed wrapper over Debian's libcapstone4 through koffi: decodes x86-64 (and ARM64, for tests)
// with details into plain objects; struct offsets come from the header probe (util/native-constants).
import koffi from 'koffi';
import { NC } from '../util/native-constants';

export class CapstoneError extends Error {}

export type X86Operand =
  | { type: 'reg'; reg: string; size: number; access: number }
  | { type: 'imm'; imm: bigint; size: number; access: number }
  | { type: 'mem'; segment: string; base: string; index: string; scale: number; disp: bigint; size: number; access: number };

export interface X86Insn {
  address: bigint;
  size: number;
  bytes: Uint8Array;
  /** Capstone's instruction name without prefixes, e.g. "stosb", "add". */
  name: string;
  /** Capstone's text, e.g. "rep stosb byte ptr [rdi], al". */
  text: string;
  prefix: Uint8Array;      // 4 bytes: rep/lock, segment, opsize, addrsize
  rex: number;
  addrSize: number;
  operands: X86Operand[];
}

interface CsLib { open: any; option: any; disasm: any; free: any; regName: any; insnName: any; strerror: any; malloc: any; iter: any }
let lib: CsLib | undefined;
function load(): CsLib {
  if (lib) return lib;
  const so = koffi.load('libcapstone.so.4');
  lib = {
    open: so.func('int cs_open(int arch, int mode, _Out_ size_t *handle)'),
    option: so.func('int cs_option(size_t handle, int type, size_t value)'),
    disasm: so.func('size_t cs_disasm(size_t handle, const uint8_t *code, size_t size, uint64_t address, size_t count, _Out_ void **insn)'),
    free: so.func('void cs_free(void *insn, size_t count)'),
    regName: so.func('const char *cs_reg_name(size_t handle, unsigned int reg)'),
    insnName: so.func('const char *cs_insn_name(size_t handle, unsigned int id)'),
    strerror: so.func('const char *cs_strerror(int code)'),
    malloc: so.func('void *cs_malloc(size_t handle)'),
    iter: so.func('bool cs_disasm_iter(size_t handle, void *code, void *size, void *address, void *insn)'),
  };
  return lib;
}

const decoder = new TextDecoder();
function cString(bytes: Uint8Array, offset: number, max: number): string {
  let end = offset;
  while (end < offset + max && bytes[end] !== 0) end++;
  return decoder.decode(bytes.subarray(offset, end));
}

class Disassembler {
  protected readonly lib = load();
  protected readonly handle: number | bigint;
  private readonly names = new Map<number, string>();
  private readonly regs = new Map<number, string>();

  constructor(arch: number, mode: number, detail: boolean) {
    const out = [0];
    const err = this.lib.open(arch, mode, out);
    if (err !== NC.CS_ERR_OK) throw new CapstoneError(`capstone cs_open: ${this.lib.strerror(err)}`);
    this.handle = out[0];
    if (detail) this.lib.option(this.handle, NC.CS_OPT_DETAIL, NC.CS_OPT_ON);
  }
  protected insnName(id: number): string {
    let n = this.names.get(id);
    if (n === undefined) { n = this.lib.insnName(this.handle, id) ?? `insn${id}`; this.names.set(id, n!); }
    return n!;
  }
  protected regName(id: number): string {
    if (id === 0) return '';
    let n = this.regs.get(id);
    if (n === undefined) { n = this.lib.regName(this.handle, id) ?? `reg${id}`; this.regs.set(id, n!); }
    return n!;
  }
  /** Runs cs_disasm and hands each raw cs_insn record (and its detail) to fn. */
  protected each(code: Uint8Array, address: bigint, count: number, fn: (insn: Uint8Array, detail: Uint8Array | null) => void): number {
    const out: unknown[] = [null];
    const n = Number(this.lib.disasm(this.handle, code, code.length, address, count, out));
    if (n === 0) return 0;
    try {
      const all = new Uint8Array(koffi.view(out[0], n * NC.sizeof_cs_insn));
      const dv = new DataView(all.buffer, all.byteOffset, all.byteLength);
      for (let i = 0; i < n; i++) {
        const rec = all.subarray(i * NC.sizeof_cs_insn, (i + 1) * NC.sizeof_cs_insn);
        const detailPtr = dv.getBigUint64(i * NC.sizeof_cs_insn + NC.cs_insn_detail, true);
        let detail: Uint8Array | null = null;
        if (detailPtr !== 0n) {
          const ptr = koffi.decode(out[0], i * NC.sizeof_cs_insn + NC.cs_insn_detail, 'void *');
          detail = new Uint8Array(koffi.view(ptr, NC.cs_detail_x86 + NC.cs_x86_operands + 8 * NC.sizeof_cs_x86_op));
        }
        fn(rec, detail);
      }
    } finally {
      this.lib.free(out[0], n);
    }
    return n;
  }
}

const WINDOW = 1024;

/** A decoded instruction whose text is produced only when asked for. */
class DecodedInsn implements X86Insn {
  prefix = new Uint8Array(4);
  rex = 0;
  addrSize = 8;
  operands: X86Operand[] = [];
  constructor(private readonly decoder: X86Decoder, readonly address: bigint, readonly size: number,
    readonly bytes: Uint8Array, readonly name: string) {}
  get text(): string { return this.decoder.textOf(this.bytes, this.address); }
}

export class X86Decoder extends Disassembler {
  // cs_disasm_iter with one reused cs_insn: native buffers and views made once, no allocation per call.
  // Node buffers pass to koffi as plain pointers, far cheaper than koffi-allocated cells.
  private readonly code = Buffer.alloc(WINDOW);
  private readonly cells = Buffer.alloc(24);
  private readonly codeCell = this.cells.subarray(0, 8);
  private readonly sizeCell = this.cells.subarray(8, 16);
  private readonly addrCell = this.cells.subarray(16, 24);
  private readonly codeAddress = koffi.address(this.code);
  private readonly insnPtr: unknown;
  private readonly rec: Uint8Array;
  private readonly recView: DataView;
  private readonly detail: Uint8Array;

  constructor() {
    super(NC.CS_ARCH_X86, NC.CS_MODE_64, true);
    this.insnPtr = this.lib.malloc(this.handle);
    this.rec = new Uint8Array(koffi.view(this.insnPtr, NC.sizeof_cs_insn));
    this.recView = new DataView(this.rec.buffer, this.rec.byteOffset, this.rec.byteLength);
    const detailPtr = koffi.decode(this.insnPtr, NC.cs_insn_detail, 'void *');
    this.detail = new Uint8Array(koffi.view(detailPtr, NC.cs_detail_x86 + NC.cs_x86_operands + 8 * NC.sizeof_cs_x86_op));
  }

  /** Decodes up to `count` instructions from `code` placed at `address`; stops early at undecodable bytes. */
  decode(code: Uint8Array, address: bigint, count: number): X86Insn[] {
    const result: X86Insn[] = [];
    const n = Math.min(code.length, WINDOW);
    this.code.set(code.subarray(0, n));
    this.cells.writeBigUInt64LE(this.codeAddress, 0);
    this.cells.writeBigUInt64LE(BigInt(n), 8);
    this.cells.writeBigUInt64LE(address, 16);
    while (result.length < count && this.lib.iter(this.handle, this.codeCell, this.sizeCell, this.addrCell, this.insnPtr)) {
      const rec = this.rec, dv = this.recView;
      const size = dv.getUint16(NC.cs_insn_size, true);
      const insn = new DecodedInsn(this, dv.getBigUint64(NC.cs_insn_address, true), size,
        rec.slice(NC.cs_insn_bytes, NC.cs_insn_bytes + size), this.insnName(dv.getUint32(NC.cs_insn_id, true)));
      this.readDetail(this.detail, insn);
      result.push(insn);
    }
    return result;
  }

  /** Capstone's text for one instruction, decoded again: wanted only for reports. */
  textOf(bytes: Uint8Array, address: bigint): string {
    let text = '';
    this.each(bytes, address, 1, (rec) => {
      const mnemonic = cString(rec, NC.cs_insn_mnemonic, 32);
      const opStr = cString(rec, NC.cs_insn_op_str, 160);
      text = opStr ? `${mnemonic} ${opStr}` : mnemonic;
    });
    return text;
  }

  private readDetail(detail: Uint8Array, insn: X86Insn): void {
    const x = NC.cs_detail_x86;
    const dv = new DataView(detail.buffer, detail.byteOffset, detail.byteLength);
    insn.prefix = detail.slice(x + NC.cs_x86_prefix, x + NC.cs_x86_prefix + 4);
    insn.rex = detail[x + NC.cs_x86_rex];
    insn.addrSize = detail[x + NC.cs_x86_addr_size];
    const count = detail[x + NC.cs_x86_op_count];
    for (let i = 0; i < count; i++) {
      const o = x + NC.cs_x86_operands + i * NC.sizeof_cs_x86_op;
      const type = dv.getUint32(o + NC.cs_x86_op_type, true);
      const size = detail[o + NC.cs_x86_op_size];
      const access = detail[o + NC.cs_x86_op_access];
      if (type === NC.X86_OP_REG) {
        insn.operands.push({ type: 'reg', reg: this.regName(dv.getUint32(o + NC.cs_x86_op_reg, true)), size, access });
      } else if (type === NC.X86_OP_IMM) {
        insn.operands.push({ type: 'imm', imm: dv.getBigInt64(o + NC.cs_x86_op_imm, true), size, access });
      } else if (type === NC.X86_OP_MEM) {
        insn.operands.push({
          type: 'mem',
          segment: this.regName(dv.getUint32(o + NC.cs_x86_op_mem_segment, true)),
          base: this.regName(dv.getUint32(o + NC.cs_x86_op_mem_base, true)),
          index: this.regName(dv.getUint32(o + NC.cs_x86_op_mem_index, true)),
          scale: dv.getInt32(o + NC.cs_x86_op_mem_scale, true),
          disp: dv.getBigInt64(o + NC.cs_x86_op_mem_disp, true),
          size, access,
        });
      }
    }
  }
}

/** ARM64 disassembly text, for checking generated code in tests and --dump-host. */
export class Arm64Disassembler extends Disassembler {
  constructor() { super(NC.CS_ARCH_ARM64, NC.CS_MODE_ARM, false); }
  text(code: Uint8Array, address: bigint): string[] {
    const lines: string[] = [];
    this.each(code, address, 0, (rec) => {
      const mnemonic = cString(rec, NC.cs_insn_mnemonic, 32);
      const opStr = cString(rec, NC.cs_insn_op_str, 160);
      lines.push(opStr ? `${mnemonic} ${opStr}` : mnemonic);
    });
    return lines;
  }
}
