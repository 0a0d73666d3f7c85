// What a guest hands a child process (a fork's snapshot, an executed program's start), in a temporary
// file the child reads and deletes: a little-endian u32 JSON length, the JSON, then binary blobs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SavedRegisters } from '../runtime/engine';
import type { HandedFd } from './children';

export interface ForkMapping {
  start: bigint; end: bigint; prot: number; flags: number; name: string; offset: bigint;
  /** The child's host fd for a file mapping's file (handed over at that number), and whether it writes back. */
  file?: { fd: number; writesBack: boolean };
}

export interface ForkImage {
  root: string; cwd: string; umask: number; strace: boolean; traceFd?: number;
  exe: string; argv: string[]; envp: string[]; auxv: Uint8Array;
  fds: HandedFd[];
  blocked: bigint;
  actions: Array<{ signal: number; handler: bigint; flags: bigint; restorer: bigint; mask: bigint }>;
  mappings: ForkMapping[];
  heapStart: bigint; brk: bigint;
  registers: SavedRegisters;
  /** Where the child's clone asked for its tid (CLONE_CHILD_SETTID). */
  childTid?: bigint;
  /** Each mapping's bytes, in mapping order. */
  memory: Uint8Array[];
}

const BIGINT_TAG = 'bigint:';
const BYTES_TAG = 'bytes:';

function encode(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return BIGINT_TAG + value.toString();
  if (value instanceof Uint8Array) return BYTES_TAG + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  // A Buffer has already turned itself into { type: 'Buffer', data } through its toJSON.
  const json = value as { type?: unknown; data?: unknown };
  if (json && json.type === 'Buffer' && Array.isArray(json.data)) return BYTES_TAG + Buffer.from(json.data as number[]).toString('base64');
  return value;
}
function decode(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(BIGINT_TAG)) return BigInt(value.slice(BIGINT_TAG.length));
  if (typeof value === 'string' && value.startsWith(BYTES_TAG)) return new Uint8Array(Buffer.from(value.slice(BYTES_TAG.length), 'base64'));
  return value;
}

/**
 * Writes value (bigints and byte arrays allowed) and the blobs to a new private file; returns its
 * path. A file, not an argument: Linux limits one argument to 128 KiB, less than a guest's argv.
 */
export function writeHandoff(value: object, blobs: Uint8Array[] = []): string {
  const json = Buffer.from(JSON.stringify({ value, sizes: blobs.map((m) => m.length) }, encode));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-child-'));
  const file = path.join(dir, 'image');
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    const header = Buffer.alloc(4);
    header.writeUInt32LE(json.length);
    fs.writeSync(fd, header);
    fs.writeSync(fd, json);
    for (const bytes of blobs) for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** Deletes a hand-off file nobody will read (the child did not start). */
export function dropHandoff(file: string): void {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

/** Reads a hand-off file and deletes it. */
export function readHandoff<T>(file: string): { value: T; blobs: Uint8Array[] } {
  const data = fs.readFileSync(file);
  dropHandoff(file);
  const length = data.readUInt32LE(0);
  const parsed = JSON.parse(data.subarray(4, 4 + length).toString('utf8'), decode) as { value: T; sizes: number[] };
  const blobs: Uint8Array[] = [];
  let at = 4 + length;
  for (const size of parsed.sizes) {
    blobs.push(data.subarray(at, at + size));
    at += size;
  }
  return { value: parsed.value, blobs };
}

export function writeForkImage(image: ForkImage): string {
  const { memory, ...rest } = image;
  return writeHandoff(rest, memory);
}

export function readForkImage(file: string): ForkImage {
  const { value, blobs } = readHandoff<Omit<ForkImage, 'memory'>>(file);
  return { ...value, memory: blobs };
}
