// The guest's struct stat (x86-64, 144 bytes) and struct statx (256 bytes), encoded from StatInfo
// field by field at the kernel's offsets (arch/x86/include/uapi/asm/stat.h, include/uapi/linux/stat.h).
import { StatInfo } from '../fd-table';

export const STAT_SIZE = 144;
export const STATX_SIZE = 256;

/** statx mask bits Ferry fills: STATX_BASIC_STATS (0x7ff) and STATX_BTIME. */
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_BTIME = 0x800;

export function encodeStat(info: StatInfo): Uint8Array {
  const bytes = new Uint8Array(STAT_SIZE);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, info.dev, true);
  view.setBigUint64(8, info.ino, true);
  view.setBigUint64(16, info.nlink, true);
  view.setUint32(24, info.mode, true);
  view.setUint32(28, info.uid, true);
  view.setUint32(32, info.gid, true);
  // 36: __pad0
  view.setBigUint64(40, info.rdev, true);
  view.setBigInt64(48, info.size, true);
  view.setBigInt64(56, info.blksize, true);
  view.setBigInt64(64, info.blocks, true);
  setTimespec(view, 72, info.atimeNs);
  setTimespec(view, 88, info.mtimeNs);
  setTimespec(view, 104, info.ctimeNs);
  return bytes;
}

function setTimespec(view: DataView, offset: number, ns: bigint): void {
  view.setBigInt64(offset, ns / 1_000_000_000n, true);
  view.setBigInt64(offset + 8, ns % 1_000_000_000n, true);
}

/** statx_timestamp: tv_sec (s64), tv_nsec (u32), 4 bytes reserved. */
function setStatxTime(view: DataView, offset: number, ns: bigint): void {
  view.setBigInt64(offset, ns / 1_000_000_000n, true);
  view.setUint32(offset + 8, Number(ns % 1_000_000_000n), true);
}

/** Linux's dev_t encoding: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31. */
export function devMajor(dev: bigint): number {
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
}
export function devMinor(dev: bigint): number {
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
}

export function encodeStatx(info: StatInfo): Uint8Array {
  const bytes = new Uint8Array(STATX_SIZE);
  const view = new DataView(bytes.buffer);
  const hasBirth = info.birthtimeNs > 0n;
  view.setUint32(0, STATX_BASIC_STATS | (hasBirth ? STATX_BTIME : 0), true); // stx_mask
  view.setUint32(4, Number(info.blksize), true);
  view.setBigUint64(8, 0n, true); // stx_attributes
  view.setUint32(16, Number(info.nlink), true);
  view.setUint32(20, info.uid, true);
  view.setUint32(24, info.gid, true);
  view.setUint16(28, info.mode, true);
  view.setBigUint64(32, info.ino, true);
  view.setBigUint64(40, info.size, true);
  view.setBigUint64(48, info.blocks, true);
  view.setBigUint64(56, 0n, true); // stx_attributes_mask
  setStatxTime(view, 64, info.atimeNs);
  if (hasBirth) setStatxTime(view, 80, info.birthtimeNs);
  setStatxTime(view, 96, info.ctimeNs);
  setStatxTime(view, 112, info.mtimeNs);
  view.setUint32(128, devMajor(info.rdev), true);
  view.setUint32(132, devMinor(info.rdev), true);
  view.setUint32(136, devMajor(info.dev), true);
  view.setUint32(140, devMinor(info.dev), true);
  return bytes;
}
