import { callAsync, libc } from './libc.js';
import { F_OFD_GETLK, F_OFD_SETLK, F_UNLCK } from './constants.js';

/**
 * A byte-range lock; `end` is inclusive. "To end of file" is the kernel's OFFSET_MAX (2^63 - 1,
 * which a number rounds to 2^63): any `end` from 2^53 - 1 up is taken to mean it.
 */
export interface RangeLock {
  type: number;
  start: number;
  end: number;
  pid: number;
}

export const LOCK_TO_EOF = 2 ** 63 - 1;

/** struct flock on LP64 Linux: i16 type, i16 whence, pad, i64 start, i64 len, i32 pid, pad. */
function encode(lock: RangeLock): Buffer {
  const buf = Buffer.alloc(32);
  buf.writeInt16LE(lock.type, 0);
  buf.writeInt16LE(0, 2); // SEEK_SET
  buf.writeBigInt64LE(BigInt(lock.start), 8);
  const len = lock.end >= Number.MAX_SAFE_INTEGER ? 0n : BigInt(lock.end - lock.start + 1);
  buf.writeBigInt64LE(len, 16);
  // OFD locks require l_pid 0.
  buf.writeInt32LE(0, 24);
  return buf;
}

function decode(buf: Buffer): RangeLock {
  const start = Number(buf.readBigInt64LE(8));
  const len = Number(buf.readBigInt64LE(16));
  return {
    type: buf.readInt16LE(0),
    start,
    end: len === 0 ? LOCK_TO_EOF : start + len - 1,
    pid: buf.readInt32LE(24),
  };
}

/** F_OFD_GETLK: the first lock that would conflict with `probe`, or type F_UNLCK. */
export async function ofdGetlk(fd: number, probe: RangeLock): Promise<RangeLock> {
  const buf = encode(probe);
  await callAsync(libc.fcntlLock, 'fcntl(F_OFD_GETLK)', fd, F_OFD_GETLK, buf);
  const got = decode(buf);
  return got.type === F_UNLCK ? { ...probe, type: F_UNLCK } : got;
}

/**
 * F_OFD_SETLK, never the blocking F_OFD_SETLKW: a waiting lock would park a threadpool thread
 * for an unbounded time (the deadlock of notes/fuse-engine-findings.md); callers poll instead.
 * On the threadpool even so: on NFS a lock request is a round trip to the lock manager.
 */
export async function ofdSetlk(fd: number, lock: RangeLock): Promise<void> {
  await callAsync(libc.fcntlLock, 'fcntl(F_OFD_SETLK)', fd, F_OFD_SETLK, encode(lock));
}

/** flock(2); pass LOCK_NB for the non-blocking form (same reasoning as ofdSetlk). */
export async function flock(fd: number, op: number): Promise<void> {
  await callAsync(libc.flock, 'flock', fd, op);
}
