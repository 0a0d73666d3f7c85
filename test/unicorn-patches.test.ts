// The Unicorn patches (native/unicorn-patches.c) on this machine's libunicorn: all three apply, and with
// them a store still lands, a store to a write-protected page still faults and leaves memory as it
// was, code rewritten from the host replaces translated code, and a branch chained across pages to
// rewritten code reaches the new code.
import { Unicorn } from '../src/unicorn/unicorn';
import { unicornPatchStates } from '../src/unicorn/patches';
import { NC } from '../src/util/native-constants';

const CODE = 0x10000n;
const DATA = 0x20000n;
const STR_X2_AT_X0 = 0xf9000002; // str x2, [x0]
const MOVZ_X2_7 = 0xd28000e2;    // mov x2, #7
const MOVZ_X2_9 = 0xd2800122;    // mov x2, #9
/** b #offset */
const B = (offset: number): number => (0x14000000 | ((offset / 4) & 0x3ff_ffff)) >>> 0;

function words(...ws: number[]): Uint8Array {
  return new Uint8Array(Uint32Array.from(ws).buffer);
}

function machine(): { uc: Unicorn; faults: Array<{ type: number; address: bigint }> } {
  const uc = Unicorn.arm64Max();
  uc.memMap(CODE, 0x1000, NC.UC_PROT_ALL);
  uc.memMap(DATA, 0x1000, NC.UC_PROT_READ | NC.UC_PROT_WRITE);
  const faults: Array<{ type: number; address: bigint }> = [];
  uc.hookMem(NC.UC_HOOK_MEM_WRITE_PROT | NC.UC_HOOK_MEM_WRITE_UNMAPPED, (type, address) => {
    faults.push({ type, address });
    return false;
  });
  uc.regWrite(NC.UC_ARM64_REG_X0, DATA);
  return { uc, faults };
}

const word = (uc: Unicorn, at: bigint): bigint => {
  const b = new Uint8Array(8);
  uc.memRead(at, b);
  return new DataView(b.buffer).getBigUint64(0, true);
};

test('all three patches apply to Debian\'s Unicorn 2.0.1', () => {
  const { uc } = machine();
  expect(unicornPatchStates()).toEqual({ stores: 'applied', chaining: 'applied', 'page size': 'applied' });
  uc.close();
});

test('with the page-size patch an AArch64 CPU works in 4 KiB pages: 1 KiB-aligned regions are refused', () => {
  const small = Unicorn.arm64Max();
  expect(() => small.memMap(0x400n, 0x400, NC.UC_PROT_ALL)).not.toThrow();
  small.close();
  const large = Unicorn.arm64Max();
  expect(large.setPageSize4K()).toBe(true);
  expect(() => large.memMap(0x400n, 0x400, NC.UC_PROT_ALL)).toThrow(/UC_ERR_ARG/);
  large.memMap(0x1000n, 0x1000, NC.UC_PROT_ALL);
  large.memWrite(0x1000n, words(MOVZ_X2_7));
  large.emuStart(0x1000n, 0x1004n);
  expect(large.regRead(NC.UC_ARM64_REG_X0 + 2)).toBe(7n);
  large.close();
});

test('stores land, and a store to a write-protected page faults without changing it', () => {
  const { uc, faults } = machine();
  uc.memWrite(CODE, words(MOVZ_X2_7, STR_X2_AT_X0));
  uc.emuStart(CODE, CODE + 8n);
  expect(word(uc, DATA)).toBe(7n);
  uc.memProtect(DATA, 0x1000, NC.UC_PROT_READ);
  uc.memWrite(CODE, words(MOVZ_X2_9, STR_X2_AT_X0));
  uc.removeCache(CODE, CODE + 8n);
  expect(() => uc.emuStart(CODE, CODE + 8n)).toThrow(/UC_ERR_WRITE_PROT/);
  expect(faults).toEqual([{ type: NC.UC_MEM_WRITE_PROT, address: DATA }]);
  expect(word(uc, DATA)).toBe(7n);
  uc.close();
});

test('code rewritten from the host replaces the translation that ran before', () => {
  const { uc } = machine();
  uc.memWrite(CODE, words(MOVZ_X2_7, STR_X2_AT_X0));
  uc.emuStart(CODE, CODE + 8n);
  uc.memWrite(CODE, words(MOVZ_X2_9, STR_X2_AT_X0));
  uc.removeCache(CODE, CODE + 8n);
  uc.emuStart(CODE, CODE + 8n);
  expect(word(uc, DATA)).toBe(9n);
  uc.close();
});

test('branches chained across pages reach rewritten code', () => {
  const { uc } = machine();
  // entry: b loop   loop: subs x1, x1, #1; b.eq out; b body   body (another 1 KiB page): add x3, x3, #N; b loop
  // uc_emu_start translates its first block afresh, so the chained loop block is reused across runs.
  const loop = CODE + 0x100n;
  const out = CODE + 0x400n;
  const body = CODE + 0x800n;
  const SUBS_X1 = 0xf1000421;
  const BEQ_OUT = (0x54000000 | (((0x300 - 4) / 4) << 5)) >>> 0;
  const ADD_X3 = (n: number): number => (0x91000063 | (n << 10)) >>> 0;
  const run = (): bigint => {
    uc.regWrite(NC.UC_ARM64_REG_X0 + 1, 5n);
    uc.regWrite(NC.UC_ARM64_REG_X0 + 3, 0n);
    uc.emuStart(CODE, out);
    return uc.regRead(NC.UC_ARM64_REG_X0 + 3);
  };
  uc.memWrite(CODE, words(B(0x100)));
  uc.memWrite(loop, words(SUBS_X1, BEQ_OUT, B(0x700 - 8)));
  uc.memWrite(body, words(ADD_X3(1), B(-0x704)));
  expect(run()).toBe(4n);
  uc.memWrite(body, words(ADD_X3(2), B(-0x704)));
  uc.removeCache(body, body + 8n);
  expect(run()).toBe(8n);
  uc.close();
});
