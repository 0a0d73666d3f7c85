// The process's initial stack (argc, argv, envp, auxv and the strings they point at), laid out
// byte for byte as the kernel's create_elf_tables does for x86-64 without randomization or vDSO.
import { GuestFault, GuestMemory, PAGE_SIZE, PROT_READ, PROT_WRITE } from '../memory/guest-memory';
import {
  AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_EXECFN, AT_FLAGS, AT_GID, AT_HWCAP, AT_HWCAP2, AT_NULL, AT_PAGESZ,
  AT_PHDR, AT_PHENT, AT_PHNUM, AT_PLATFORM, AT_RANDOM, AT_SECURE, AT_UID,
} from './auxv';
import { LoaderError } from './loader-error';
import { MappingRecorder } from './mapping-recorder';

/** STACK_TOP on x86-64 with randomization off: the top of the user address space. */
export const DEFAULT_STACK_TOP = 0x7fff_ffff_f000n;
/** The usual RLIMIT_STACK. */
export const DEFAULT_STACK_SIZE = 8 * 1024 * 1024;
/** ELF_PLATFORM on x86-64: what AT_PLATFORM points at. */
export const PLATFORM = 'x86_64';
export const AT_RANDOM_SIZE = 16;

export interface AuxvValues {
  phdr: bigint;
  phent: number;
  phnum: number;
  /** The interpreter's load address: 0 for a static program. */
  base: bigint;
  entry: bigint;
  hwcap: bigint;
  /** Defaults to 0: Ferry advertises no ring-3 MWAIT or FSGSBASE. */
  hwcap2?: bigint;
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  secure: boolean;
  clktck: number;
}

export interface InitialStackOptions {
  stackTop: bigint;
  argv: string[];
  envp: string[];
  /** The path the program was executed by (AT_EXECFN). */
  execfn: string;
  auxv: AuxvValues;
  /** Supplies the AT_RANDOM bytes (16 are taken). */
  random: () => Uint8Array;
}

export interface InitialStack {
  /** Points at argc; 16-byte aligned. */
  rsp: bigint;
  /** The argument and environment strings, as the kernel records them for /proc/self/cmdline and environ. */
  argStart: bigint;
  argEnd: bigint;
  envStart: bigint;
  envEnd: bigint;
  /** The auxiliary vector as written (for /proc/self/auxv). */
  auxv: Uint8Array;
}

const WORD = 8n;

export function mapStack(mem: GuestMemory, top: bigint = DEFAULT_STACK_TOP, size: number = DEFAULT_STACK_SIZE,
  recorder?: MappingRecorder): { bottom: bigint; top: bigint } {
  if (top % BigInt(PAGE_SIZE) !== 0n || size <= 0 || size % PAGE_SIZE !== 0) {
    throw new RangeError(`mapStack: top 0x${top.toString(16)} and size ${size} must be page-aligned`);
  }
  const bottom = top - BigInt(size);
  mem.map(bottom, size, PROT_READ | PROT_WRITE);
  recorder?.reserve(bottom, size, PROT_READ | PROT_WRITE, '[stack]');
  return { bottom, top };
}

export function buildInitialStack(mem: GuestMemory, opts: InitialStackOptions): InitialStack {
  const fail = (problem: string): never => {
    throw new LoaderError(opts.execfn, problem);
  };
  for (const s of [...opts.argv, ...opts.envp, opts.execfn]) {
    if (s.includes('\0')) fail('argument or environment string contains a NUL byte');
  }
  const random = opts.random();
  if (random.length < AT_RANDOM_SIZE) fail(`random source gave ${random.length} bytes, AT_RANDOM needs ${AT_RANDOM_SIZE}`);

  // Strings go below the pointer-sized hole the kernel leaves at the very top: execfn highest, then
  // the environment, then the arguments, each list in ascending order.
  const placed: { address: bigint; bytes: Uint8Array }[] = [];
  let p = opts.stackTop - WORD;
  const push = (bytes: Uint8Array): bigint => {
    p -= BigInt(bytes.length);
    placed.push({ address: p, bytes });
    return p;
  };
  const pushString = (s: string) => push(Buffer.from(`${s}\0`, 'utf8'));
  const execfnAddress = pushString(opts.execfn);
  const envEnd = p;
  const envAddresses = [...opts.envp].reverse().map(pushString).reverse();
  const argEnd = p;
  const argAddresses = [...opts.argv].reverse().map(pushString).reverse();
  const argStart = p;
  p &= ~15n;
  const platformAddress = pushString(PLATFORM);
  const randomAddress = push(random.subarray(0, AT_RANDOM_SIZE));

  const aux = opts.auxv;
  const auxv: [number, bigint][] = [
    [AT_HWCAP, aux.hwcap],
    [AT_PAGESZ, BigInt(PAGE_SIZE)],
    [AT_CLKTCK, BigInt(aux.clktck)],
    [AT_PHDR, aux.phdr],
    [AT_PHENT, BigInt(aux.phent)],
    [AT_PHNUM, BigInt(aux.phnum)],
    [AT_BASE, aux.base],
    [AT_FLAGS, 0n],
    [AT_ENTRY, aux.entry],
    [AT_UID, BigInt(aux.uid)],
    [AT_EUID, BigInt(aux.euid)],
    [AT_GID, BigInt(aux.gid)],
    [AT_EGID, BigInt(aux.egid)],
    [AT_SECURE, aux.secure ? 1n : 0n],
    [AT_RANDOM, randomAddress],
    [AT_HWCAP2, aux.hwcap2 ?? 0n],
    [AT_EXECFN, execfnAddress],
    [AT_PLATFORM, platformAddress],
    [AT_NULL, 0n],
  ];
  const words = [
    BigInt(opts.argv.length), ...argAddresses, 0n, ...envAddresses, 0n,
    ...auxv.flatMap(([type, value]) => [BigInt(type), value]),
  ];
  // STACK_ROUND: the whole table is placed so that argc lands on a 16-byte boundary.
  const rsp = (p - BigInt(words.length) * WORD) & ~15n;

  const image = new Uint8Array(Number(opts.stackTop - rsp));
  const imageView = new DataView(image.buffer);
  words.forEach((word, i) => imageView.setBigUint64(i * 8, BigInt.asUintN(64, word), true));
  for (const { address, bytes } of placed) image.set(bytes, Number(address - rsp));
  try {
    mem.write(rsp, image);
  } catch (err) {
    if (err instanceof GuestFault) fail(`arguments and environment (${image.length} bytes) do not fit on the stack`);
    throw err;
  }
  const auxvBytes = new Uint8Array(auxv.length * 16);
  const auxvView = new DataView(auxvBytes.buffer);
  auxv.forEach(([type, value], i) => {
    auxvView.setBigUint64(i * 16, BigInt(type), true);
    auxvView.setBigUint64(i * 16 + 8, BigInt.asUintN(64, value), true);
  });
  return { rsp, argStart, argEnd, envStart: argEnd, envEnd, auxv: auxvBytes };
}
