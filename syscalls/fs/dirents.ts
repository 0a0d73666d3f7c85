// getdents64: directory listings (with '.' and '..') packed into the guest's linux_dirent64
// records: d_ino u64, d_off s64 (the cursor after this entry), d_reclen u16, d_type u8, name, NUL, padding to 8.
import * as fs from 'fs';
import { DT, S_IFMT } from './constants';
import { hostCall } from './host-call';
import { DirectoryEntry } from './virtual-file';
import { hostGetdents64 } from './libc';

const HEADER = 19;

/**
 * The entries of a host directory in the order and with the inode numbers and types the host's
 * getdents64 gives ('.' and '..' included), so a guest lists directories exactly as natively.
 */
export function hostDirectoryEntries(hostPath: string): DirectoryEntry[] {
  const fd = hostCall(() => fs.openSync(hostPath, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY));
  const entries: DirectoryEntry[] = [];
  const buf = new Uint8Array(32768);
  const view = new DataView(buf.buffer);
  try {
    for (let n = hostGetdents64(fd, buf); n > 0; n = hostGetdents64(fd, buf)) {
      for (let at = 0; at < n;) {
        const reclen = view.getUint16(at + 16, true);
        const end = buf.indexOf(0, at + HEADER);
        // Names are UTF-8 strings on both sides (guest bytes that are not UTF-8 do not round-trip).
        const name = Buffer.from(buf.subarray(at + HEADER, end)).toString('utf8');
        entries.push({ name, ino: view.getBigUint64(at, true), type: buf[at + 18] });
        at += reclen;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return entries;
}

export function direntType(mode: number): number {
  return (mode & S_IFMT) >> 12;
}

/**
 * Packs entries from index start while they fit in capacity bytes; returns the bytes and the
 * index after the last entry packed. The kernel returns EINVAL when not even one fits.
 */
export function packDirents(entries: readonly DirectoryEntry[], start: number, capacity: number): { bytes: Uint8Array; next: number } {
  const chunks: Uint8Array[] = [];
  let used = 0;
  let index = start;
  for (; index < entries.length; index++) {
    const entry = entries[index];
    const name = Buffer.from(entry.name, 'utf8');
    const reclen = (HEADER + name.length + 1 + 7) & ~7;
    if (used + reclen > capacity) break;
    const record = new Uint8Array(reclen);
    const view = new DataView(record.buffer);
    view.setBigUint64(0, entry.ino, true);
    view.setBigInt64(8, BigInt(index + 1), true);
    view.setUint16(16, reclen, true);
    record[18] = entry.type;
    record.set(name, HEADER);
    chunks.push(record);
    used += reclen;
  }
  return { bytes: Buffer.concat(chunks), next: index };
}
