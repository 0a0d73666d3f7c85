// Typed wrapper over Debian's libunicorn2 through koffi: every uc_err becomes a UnicornError.
// Only the calls Ferry needs; constants come from the header probe (util/native-constants).
import koffi, { type TypeObject } from 'koffi';
import { NC } from '../util/native-constants';
import { applyUnicornPatches } from './patches';

export class UnicornError extends Error {
  constructor(readonly call: string, readonly code: number, message: string) {
    super(`unicorn ${call}: ${message} (uc_err ${code})`);
  }
}

type Fn = (...args: unknown[]) => any;
interface UcLib {
  open: Fn; close: Fn; strerror: Fn; memMap: Fn; memMapPtr: Fn; memUnmap: Fn; memProtect: Fn;
  memRead: Fn; memWrite: Fn; regRead: Fn; regWrite: Fn; emuStart: Fn; emuStop: Fn; hookAdd: Fn; hookDel: Fn;
  ctl: Fn; mmioMap: Fn; contextAlloc: Fn; contextSave: Fn; contextSize: Fn;
  intrProto: TypeObject; memProto: TypeObject; mmioReadProto: TypeObject; mmioWriteProto: TypeObject;
}

let lib: UcLib | undefined;
/** koffi's type names are process-wide: a second copy of this module (jest runs test files in one process) reuses them. */
function namedProto(name: string, definition: string): TypeObject {
  try {
    return koffi.proto(definition);
  } catch (e) {
    if (!String(e).includes('Duplicate type name')) throw e;
    return koffi.type(name);
  }
}
function load(): UcLib {
  if (lib) return lib;
  const so = koffi.load('libunicorn.so.2');
  applyUnicornPatches();
  const intrProto = namedProto('uc_cb_intr', 'void uc_cb_intr(void *uc, uint32_t intno, void *user)');
  const memProto = namedProto('uc_cb_mem', 'bool uc_cb_mem(void *uc, int type, uint64_t address, int size, int64_t value, void *user)');
  lib = {
    open: so.func('int uc_open(int arch, int mode, _Out_ void **uc)'),
    close: so.func('int uc_close(void *uc)'),
    strerror: so.func('const char *uc_strerror(int code)'),
    memMap: so.func('int uc_mem_map(void *uc, uint64_t address, size_t size, uint32_t perms)'),
    memMapPtr: so.func('int uc_mem_map_ptr(void *uc, uint64_t address, size_t size, uint32_t perms, void *ptr)'),
    memUnmap: so.func('int uc_mem_unmap(void *uc, uint64_t address, size_t size)'),
    memProtect: so.func('int uc_mem_protect(void *uc, uint64_t address, size_t size, uint32_t perms)'),
    memRead: so.func('int uc_mem_read(void *uc, uint64_t address, void *bytes, size_t size)'),
    memWrite: so.func('int uc_mem_write(void *uc, uint64_t address, const void *bytes, size_t size)'),
    regRead: so.func('int uc_reg_read(void *uc, int regid, void *value)'),
    regWrite: so.func('int uc_reg_write(void *uc, int regid, const void *value)'),
    emuStart: so.func('int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)'),
    emuStop: so.func('int uc_emu_stop(void *uc)'),
    hookAdd: so.func('int uc_hook_add(void *uc, _Out_ size_t *hh, int type, void *callback, void *user, uint64_t begin, uint64_t end, ...)'),
    hookDel: so.func('int uc_hook_del(void *uc, size_t hh)'),
    ctl: so.func('int uc_ctl(void *uc, int control, ...)'),
    mmioMap: so.func('int uc_mmio_map(void *uc, uint64_t address, size_t size, void *read_cb, void *user_read, void *write_cb, void *user_write)'),
    contextAlloc: so.func('int uc_context_alloc(void *uc, _Out_ void **context)'),
    contextSave: so.func('int uc_context_save(void *uc, void *context)'),
    contextSize: so.func('size_t uc_context_size(void *uc)'),
    intrProto, memProto,
    mmioReadProto: namedProto('uc_cb_mmio_read', 'uint64_t uc_cb_mmio_read(void *uc, uint64_t offset, unsigned int size, void *user)'),
    mmioWriteProto: namedProto('uc_cb_mmio_write', 'void uc_cb_mmio_write(void *uc, uint64_t offset, unsigned int size, uint64_t value, void *user)'),
  };
  return lib;
}

export type IntrHook = (intno: number) => void;
/** Returns true when the access may be retried (the handler fixed the mapping). */
export type MemHook = (type: number, address: bigint, size: number, value: bigint) => boolean;

export class Unicorn {
  private readonly uc: unknown;
  private readonly lib: UcLib;
  private readonly scratch = Buffer.alloc(16);
  private readonly callbacks: unknown[] = [];
  private readonly cpReg = Buffer.alloc(NC.sizeof_uc_arm64_cp_reg);
  private context: { handle: unknown; bytes: Uint8Array } | undefined;
  private closed = false;

  constructor(arch: number, mode: number) {
    this.lib = load();
    const out: unknown[] = [null];
    this.check('uc_open', this.lib.open(arch, mode, out));
    this.uc = out[0];
  }

  /** An ARM64 CPU of the MAX model (LSE atomics, FlagM); the model must be set before anything else. */
  static arm64Max(): Unicorn {
    const u = new Unicorn(NC.UC_ARCH_ARM64, NC.UC_MODE_ARM);
    u.check('uc_ctl(CPU_MODEL)', u.lib.ctl(u.uc, NC.UC_CTL_WRITE_CPU_MODEL, 'int', NC.UC_CPU_ARM64_MAX));
    return u;
  }

  /**
   * Asks for 4 KiB target pages (QEMU's TLB granule) before the CPU is set up; false when this
   * Unicorn keeps its own (1 KiB on AArch64 without the page-size patch). Unicorn 2.0.1 counts one
   * bit too many (page_size 4096 gives 8 KiB pages), so it is asked for half and the result is read back.
   */
  setPageSize4K(): boolean {
    const asked = this.lib.ctl(this.uc, NC.UC_CTL_WRITE_PAGE_SIZE, 'uint32_t', 2048);
    if (asked !== NC.UC_ERR_OK) return false;
    const out = [0];
    this.check('uc_ctl(PAGE_SIZE)', this.lib.ctl(this.uc, NC.UC_CTL_READ_PAGE_SIZE, '_Out_ uint32_t *', out));
    if (out[0] !== 4096) throw new UnicornError('uc_ctl(PAGE_SIZE)', 0, `asked for 4 KiB target pages, got ${out[0]} bytes`);
    return true;
  }

  private check(call: string, code: number): void {
    if (code !== NC.UC_ERR_OK) throw new UnicornError(call, code, this.lib.strerror(code));
  }

  memMap(address: bigint, size: number, perms: number): void {
    this.check('uc_mem_map', this.lib.memMap(this.uc, address, size, perms));
  }
  memMapPtr(address: bigint, size: number | bigint, perms: number, hostPtr: unknown): void {
    this.check('uc_mem_map_ptr', this.lib.memMapPtr(this.uc, address, size, perms, hostPtr));
  }
  memUnmap(address: bigint, size: number): void {
    this.check('uc_mem_unmap', this.lib.memUnmap(this.uc, address, size));
  }
  memProtect(address: bigint, size: number | bigint, perms: number): void {
    this.check('uc_mem_protect', this.lib.memProtect(this.uc, address, size, perms));
  }
  memRead(address: bigint, into: Uint8Array): void {
    this.check('uc_mem_read', this.lib.memRead(this.uc, address, into, into.length));
  }
  memWrite(address: bigint, bytes: Uint8Array): void {
    this.check('uc_mem_write', this.lib.memWrite(this.uc, address, bytes, bytes.length));
  }
  /**
   * Claims [address, address+size) with a region that reads as zero and ignores writes. Used as a
   * placeholder: with the MMU on, Unicorn 2.0.1 still looks a virtual address up among its regions.
   */
  mmioPlaceholder(address: bigint, size: bigint, perms: number): void {
    const read = koffi.register(() => 0n, koffi.pointer(this.lib.mmioReadProto));
    const write = koffi.register(() => undefined, koffi.pointer(this.lib.mmioWriteProto));
    this.callbacks.push(read, write);
    this.check('uc_mmio_map', this.lib.mmioMap(this.uc, address, size, read, null, write, null));
    this.memProtect(address, size, perms);
  }
  /** Writes an AArch64 system register or runs a system instruction (TLBI) by its encoding. */
  writeSystemRegister(op0: number, op1: number, crn: number, crm: number, op2: number, value: bigint): void {
    const r = this.cpReg;
    r.writeUInt32LE(crn, NC.uc_arm64_cp_reg_crn);
    r.writeUInt32LE(crm, NC.uc_arm64_cp_reg_crm);
    r.writeUInt32LE(op0, NC.uc_arm64_cp_reg_op0);
    r.writeUInt32LE(op1, NC.uc_arm64_cp_reg_op1);
    r.writeUInt32LE(op2, NC.uc_arm64_cp_reg_op2);
    r.writeBigUInt64LE(BigInt.asUintN(64, value), NC.uc_arm64_cp_reg_val);
    this.check('uc_reg_write(CP_REG)', this.lib.regWrite(this.uc, NC.UC_ARM64_REG_CP_REG, r));
  }
  /** The CPU's whole state as uc_context_save lays it out (QEMU's CPUARMState); the bytes are reused. */
  saveContext(): Uint8Array {
    if (!this.context) {
      const out: unknown[] = [null];
      this.check('uc_context_alloc', this.lib.contextAlloc(this.uc, out));
      const size = Number(this.lib.contextSize(this.uc));
      this.context = { handle: out[0], bytes: new Uint8Array(koffi.view(out[0], size)) };
    }
    this.check('uc_context_save', this.lib.contextSave(this.uc, this.context.handle));
    return this.context.bytes;
  }
  regRead(reg: number): bigint {
    this.check('uc_reg_read', this.lib.regRead(this.uc, reg, this.scratch));
    return this.scratch.readBigUInt64LE(0);
  }
  regWrite(reg: number, value: bigint): void {
    this.scratch.writeBigUInt64LE(BigInt.asUintN(64, value), 0);
    this.check('uc_reg_write', this.lib.regWrite(this.uc, reg, this.scratch));
  }
  /** Reads a 128-bit register (Qn) as 16 little-endian bytes. */
  regRead128(reg: number): Buffer {
    this.check('uc_reg_read', this.lib.regRead(this.uc, reg, this.scratch));
    return Buffer.from(this.scratch);
  }
  regWrite128(reg: number, bytes: Uint8Array): void {
    this.scratch.set(bytes.subarray(0, 16));
    this.check('uc_reg_write', this.lib.regWrite(this.uc, reg, this.scratch));
  }
  emuStart(begin: bigint, until: bigint): void {
    // A non-zero count costs seconds and memory on this Unicorn (DESIGN.md): never pass one.
    this.check('uc_emu_start', this.lib.emuStart(this.uc, begin, until, 0, 0));
  }
  emuStop(): void {
    this.check('uc_emu_stop', this.lib.emuStop(this.uc));
  }
  /** Makes host-side writes to [start, end) visible to the CPU. */
  removeCache(start: bigint, end: bigint): void {
    this.check('uc_ctl(TB_REMOVE_CACHE)',
      this.lib.ctl(this.uc, NC.UC_CTL_WRITE_TB_REMOVE_CACHE, 'uint64_t', start, 'uint64_t', end));
  }
  hookIntr(fn: IntrHook): void {
    const cb = koffi.register((_uc: unknown, intno: number) => fn(intno), koffi.pointer(this.lib.intrProto));
    this.addHook(NC.UC_HOOK_INTR, cb, 1n, 0n);
  }
  hookMem(types: number, fn: MemHook): void {
    const cb = koffi.register(
      (_uc: unknown, type: number, address: number | bigint, size: number, value: number | bigint) =>
        fn(type, BigInt(address), size, BigInt(value)),
      koffi.pointer(this.lib.memProto));
    this.addHook(types, cb, 1n, 0n);
  }
  private addHook(type: number, cb: unknown, begin: bigint, end: bigint): void {
    this.callbacks.push(cb);
    const out = [0];
    this.check('uc_hook_add', this.lib.hookAdd(this.uc, out, type, cb, null, begin, end));
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.callbacks) koffi.unregister(cb as bigint);
    this.lib.close(this.uc);
  }
}
