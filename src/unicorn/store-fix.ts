// Loads native/unicorn-store-fix.c (built into dist/native/) ahead of libunicorn so its definitions
// win: guest stores to pages without translated code then skip Unicorn 2.0.1's per-store code walk.
import * as fs from 'fs';
import * as path from 'path';
import koffi from 'koffi';

const LIBRARY = 'libferry-unicorn-fix.so';
/** dist/src/unicorn -> dist/native when built; src/unicorn -> dist/native when run from source (tests). */
const CANDIDATES = [path.join(__dirname, '..', '..', 'native', LIBRARY), path.join(__dirname, '..', '..', 'dist', 'native', LIBRARY)];

export interface StoreFix {
  /** The fix applies to the loaded Unicorn (2.0.x). */
  active(): boolean;
  /** Guest stores that skipped Unicorn's code check so far. */
  skipped(): bigint;
}

let fix: StoreFix | undefined;

/** Must run before libunicorn.so.2 is loaded. FERRY_UNICORN_STORE_FIX=0 leaves Unicorn as it is. */
export function loadStoreFix(): StoreFix | undefined {
  if (fix || process.env.FERRY_UNICORN_STORE_FIX === '0') return fix;
  const file = CANDIDATES.find((f) => fs.existsSync(f));
  if (!file) return undefined;
  const so = koffi.load(file, { global: true });
  const active = so.func('int ferry_store_fix_active(void)');
  const skipped = so.func('uint64_t ferry_store_fix_skipped(void)');
  fix = { active: () => active() === 1, skipped: () => BigInt(skipped()) };
  return fix;
}

export function storeFix(): StoreFix | undefined { return fix; }
