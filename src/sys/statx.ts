import type { Attr } from '../vfs/types.js';
import { encodeNameZ as z } from '../vfs/names.js';
import { AT_SYMLINK_NOFOLLOW } from './constants.js';
import { callAsync, callSync, lib, settled } from './libc.js';
import type { MetaIoPolicy } from './libc.js';

/**
 * statx(2) of one name in an open directory, without following a final symlink: the attributes
 * of a LOOKUP. Node has no fstatat, and its lstat of `/proc/self/fd/N/name` costs a walk through
 * /proc and a BigIntStats object of 18 BigInts per call; this is one system call into a reused
 * buffer (3.9 -> 2.0 µs a call in a loop, docs/performance.md step 24). struct statx has one
 * layout on every architecture (unlike struct stat).
 */
const statxCall = lib.func(
  'int statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf)',
);

/** STATX_TYPE | MODE | NLINK | UID | GID | ATIME | MTIME | CTIME | INO | SIZE | BLOCKS. */
const STATX_BASIC_STATS = 0x7ff;
const STATX_SIZE = 256;

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

/** An inline call's buffer: the call and its decoding run without a turn of the event loop. */
const shared = Buffer.alloc(STATX_SIZE);

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

/** The attributes of `name` in the directory `dirfd` (a plain name: no slash, never followed). */
export function statxAt(io: MetaIoPolicy, dirfd: number, name: string): Promise<Attr> {
  const path = z(name);
  if (io.inline) {
    return settled(() => {
      callSync(statxCall, 'statx', dirfd, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, shared);
      return decodeStatx(shared);
    });
  }
  const buf = Buffer.alloc(STATX_SIZE);
  return callAsync(statxCall, 'statx', dirfd, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf).then(
    () => decodeStatx(buf),
  );
}
