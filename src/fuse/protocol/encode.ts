import type { Attr, StatFs } from '../../vfs/types.js';
import { writeU64 } from './decode.js';
import {
  ATTR_OUT_SIZE,
  AttrOff,
  DIRENT_BASE_SIZE,
  ENTRY_OUT_SIZE,
  OPEN_OUT_SIZE,
  OutHeader,
  STATFS_OUT_SIZE,
} from './layout.js';

const NS = 1_000_000_000n;

/** Seconds and nanoseconds of a nanosecond timestamp, floor-divided so pre-1970 times work. */
function writeTime(buf: Buffer, secOff: number, nsecOff: number, ns: bigint): void {
  let sec = ns / NS;
  let nsec = ns - sec * NS;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += NS;
  }
  buf.writeBigInt64LE(sec, secOff);
  buf.writeUInt32LE(Number(nsec), nsecOff);
}

export function encodeAttr(buf: Buffer, off: number, a: Attr): void {
  buf.writeBigUInt64LE(BigInt.asUintN(64, a.ino), off + AttrOff.ino);
  writeU64(buf, off + AttrOff.size, a.size);
  writeU64(buf, off + AttrOff.blocks, a.blocks);
  writeTime(buf, off + AttrOff.atime, off + AttrOff.atimensec, a.atimeNs);
  writeTime(buf, off + AttrOff.mtime, off + AttrOff.mtimensec, a.mtimeNs);
  writeTime(buf, off + AttrOff.ctime, off + AttrOff.ctimensec, a.ctimeNs);
  buf.writeUInt32LE(a.mode >>> 0, off + AttrOff.mode);
  buf.writeUInt32LE(a.nlink >>> 0, off + AttrOff.nlink);
  buf.writeUInt32LE(a.uid >>> 0, off + AttrOff.uid);
  buf.writeUInt32LE(a.gid >>> 0, off + AttrOff.gid);
  buf.writeUInt32LE(a.rdev >>> 0, off + AttrOff.rdev);
  buf.writeUInt32LE(a.blksize >>> 0, off + AttrOff.blksize);
  buf.writeUInt32LE(0, off + AttrOff.flags);
}

/** A validity in seconds as (u64 seconds, u32 nanoseconds). */
function writeValid(buf: Buffer, secOff: number, nsecOff: number, seconds: number): void {
  const whole = Math.floor(seconds);
  writeU64(buf, secOff, whole);
  buf.writeUInt32LE(Math.round((seconds - whole) * 1e9), nsecOff);
}

export interface EntryTimes {
  entryTimeout: number;
  attrTimeout: number;
}

export function encodeEntryOut(
  buf: Buffer,
  off: number,
  nodeid: number,
  attr: Attr,
  t: EntryTimes,
): number {
  writeU64(buf, off, nodeid);
  writeU64(buf, off + 8, 0); // generation: node IDs are never reused within a mount
  writeValid(buf, off + 16, off + 32, t.entryTimeout);
  writeValid(buf, off + 24, off + 36, t.attrTimeout);
  encodeAttr(buf, off + 40, attr);
  return ENTRY_OUT_SIZE;
}

/**
 * A negative entry: node ID 0 with an entry timeout, which the kernel takes as ENOENT and keeps
 * as a negative dentry for that long (fuse_lookup_name); the rest of the entry is not read.
 */
export function encodeMissOut(buf: Buffer, off: number, entryTimeout: number): number {
  buf.fill(0, off, off + ENTRY_OUT_SIZE);
  writeValid(buf, off + 16, off + 32, entryTimeout);
  return ENTRY_OUT_SIZE;
}

export function encodeAttrOut(buf: Buffer, off: number, attr: Attr, attrTimeout: number): number {
  writeValid(buf, off, off + 8, attrTimeout);
  buf.writeUInt32LE(0, off + 12);
  encodeAttr(buf, off + 16, attr);
  return ATTR_OUT_SIZE;
}

export function encodeOpenOut(
  buf: Buffer,
  off: number,
  fh: number,
  openFlags: number,
  backingId = 0,
): number {
  writeU64(buf, off, fh);
  buf.writeUInt32LE(openFlags >>> 0, off + 8);
  buf.writeInt32LE(backingId, off + 12);
  return OPEN_OUT_SIZE;
}

export function encodeStatfsOut(buf: Buffer, off: number, s: StatFs): number {
  buf.fill(0, off, off + STATFS_OUT_SIZE);
  writeU64(buf, off, s.blocks);
  writeU64(buf, off + 8, s.bfree);
  writeU64(buf, off + 16, s.bavail);
  writeU64(buf, off + 24, s.files);
  writeU64(buf, off + 32, s.ffree);
  buf.writeUInt32LE(s.bsize >>> 0, off + 40);
  buf.writeUInt32LE(s.namelen >>> 0, off + 44);
  buf.writeUInt32LE(s.frsize >>> 0, off + 48);
  return STATFS_OUT_SIZE;
}

/** Size of one fuse_dirent for a name of `nameLen` bytes, padded to 8. */
export function direntSize(nameLen: number): number {
  return (DIRENT_BASE_SIZE + nameLen + 7) & ~7;
}

/** Write a fuse_dirent; returns its padded size. The caller checked it fits. */
export function encodeDirent(
  buf: Buffer,
  off: number,
  ino: bigint,
  nextOff: number,
  type: number,
  name: Buffer,
): number {
  const size = direntSize(name.length);
  buf.writeBigUInt64LE(BigInt.asUintN(64, ino), off);
  writeU64(buf, off + 8, nextOff);
  buf.writeUInt32LE(name.length, off + 16);
  buf.writeUInt32LE(type >>> 0, off + 20);
  name.copy(buf, off + DIRENT_BASE_SIZE);
  buf.fill(0, off + DIRENT_BASE_SIZE + name.length, off + size);
  return size;
}

/** Write the out header in place; `unique` is already at offset 8 (the request's own bytes). */
export function encodeOutHeader(buf: Buffer, len: number, negErrno: number): void {
  buf.writeUInt32LE(len, OutHeader.len);
  buf.writeInt32LE(negErrno, OutHeader.error);
}

/** A notification header: unique 0, error = +code. */
export function encodeNotifyHeader(buf: Buffer, len: number, code: number): void {
  buf.writeUInt32LE(len, OutHeader.len);
  buf.writeInt32LE(code, OutHeader.error);
  buf.writeUInt32LE(0, OutHeader.unique);
  buf.writeUInt32LE(0, OutHeader.unique + 4);
}

