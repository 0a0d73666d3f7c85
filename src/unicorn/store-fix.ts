// Applies native/unicorn-store-fix.c (built into dist/native/) to the loaded libunicorn: stores from
// translated code then skip Unicorn 2.0.1's per-store helper. See that file for why it is safe.
import * as fs from 'fs';
import * as path from 'path';
import koffi from 'koffi';

const LIBRARY = 'libferry-unicorn-fix.so';
/** dist/src/unicorn -> dist/native when built; src/unicorn -> dist/native when run from source (tests). */
const CANDIDATES = [path.join(__dirname, '..', '..', 'native', LIBRARY), path.join(__dirname, '..', '..', 'dist', 'native', LIBRARY)];

export type StoreFixState = 'applied' | 'not this Unicorn build' | 'failed' | 'library not built' | 'turned off';
let state: StoreFixState | undefined;

/** Runs once, after libunicorn.so.2 is loaded. FERRY_UNICORN_STORE_FIX=0 leaves Unicorn as it is. */
export function applyStoreFix(): StoreFixState {
  if (state) return state;
  if (process.env.FERRY_UNICORN_STORE_FIX === '0') return (state = 'turned off');
  const file = CANDIDATES.find((f) => fs.existsSync(f));
  if (!file) return (state = 'library not built');
  const result = koffi.load(file).func('int ferry_unicorn_store_fix(void)')() as number;
  state = result === 1 ? 'applied' : result === 0 ? 'not this Unicorn build' : 'failed';
  return state;
}

export function storeFixState(): StoreFixState | undefined { return state; }
