// getdents64: directory listings (with '.' and '..') packed into the guest's linux_dirent64
// records: d_ino u64, d_off s64 (the cursor after this entry), d_reclen u16, d_type u8, name, NUL, padding to 8.
import * as fs from 'fs';
import { DT, S_IFMT } from './constants';
import { hostCall } from './host-call';
import { DirectoryEntry } from './virtual-file';

const HEADER = 19;

/** The entries of a host directory, '.' and '..' first, with inode numbers and types from lstat. */
export function hostDirectoryEntries(hostPath: string, parentHostPath: string): DirectoryEntry[] {
  const entries: DirectoryEntry[] = [dotEntry('.', hostPath), dotEntry('..', parentHostPath)];
  // Names are UTF-8 strings on both sides (guest bytes that are not UTF-8 do not round-trip).
  for (const name of hostCall(() => fs.readdirSync(hostPath))) {
    const stats = fs.lstatSync(`${hostPath}/${name}`, { bigint: true, throwIfNoEntry: false });
    if (stats) entries.push({ name, ino: stats.ino, type: direntType(Number(stats.mode)) });
  }
  return entries;
}

function dotEntry(name: string, hostPath: string): DirectoryEntry {
  const stats = hostCall(() => fs.statSync(hostPath, { bigint: true }));
  return { name, ino: stats.ino, type: DT.DIR };
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
