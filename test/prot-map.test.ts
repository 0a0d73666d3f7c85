// ProtMap against the simplest model of it, one permission per page: random mmap/mprotect/munmap
// sequences must leave the same permission on every page, with ranges always merged.
import { ProtMap } from '../src/memory/prot-map';

const PAGE = 4096;
const PAGES = 64;

/** A small deterministic generator (xorshift32), so a failure names its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

function check(map: ProtMap, model: (number | undefined)[]): string[] {
  const problems: string[] = [];
  for (let p = 0; p < PAGES; p++) {
    if (map.get(p * PAGE + 123) !== model[p]) problems.push(`page ${p}: ${map.get(p * PAGE + 123)} != ${model[p]}`);
  }
  const pieces: Array<[number, number, number]> = [];
  map.forEach(0, PAGES * PAGE, (s, e, prot) => pieces.push([s, e, prot]));
  for (let i = 1; i < pieces.length; i++) {
    if (pieces[i - 1][1] === pieces[i][0] && pieces[i - 1][2] === pieces[i][2]) problems.push(`unmerged at 0x${pieces[i][0].toString(16)}`);
  }
  if (pieces.length !== map.rangeCount) problems.push(`forEach saw ${pieces.length} of ${map.rangeCount} ranges`);
  return problems;
}

test.each([1, 2, 3, 42, 1234])('random sequences, seed %i', (seed) => {
  const next = rng(seed);
  const map = new ProtMap();
  const model: (number | undefined)[] = new Array(PAGES).fill(undefined);
  for (let step = 0; step < 2000; step++) {
    const a = next() % PAGES;
    const b = a + 1 + (next() % Math.min(8, PAGES - a));
    const prot = next() % 5 === 0 ? undefined : next() % 4;
    map.set(a * PAGE, b * PAGE, prot);
    for (let p = a; p < b; p++) model[p] = prot;
    const problems = check(map, model);
    if (problems.length) throw new Error(`seed ${seed} step ${step} set [${a}, ${b}) ${prot}: ${problems.slice(0, 3).join('; ')}`);
  }
});

test('reach stops at a hole, a page without the needed bits, or a refused bit', () => {
  const map = new ProtMap();
  map.set(0, 3 * PAGE, 3);
  map.set(3 * PAGE, 4 * PAGE, 1);
  map.set(5 * PAGE, 6 * PAGE, 3);
  expect(map.reach(100, 10 * PAGE, 1)).toBe(4 * PAGE - 100);
  expect(map.reach(100, 10 * PAGE, 2)).toBe(3 * PAGE - 100);
  expect(map.reach(0, 2 * PAGE, 2)).toBe(2 * PAGE);
  map.set(PAGE, 2 * PAGE, 3 | 0x100);
  expect(map.reach(0, 3 * PAGE, 1, 0x100)).toBe(PAGE);
  expect(map.reach(4 * PAGE, PAGE, 1)).toBe(0);
});
