// The snapshot a forked guest hands its child process, in a temporary file the child reads and
// deletes: a little-endian u32 JSON length, the JSON (bigints as decimal strings), then memory bytes.
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

/** Writes the image to a new private file and returns its path. */
export function writeForkImage(image: ForkImage): string {
  const { memory, ...rest } = image;
  const json = Buffer.from(JSON.stringify({ ...rest, sizes: memory.map((m) => m.length) }, encode));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-fork-'));
  const file = path.join(dir, 'image');
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    const header = Buffer.alloc(4);
    header.writeUInt32LE(json.length);
    fs.writeSync(fd, header);
    fs.writeSync(fd, json);
    for (const bytes of memory) for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** Reads the image and deletes its file. */
export function readForkImage(file: string): ForkImage {
  const data = fs.readFileSync(file);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  const length = data.readUInt32LE(0);
  const parsed = JSON.parse(data.subarray(4, 4 + length).toString('utf8'), decode) as Omit<ForkImage, 'memory'> & { sizes: number[] };
  const memory: Uint8Array[] = [];
  let at = 4 + length;
  for (const size of parsed.sizes) {
    memory.push(data.subarray(at, at + size));
    at += size;
  }
  return { ...parsed, memory };
}
