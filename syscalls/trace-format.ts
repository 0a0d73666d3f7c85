// How --strace prints arguments and results, in the style of qemu-user -strace: each argument
// kind a syscall table entry names has one formatter here.
import { MAP_FLAGS, MAP_TYPE, MREMAP_FLAGS, PROT_GROWSDOWN, PROT_GROWSUP, PROT_SEM } from '../src/memory/address-space';
import { GuestFault, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE } from '../src/memory/guest-memory';
import { SyscallArgs, SyscallContext } from './context';
import { errnoMessage } from './errno';
import { AT_FDCWD, O_ACCMODE, O_FLAGS } from './fs/constants';
import { readGuestCString, readGuestPrefix } from './guest-access';
import { int32, int64, isErrorResult, uint32 } from './values';

/** Named bits of a flags argument, decoded the way qemu's print_flags does. */
export type FlagNames = readonly (readonly [name: string, value: number])[];

export type ArgKind =
  | 'int' // C int, signed decimal
  | 'uint' // C unsigned int, decimal
  | 'long' // signed 64-bit decimal (offsets)
  | 'size' // size_t, printed as qemu does (signed 64-bit)
  | 'hex'
  | 'fd'
  | 'ptr' // an address: NULL or 0x...
  | 'string' // a guest C string, quoted
  | 'mmapFlags' // mmap's flags: the mapping type by value, then the other bits by name
  | 'openFlags' // open's flags: the access mode by value, then the other bits by name
  | 'dirfd' // an *at call's directory fd: AT_FDCWD by name
  | 'octal' // a file mode, as %#o
  | { readonly buffer: number } // guest bytes whose length is argument N (0-based), quoted
  | { readonly flags: FlagNames } // bits decoded by name
  | { readonly values: FlagNames }; // one value named from a list (e.g. an operation code)

/** int: signed decimal or errno; addr: 0x%016x or errno; noreturn: the call line ends at the call. */
export type ReturnKind = 'int' | 'addr' | 'noreturn';

/** qemu prints at most this many bytes of a buffer. */
export const MAX_PRINT_BUF = 40;
/** Strings are read up to PATH_MAX bytes. */
export const MAX_PRINT_STRING = 4096;

export const PROT_NAMES: FlagNames = [
  ['PROT_NONE', PROT_NONE], ['PROT_READ', PROT_READ], ['PROT_WRITE', PROT_WRITE], ['PROT_EXEC', PROT_EXEC],
  ['PROT_SEM', PROT_SEM], ['PROT_GROWSDOWN', PROT_GROWSDOWN], ['PROT_GROWSUP', PROT_GROWSUP],
];
/** The mapping type is a value, not a bit: MAP_SHARED_VALIDATE is MAP_SHARED|MAP_PRIVATE. */
const MAP_TYPE_NAMES = ['MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE'] as const;
export const MAP_FLAG_NAMES: FlagNames = Object.entries(MAP_FLAGS).filter(([name]) => !(MAP_TYPE_NAMES as readonly string[]).includes(name));
export const MREMAP_FLAG_NAMES: FlagNames = Object.entries(MREMAP_FLAGS);

export function formatArg(ctx: SyscallContext, kind: ArgKind, value: bigint, args: SyscallArgs): string {
  if (typeof kind === 'object') {
    if ('buffer' in kind) return formatBuffer(ctx, value, args[kind.buffer]);
    if ('values' in kind) {
      const named = kind.values.find(([, v]) => BigInt(v) === value);
      return named ? named[0] : String(int32(value));
    }
    return formatFlags(kind.flags, uint32(value));
  }
  switch (kind) {
    case 'int':
    case 'fd':
      return String(int32(value));
    case 'uint':
      return String(uint32(value));
    case 'long':
    case 'size':
      return String(int64(value));
    case 'hex':
      return hex(value);
    case 'ptr':
      return formatPointer(value);
    case 'string':
      return formatString(ctx, value);
    case 'mmapFlags':
      return formatMmapFlags(uint32(value));
    case 'openFlags':
      return formatOpenFlags(uint32(value));
    case 'dirfd':
      return int32(value) === AT_FDCWD ? 'AT_FDCWD' : String(int32(value));
    case 'octal':
      return uint32(value) === 0 ? '0' : '0' + uint32(value).toString(8);
  }
}

export function formatReturn(kind: ReturnKind, raw: bigint): string {
  if (isErrorResult(raw)) {
    const errno = Number(-int64(raw));
    const message = errnoMessage(errno);
    return `-1 errno=${errno}` + (message ? ` (${message})` : '');
  }
  if (kind === 'addr') return '0x' + BigInt.asUintN(64, raw).toString(16).padStart(16, '0');
  return String(int64(raw));
}

/** qemu's print_flags: known bits by name joined with '|', leftover bits in hex. */
export function formatFlags(names: FlagNames, flags: number): string {
  const zeroName = names.find(([, value]) => value === 0);
  if (flags === 0 && zeroName) return zeroName[0];
  const parts: string[] = [];
  let rest = flags;
  for (const [name, value] of names) {
    if (value !== 0 && (rest & value) === value) {
      parts.push(name);
      rest &= ~value;
    }
  }
  if (parts.length === 0) return hex(BigInt(flags));
  if (rest !== 0) parts.push(hex(BigInt(rest >>> 0)));
  return parts.join('|');
}

function formatMmapFlags(flags: number): string {
  const type = flags & MAP_TYPE;
  const typeName = MAP_TYPE_NAMES.find((name) => MAP_FLAGS[name] === type);
  const rest = flags & ~MAP_TYPE;
  const restText = rest === 0 ? '' : formatFlags(MAP_FLAG_NAMES, rest);
  if (!typeName) return hex(BigInt(flags >>> 0));
  return restText ? `${typeName}|${restText}` : typeName;
}

const ACCESS_MODE_NAMES = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'];
/** Bits other than the access mode; O_SYNC and O_TMPFILE include another bit, so they come first. */
export const OPEN_FLAG_NAMES: FlagNames = Object.entries(O_FLAGS)
  .filter(([name]) => name !== 'O_WRONLY' && name !== 'O_RDWR')
  .sort(([, a], [, b]) => bitCount(b) - bitCount(a));

function bitCount(value: number): number {
  return value.toString(2).replace(/0/g, '').length;
}

function formatOpenFlags(flags: number): string {
  const mode = ACCESS_MODE_NAMES[flags & O_ACCMODE] ?? String(flags & O_ACCMODE);
  const rest = flags & ~O_ACCMODE;
  return rest === 0 ? mode : `${mode}|${formatFlags(OPEN_FLAG_NAMES, rest)}`;
}

function formatPointer(value: bigint): string {
  return value === 0n ? 'NULL' : hex(value);
}

function hex(value: bigint): string {
  return value === 0n ? '0' : '0x' + BigInt.asUintN(64, value).toString(16);
}

function formatString(ctx: SyscallContext, addr: bigint): string {
  try {
    const { bytes, truncated } = readGuestCString(ctx, addr, MAX_PRINT_STRING);
    return quote(bytes) + (truncated ? '...' : '');
  } catch (error) {
    if (error instanceof GuestFault) return formatPointer(addr);
    throw error;
  }
}

/** qemu's print_buf: the first 40 bytes quoted, '...' after the quote when there are more. */
function formatBuffer(ctx: SyscallContext, addr: bigint, lengthArg: bigint): string {
  const length = int64(lengthArg);
  const shown = length < BigInt(MAX_PRINT_BUF) ? Number(length < 0n ? 0n : length) : MAX_PRINT_BUF;
  const bytes = readGuestPrefix(ctx, addr, shown);
  if (bytes.length < shown) return formatPointer(addr);
  return quote(bytes) + (BigInt(shown) !== length ? '...' : '');
}

/** Printable ASCII as is, other bytes as C octal escapes, as qemu prints them. */
function quote(bytes: Uint8Array): string {
  let text = '"';
  for (const byte of bytes) text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '\\' + byte.toString(8);
  return text + '"';
}
