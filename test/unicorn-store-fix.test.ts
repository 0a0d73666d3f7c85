// The Unicorn store fix (native/unicorn-store-fix.c) on this machine's libunicorn: it applies, and
// with it a store still lands, a store to a write-protected page still faults and leaves memory as it
// was, and code written from the host still replaces translated code.
import { Unicorn } from '../src/unicorn/unicorn';
import { storeFixState } from '../src/unicorn/store-fix';
import { NC } from '../src/util/native-constants';

const CODE = 0x10000n;
const DATA = 0x20000n;
const STR_X2_AT_X0 = 0xf9000002; // str x2, [x0]
const MOVZ_X2_7 = 0xd28000e2;    // mov x2, #7
const MOVZ_X2_9 = 0xd2800122;    // mov x2, #9

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

test('the fix applies to Debian\'s Unicorn 2.0.1', () => {
  const { uc } = machine();
  expect(storeFixState()).toBe('applied');
  uc.close();
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
