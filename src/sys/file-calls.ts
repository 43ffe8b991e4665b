import { callAsync, callMeta, libc } from './libc.js';
import type { MetaIoPolicy } from './libc.js';

export async function fallocate(
  fd: number,
  mode: number,
  range: { offset: number; length: number },
): Promise<void> {
  await callAsync(libc.fallocate, 'fallocate', fd, mode, range.offset, range.length);
}

/** lseek(2), for SEEK_DATA/SEEK_HOLE (Node has no lseek at all). */
export function lseek(
  io: MetaIoPolicy,
  fd: number,
  offset: number,
  whence: number,
): Promise<number> {
  return callMeta(io, libc.lseek, 'lseek', fd, offset, whence);
}

/** copy_file_range(2) with explicit offsets (the fds' own offsets stay untouched). */
export function copyFileRange(
  src: { fd: number; offset: number },
  dst: { fd: number; offset: number },
  length: number,
  flags: number,
): Promise<number> {
  const offIn = Buffer.alloc(8);
  const offOut = Buffer.alloc(8);
  offIn.writeBigInt64LE(BigInt(src.offset));
  offOut.writeBigInt64LE(BigInt(dst.offset));
  return callAsync(
    libc.copyFileRange,
    'copy_file_range',
    src.fd,
    offIn,
    dst.fd,
    offOut,
    length,
    flags,
  );
}

export interface StatFsResult {
  type: number;
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  namelen: number;
  frsize: number;
}

/** fstatfs(2): Node's statfs lacks f_namelen and f_frsize. Layout of struct statfs on LP64 Linux. */
export async function fstatfs(io: MetaIoPolicy, fd: number): Promise<StatFsResult> {
  const buf = Buffer.alloc(120);
  await callMeta(io, libc.fstatfs, 'fstatfs', fd, buf);
  const u64 = (off: number): number => Number(buf.readBigUInt64LE(off));
  return {
    type: u64(0),
    bsize: u64(8),
    blocks: u64(16),
    bfree: u64(24),
    bavail: u64(32),
    files: u64(40),
    ffree: u64(48),
    namelen: u64(64),
    frsize: u64(72),
  };
}
