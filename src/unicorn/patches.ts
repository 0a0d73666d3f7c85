// Applies native/unicorn-patches.c (built into dist/native/) to the loaded libunicorn: cheap stores,
// direct chaining across pages, 4 KiB target pages on AArch64. That file says what each changes and why it is safe.
import * as fs from 'fs';
import * as path from 'path';
import koffi from 'koffi';

const LIBRARY = 'libferry-unicorn-patches.so';
/** dist/src/unicorn -> dist/native when built; src/unicorn -> dist/native when run from source (tests). */
const CANDIDATES = [path.join(__dirname, '..', '..', 'native', LIBRARY), path.join(__dirname, '..', '..', 'dist', 'native', LIBRARY)];
/** In the order of native/unicorn-patches.c's table. */
export const PATCH_NAMES = ['stores', 'chaining', 'page size'] as const;
export type PatchName = (typeof PATCH_NAMES)[number];
export type PatchState = 'applied' | 'not this Unicorn build' | 'failed' | 'library not built' | 'turned off';

let states: Record<PatchName, PatchState> | undefined;

/** Runs once, after libunicorn.so.2 is loaded. FERRY_UNICORN_PATCHES=0 leaves Unicorn as it is. */
export function applyUnicornPatches(): Record<PatchName, PatchState> {
  if (states) return states;
  const all = (state: PatchState) => Object.fromEntries(PATCH_NAMES.map((n) => [n, state])) as Record<PatchName, PatchState>;
  if (process.env.FERRY_UNICORN_PATCHES === '0') return (states = all('turned off'));
  const file = CANDIDATES.find((f) => fs.existsSync(f));
  if (!file) return (states = all('library not built'));
  const patch = koffi.load(file).func('int ferry_unicorn_patch(int which)');
  const stateOf = (result: number): PatchState => (result === 1 ? 'applied' : result === 0 ? 'not this Unicorn build' : 'failed');
  states = Object.fromEntries(PATCH_NAMES.map((n, i) => [n, stateOf(patch(i) as number)])) as Record<PatchName, PatchState>;
  return states;
}

export function unicornPatchStates(): Record<PatchName, PatchState> | undefined { return states; }
