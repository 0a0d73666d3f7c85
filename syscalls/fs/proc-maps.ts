// /proc/self/maps text from the guest's address space, in the kernel's format (show_map_vma):
// "start-end perms offset major:minor inode", padded to column 73 before the name.
import * as fs from 'fs';
import { MAP_SHARED } from '../../src/memory/address-space';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory/guest-memory';
import type { ProcView } from './proc';

/** The kernel pads the fixed fields to 25 + 6 * sizeof(void *) - 1 columns. */
const NAME_COLUMN = 25 + 6 * 8 - 1;

export function formatMaps(view: ProcView): string {
  let out = '';
  for (const vma of view.ctx.space.vmas()) {
    const perms = (vma.prot & PROT_READ ? 'r' : '-') + (vma.prot & PROT_WRITE ? 'w' : '-') +
      (vma.prot & PROT_EXEC ? 'x' : '-') + (vma.flags & MAP_SHARED ? 's' : 'p');
    const { major, minor, ino } = fileIdentity(view, vma.name);
    let line = `${hex(vma.start, 8)}-${hex(vma.end, 8)} ${perms} ${hex(vma.offset, 8)} ` +
      `${hex(BigInt(major), 2)}:${hex(BigInt(minor), 2)} ${ino} `;
    // seq_pad: spaces up to the column, then one more before the name.
    if (vma.name) line = line.padEnd(NAME_COLUMN, ' ') + ' ' + vma.name;
    out += line + '\n';
  }
  return out;
}

function hex(value: bigint, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/** A file mapping shows its file's device and inode; the guest path is looked up inside the root. */
function fileIdentity(view: ProcView, name: string): { major: number; minor: number; ino: bigint } {
  if (!name.startsWith('/')) return { major: 0, minor: 0, ino: 0n };
  let stats: fs.BigIntStats | undefined;
  try {
    const target = view.fs.resolve(view, '/', name, { followLast: true });
    if (target.kind === 'host') stats = target.stats;
  } catch {
    stats = undefined;
  }
  if (!stats) return { major: 0, minor: 0, ino: 0n };
  const dev = stats.dev;
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor, ino: stats.ino };
}
