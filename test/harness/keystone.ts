// x86-64 assembler for instruction-test snippets (Keystone compiled to WebAssembly).
// Call `await keystoneReady()` once (e.g. in beforeAll); `assemble` is synchronous after that.
import type { Keystone } from 'keystone-wasm';
import { runInThisContext } from 'vm';

type KeystoneModule = typeof import('keystone-wasm');

let assembler: Keystone | undefined;
// Tests assemble the same few snippets for thousands of cases; Keystone takes ~0.15 ms per call.
const assembled = new Map<string, Uint8Array>();
const MAX_CACHED_SNIPPETS = 10000;

/** Loads the Keystone WebAssembly module and opens an x86-64 assembler; safe to call repeatedly. */
export async function keystoneReady(): Promise<void> {
  if (assembler) return;
  // Loaded through Node's own module loader, not Jest's sandbox: the Emscripten loader does a
  // dynamic import() that Jest refuses without --experimental-vm-modules. The sandbox's `process`
  // hands out Jest's `module`, so the real one comes from the main context's `process`.
  const hostProcess = runInThisContext('process') as NodeJS.Process;
  const nodeModule = hostProcess.getBuiltinModule('module');
  const keystone = nodeModule.createRequire(__filename)('keystone-wasm') as KeystoneModule;
  await keystone.loadKeystone();
  // Default syntax on purpose: the explicit Intel option reads `+16` as hex.
  assembler ??= new keystone.Keystone(keystone.Const.KS_ARCH_X86, keystone.Const.KS_MODE_64);
}

/**
 * Assembles Intel-syntax x86-64 code; instructions are separated by `;` or newlines.
 * `address` is where the code will run (it matters for relative jumps and calls).
 */
export function assemble(asm: string, address: bigint = 0n): Uint8Array {
  if (!assembler) throw new Error('assemble() called before keystoneReady() resolved');
  const key = `${address}:${asm}`;
  const cached = assembled.get(key);
  if (cached) return cached.slice();
  let bytes: Uint8Array;
  try {
    // Copied so the bytes are a Uint8Array of the caller's realm (Jest runs tests in a separate one).
    bytes = new Uint8Array(assembler.asm(asm, { address }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot assemble ${JSON.stringify(asm)}: ${message}`);
  }
  // Keystone sometimes gives up silently and returns nothing for text it did not understand.
  if (bytes.length === 0 && asm.replace(/[;\s]/g, '') !== '') {
    throw new Error(`cannot assemble ${JSON.stringify(asm)}: Keystone produced no bytes`);
  }
  if (assembled.size >= MAX_CACHED_SNIPPETS) assembled.clear();
  assembled.set(key, bytes);
  return bytes.slice();
}
