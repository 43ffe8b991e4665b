import type { Attr } from '../vfs/types.js';

/**
 * struct statx decoded into the backends' Attr, apart from the call: statx.ts makes it on the
 * main thread, reader-meta.ts in the reader threads (which must not load the main thread's libc
 * bindings). struct statx has one layout on every architecture (unlike struct stat).
 */

/** STATX_TYPE | MODE | NLINK | UID | GID | ATIME | MTIME | CTIME | INO | SIZE | BLOCKS. */
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_SIZE = 256;

/** Byte offsets in struct statx (linux/stat.h). */
const OFF = {
  blksize: 4,
  nlink: 16,
  uid: 20,
  gid: 24,
  mode: 28,
  ino: 32,
  size: 40,
  blocks: 48,
  atime: 64,
  ctime: 96,
  mtime: 112,
  rdevMajor: 128,
  rdevMinor: 132,
  devMajor: 136,
  devMinor: 140,
} as const;

/** glibc's makedev: the dev_t that stat(2) and Node report, exact below 2^53. */
export function makedev(major: number, minor: number): number {
  return (
    (major >>> 12) * 2 ** 44 + // (major & 0xfffff000) << 32
    (minor >>> 8) * 2 ** 20 + // (minor & 0xffffff00) << 12
    (major & 0xfff) * 2 ** 8 +
    (minor & 0xff)
  );
}

const nanos = (b: Buffer, off: number): bigint =>
  b.readBigInt64LE(off) * 1_000_000_000n + BigInt(b.readUInt32LE(off + 8));

export function decodeStatx(b: Buffer): Attr {
  return {
    ino: b.readBigUInt64LE(OFF.ino),
    dev: makedev(b.readUInt32LE(OFF.devMajor), b.readUInt32LE(OFF.devMinor)),
    size: Number(b.readBigUInt64LE(OFF.size)),
    blocks: Number(b.readBigUInt64LE(OFF.blocks)),
    atimeNs: nanos(b, OFF.atime),
    mtimeNs: nanos(b, OFF.mtime),
    ctimeNs: nanos(b, OFF.ctime),
    mode: b.readUInt16LE(OFF.mode),
    nlink: b.readUInt32LE(OFF.nlink),
    uid: b.readUInt32LE(OFF.uid),
    gid: b.readUInt32LE(OFF.gid),
    rdev: makedev(b.readUInt32LE(OFF.rdevMajor), b.readUInt32LE(OFF.rdevMinor)),
    blksize: b.readUInt32LE(OFF.blksize),
  };
}
