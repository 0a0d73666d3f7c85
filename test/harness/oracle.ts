// Runs snippet cases on the real CPU and under Ferry and lists every difference, one entry per
// case; the instruction test files build their cases and share this comparison.
import { X86State } from '../../src/runtime/x86-state';
import { SNIPPET_LAYOUT } from '../../src/runtime/x86-state';
import { runFerry } from './ferry-snippet';
import { assemble } from './keystone';
import { runNative, SnippetCase } from './native-runner';
import { DiffOptions, diffResults } from './state-diff';

/** `count` cases cycling through `asm`, each from a fresh state made by `initial`. */
export function snippetCases(name: string, asm: string[], count: number, initial: () => X86State): SnippetCase[] {
  const out: SnippetCase[] = [];
  for (let k = 0; k < count; k++) {
    const text = asm[k % asm.length];
    out.push({ name: `${name}: ${text} #${k}`, code: assemble(text, SNIPPET_LAYOUT.code), initial: initial() });
  }
  return out;
}

/** Differences between the real CPU and Ferry, as readable text per failing case. */
export function compareWithCpu(list: SnippetCase[], options: DiffOptions = {}): string[] {
  const native = runNative(list);
  const ferry = runFerry(list);
  const failures: string[] = [];
  list.forEach((c, k) => {
    const d = diffResults(native[k], ferry[k], options);
    if (d.length) failures.push(`${c.name}\n    ${d.join('\n    ')}`);
  });
  return failures;
}
