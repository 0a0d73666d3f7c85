// Parses `ferry run [OPTIONS] PROGRAM [ARGS...]`: options stop at PROGRAM, everything after it
// belongs to the guest. Usage errors throw UsageError with a one-line message.

export class UsageError extends Error {}

export interface RunOptions {
  program: string;
  args: string[];
  strace: boolean;
  straceFile?: string;
  stats: boolean;
  dumpIr: boolean;
  /** The host directory the guest sees as '/'. */
  root: string;
}

export const USAGE = `usage: ferry run [--strace] [--strace-file FILE] [--stats] [--dump-ir] [--root DIR] PROGRAM [ARGS...]`;

export function parseArgs(argv: string[]): { command: 'run'; options: RunOptions } | { command: 'help' | 'version' } {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') return { command: 'help' };
  if (argv[0] === '--version') return { command: 'version' };
  if (argv[0] !== 'run') throw new UsageError(`unknown command '${argv[0]}' (try 'ferry run PROGRAM')`);
  const options: RunOptions = { program: '', args: [], strace: false, stats: false, dumpIr: false, root: '/' };
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') break;
    if (a === '--') { i++; break; }
    if (a === '--strace') options.strace = true;
    else if (a === '--stats') options.stats = true;
    else if (a === '--dump-ir') options.dumpIr = true;
    else if (a === '--root') {
      if (i + 1 >= argv.length) throw new UsageError('--root needs a directory');
      options.root = argv[++i];
    } else if (a === '--strace-file') {
      if (i + 1 >= argv.length) throw new UsageError('--strace-file needs a file name');
      options.strace = true;
      options.straceFile = argv[++i];
    } else throw new UsageError(`unknown option '${a}'`);
  }
  if (i >= argv.length) throw new UsageError('no program given');
  options.program = argv[i];
  options.args = argv.slice(i + 1);
  return { command: 'run', options };
}
