// The error every malformed or unsupported ELF input becomes: one line, "<file>: <problem>",
// so the CLI can print it as it is.

export class ElfError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`.replace(/[\r\n]+/g, ' '));
    this.name = 'ElfError';
  }
}
