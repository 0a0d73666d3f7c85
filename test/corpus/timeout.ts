// Imported by test/corpus.test.ts before test/harness/run-compare.ts, whose per-run timeout is read
// from FERRY_TEST_TIMEOUT_MS when that module loads: real programs get 60 s under Ferry unless the
// caller chose otherwise.
process.env.FERRY_TEST_TIMEOUT_MS ??= '60000';
export const CORPUS_RUN_TIMEOUT_MS = Number(process.env.FERRY_TEST_TIMEOUT_MS);
