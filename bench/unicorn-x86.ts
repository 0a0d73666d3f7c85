// Minimal koffi binding of libunicorn2 in x86-64 mode for the benchmark's x86-on-Unicorn runner.
// Separate from src/unicorn/unicorn.ts, which is ARM64-only and has no UC_HOOK_INSN support.
import koffi, { type TypeObject } from 'koffi';
import { NC } from '../src/util/native-constants';

type Fn = (...args: unknown[]) => any;

export class UnicornX86 {
  private readonly uc: unknown;
  private readonly scratch = Buffer.alloc(8);
  private readonly callbacks: unknown[] = [];
  private readonly fn: Record<string, Fn>;
  private readonly syscallProto: TypeObject;

  constructor() {
    const so = koffi.load('libunicorn.so.2');
    this.syscallProto = koffi.proto('void uc_cb_insn_syscall(void *uc, void *user)');
    this.fn = {
      open: so.func('int uc_open(int arch, int mode, _Out_ void **uc)'),
      close: so.func('int uc_close(void *uc)'),
      strerror: so.func('const char *uc_strerror(int code)'),
      memMap: so.func('int uc_mem_map(void *uc, uint64_t address, size_t size, uint32_t perms)'),
      memRead: so.func('int uc_mem_read(void *uc, uint64_t address, void *bytes, size_t size)'),
      memWrite: so.func('int uc_mem_write(void *uc, uint64_t address, const void *bytes, size_t size)'),
      regRead: so.func('int uc_reg_read(void *uc, int regid, void *value)'),
      regWrite: so.func('int uc_reg_write(void *uc, int regid, const void *value)'),
      emuStart: so.func('int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)'),
      emuStop: so.func('int uc_emu_stop(void *uc)'),
      hookAdd: so.func('int uc_hook_add(void *uc, _Out_ size_t *hh, int type, void *callback, void *user, uint64_t begin, uint64_t end, ...)'),
    };
    const out: unknown[] = [null];
    this.check('uc_open', this.fn.open(NC.UC_ARCH_X86, NC.UC_MODE_64, out));
    this.uc = out[0];
  }

  private check(call: string, code: number): void {
    if (code !== NC.UC_ERR_OK) throw new Error(`unicorn ${call}: ${this.fn.strerror(code)} (uc_err ${code})`);
  }

  memMap(address: bigint, size: bigint, perms: number): void {
    this.check('uc_mem_map', this.fn.memMap(this.uc, address, Number(size), perms));
  }
  memRead(address: bigint, into: Buffer): void {
    this.check('uc_mem_read', this.fn.memRead(this.uc, address, into, into.length));
  }
  memWrite(address: bigint, bytes: Buffer): void {
    this.check('uc_mem_write', this.fn.memWrite(this.uc, address, bytes, bytes.length));
  }
  regRead(reg: number): bigint {
    this.check('uc_reg_read', this.fn.regRead(this.uc, reg, this.scratch));
    return this.scratch.readBigUInt64LE(0);
  }
  regWrite(reg: number, value: bigint): void {
    this.scratch.writeBigUInt64LE(BigInt.asUintN(64, value), 0);
    this.check('uc_reg_write', this.fn.regWrite(this.uc, reg, this.scratch));
  }
  emuStart(begin: bigint, until: bigint): void {
    // Never a non-zero count: on this Unicorn it costs seconds and memory (DESIGN.md).
    this.check('uc_emu_start', this.fn.emuStart(this.uc, begin, until, 0, 0));
  }
  emuStop(): void {
    this.check('uc_emu_stop', this.fn.emuStop(this.uc));
  }
  /** Calls `handler` at every `syscall` instruction; execution resumes after it. */
  hookSyscall(handler: () => void): void {
    const cb = koffi.register(() => handler(), koffi.pointer(this.syscallProto));
    this.callbacks.push(cb);
    const out = [0];
    this.check('uc_hook_add(INSN)',
      this.fn.hookAdd(this.uc, out, NC.UC_HOOK_INSN, cb, null, 1n, 0n, 'int', NC.UC_X86_INS_SYSCALL));
  }
  close(): void {
    for (const cb of this.callbacks) koffi.unregister(cb as bigint);
    this.fn.close(this.uc);
  }
}
