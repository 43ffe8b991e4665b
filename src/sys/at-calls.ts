import { encodeNameZ as z } from '../vfs/names.js';
import { callMeta, libc } from './libc.js';
import type { MetaIoPolicy } from './libc.js';
import { UTIME_NOW, UTIME_OMIT } from './constants.js';

/** Names and paths below are volume strings, passed to the kernel as their exact bytes (`z`). */
export type TimeSpec = bigint | 'now' | undefined;

const NS = 1_000_000_000n;

/** Encode one time as a struct timespec (two i64) at `offset`: undefined -> UTIME_OMIT. */
function writeTimespec(buf: Buffer, offset: number, t: TimeSpec): void {
  if (t === undefined || t === 'now') {
    buf.writeBigInt64LE(0n, offset);
    buf.writeBigInt64LE(t === undefined ? UTIME_OMIT : UTIME_NOW, offset + 8);
    return;
  }
  // Floor division so that times before the epoch keep 0 <= tv_nsec < 1e9.
  let sec = t / NS;
  let nsec = t % NS;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += NS;
  }
  buf.writeBigInt64LE(sec, offset);
  buf.writeBigInt64LE(nsec, offset + 8);
}

export function timespecPair(atime: TimeSpec, mtime: TimeSpec): Buffer {
  const buf = Buffer.alloc(32);
  writeTimespec(buf, 0, atime);
  writeTimespec(buf, 16, mtime);
  return buf;
}

export async function utimensat(
  io: MetaIoPolicy,
  dirfd: number,
  path: string,
  times: { atime: TimeSpec; mtime: TimeSpec },
  flags: number,
): Promise<void> {
  await callMeta(
    io,
    libc.utimensat,
    'utimensat',
    dirfd,
    z(path),
    timespecPair(times.atime, times.mtime),
    flags,
  );
}

export async function futimens(
  io: MetaIoPolicy,
  fd: number,
  atime: TimeSpec,
  mtime: TimeSpec,
): Promise<void> {
  await callMeta(io, libc.futimens, 'futimens', fd, timespecPair(atime, mtime));
}

export async function renameat2(
  io: MetaIoPolicy,
  from: { dirfd: number; name: string },
  to: { dirfd: number; name: string },
  flags: number,
): Promise<void> {
  await callMeta(
    io,
    libc.renameat2,
    'renameat2',
    from.dirfd,
    z(from.name),
    to.dirfd,
    z(to.name),
    flags,
  );
}

export async function mknodat(
  io: MetaIoPolicy,
  dirfd: number,
  name: string,
  mode: number,
  rdev: number,
): Promise<void> {
  await callMeta(io, libc.mknodat, 'mknodat', dirfd, z(name), mode, BigInt(rdev));
}

export async function faccessat(
  io: MetaIoPolicy,
  dirfd: number,
  name: string,
  mask: number,
  flags: number,
): Promise<void> {
  await callMeta(io, libc.faccessat, 'faccessat', dirfd, z(name), mask, flags);
}

/** fchmodat; with AT_SYMLINK_NOFOLLOW a symlink is refused (EOPNOTSUPP), never followed. */
export async function fchmodat(
  io: MetaIoPolicy,
  dirfd: number,
  name: string,
  mode: number,
  flags: number,
): Promise<void> {
  await callMeta(io, libc.fchmodat, 'fchmodat', dirfd, z(name), mode, flags);
}
