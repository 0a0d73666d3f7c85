// The corpus's time limits, in one place for test/corpus.test.ts and the README check. Imported before
// test/harness/run-compare.ts, whose per-run timeout is read from FERRY_TEST_TIMEOUT_MS when it loads.
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;
process.env.FERRY_TEST_TIMEOUT_MS ??= String(DEFAULT_RUN_TIMEOUT_MS);
export const CORPUS_RUN_TIMEOUT_MS = Number(process.env.FERRY_TEST_TIMEOUT_MS);

/** Fail fast: after this many Ferry timeouts, or this much time spent in Ferry runs, the rest are not run. */
export const MAX_FERRY_TIMEOUTS = 2;
// A safety stop well inside CI's 90 minutes; a full run takes about 5 minutes on this machine.
export const DEFAULT_FERRY_BUDGET_MS = 1_500_000;
export const FERRY_BUDGET_MS = Number(process.env.FERRY_CORPUS_BUDGET_MS ?? DEFAULT_FERRY_BUDGET_MS);
