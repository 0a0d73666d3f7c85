// The error a program Ferry cannot load becomes: one line, "<file>: <problem>", printed as it
// is by the CLI (malformed files are ElfError from src/elf instead).

export class LoaderError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`.replace(/[\r\n]+/g, ' '));
    this.name = 'LoaderError';
  }
}
