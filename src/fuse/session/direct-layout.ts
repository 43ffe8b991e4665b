/**
 * The direct I/O table's layout (direct-io.ts): a few ints, then (handle counter, backing fd)
 * pairs, then (node ID, backing fd, users) triples (direct-nodes.ts). Shared by the main
 * thread's side and the readers' side.
 */
import { FUSE_UNIQUE_RESEND_HI } from '../protocol/constants.js';
import {
  IN_HEADER_SIZE as A,
  InHeader,
  OUT_HEADER_SIZE as O,
  OutHeader,
} from '../protocol/layout.js';

export const TWO32 = 0x1_0000_0000;
/** Ints before the entries. */
export const HEAD = 22;
/** The handle epoch (every handle this process issues is epoch * 2^32 + counter). */
export const EPOCH = 0;
export const ENABLED = 1;
/** Requests the readers served themselves. */
export const SERVED = 2;
/** Count what the readers serve in the reader tap (an observe-only layer consumes it). */
export const TAP = 3;
/**
 * Nodes on which a POSIX record lock was asked for and that are still open: while non-zero, a
 * FLUSH may have locks to release (the closing owner's) and goes to the main thread.
 */
export const LOCKED = 4;
/** Reader threads sitting in read(2) of /dev/fuse (reader-worker.ts counts itself in and out). */
export const IDLE = 5;
/** FSYNCs of registered files handed to the main thread because no other reader was idle. */
export const HANDED = 6;
/**
 * Serve GETATTR with a handle of registered files, and GETXATTR(security.capability) of their
 * nodes (the plan's readerGetattr: no layer acts on metadata, or only one the reader tap covers).
 */
export const GETATTR = 7;
/** The session's attribute timeout in seconds, a float64 in ints 8 and 9 (set once, at start). */
export const ATTR_TIMEOUT = 8;
/** How many (handle, fd) pairs follow the head (set once, at start). */
export const HANDLE_CAP = 10;
/** How many (node, fd, users) triples follow the pairs (set once, at start; 0: none). */
export const NODE_CAP = 11;
/**
 * Under `-o exclusive` (set once, at start): GETATTR without a handle of a mapped node is served
 * too, with the fd of one of its registered handles (direct-attr.ts), while GETATTR is on.
 */
export const NODE_ATTR = 12;
/**
 * Answer LOOKUP of a name the kernel has a node for, and GETATTR without a handle of a known
 * node, from the node table's mirror with the backend's own calls beneath ROOT_FD
 * (direct-lookup.ts), while GETATTR is on (the plan's readerGetattr with the backend's metaRootFd).
 */
export const META_PATHS = 13;
/** The backend's root directory fd that paths resolve beneath (the plan's metaRoot). */
export const ROOT_FD = 14;
/** The session's entry timeout in seconds, a float64 in ints 15 and 16 (set once, at start). */
export const ENTRY_TIMEOUT = 15;
/**
 * The plan's metaSample, a float64 in ints 17 and 18: the share of the metadata requests the
 * readers may answer that a layer samples (trace); -1: none.
 */
export const META_SAMPLE = 17;
/**
 * LOOKUPs of a name the backend does not have, while META_PATHS is on (direct-miss.ts):
 * MISS_OFF, MISS_PLAIN (answered ENOENT, as the main thread does without negative entries) or
 * MISS_KEEP (a negative entry with the entry timeout, listed in the miss ring for a swap).
 */
export const MISSES = 19;
export const MISS_OFF = 0;
export const MISS_PLAIN = 1;
export const MISS_KEEP = 2;
/** Answer UNLINK too (direct-unlink.ts), while META_PATHS is on and the session lists removals. */
export const UNLINKS = 20;
/**
 * Make nodes for LOOKUPs of names that exist and have none (direct-new-node.ts), while
 * META_PATHS is on and the session lists removals (no orphan answers).
 */
export const NODES = 21;

/** What a reader's serve returns for a request it drew into the sample: hand it over, marked. */
export const SAMPLED = -2;

/**
 * Whether this metadata request is drawn into the plan's sample (direct-span.ts handOverDrawn
 * then lists it, or hands it over marked: the main thread's layer acts on it without drawing
 * again, OpCall.sampled). Called only once the reader knows it could answer the request itself,
 * and before it writes anything over the frame; a request handed over after it goes unmarked
 * and is drawn again there, so each is traced with the plan's probability.
 */
export function drawnIntoSample(table: Int32Array): boolean {
  const share = loadSeconds(table, META_SAMPLE);
  return share > 0 && Math.random() < share;
}

/** Scratch for moving a float64's bits through two ints of the table (one per thread). */
const f64 = new Float64Array(1);
const f64Ints = new Int32Array(f64.buffer);

export function storeSeconds(table: Int32Array, at: number, seconds: number): void {
  f64[0] = seconds;
  Atomics.store(table, at, f64Ints[0]!);
  Atomics.store(table, at + 1, f64Ints[1]!);
}

export function loadSeconds(table: Int32Array, at: number): number {
  f64Ints[0] = Atomics.load(table, at);
  f64Ints[1] = Atomics.load(table, at + 1);
  return f64[0]!;
}

/**
 * Whether a reader that holds a request may block in a syscall for it (an FSYNC) without leaving
 * the mount with no reader in read(2): only while another reader is counted idle (a no is
 * counted in HANDED). With one reader the count is always 0 here (the caller counted itself out)
 * and every FSYNC goes to the main thread, which fsyncs on the threadpool and leaves the reader
 * reading.
 *
 * Why no interleaving puts every reader in fsync at once: a reader counts itself out right
 * after read(2) returns, before it decides, and counts itself in again only before its next
 * read(2), after its fsync returned. Suppose every reader sat in fsync; take the one that
 * decided last, at time t. Every other reader decided before t, so it had counted itself out
 * before t and not back in since: the count at t was 0 and the last one handed its FSYNC over,
 * a contradiction (the atomics are sequentially consistent, so "before t" is one order for every
 * thread). The count is only ever conservative: a reader counted in may just have got a frame
 * it has not counted out yet, and two readers deciding at once can both see the other counted
 * out and both hand over (two fsyncs on the threadpool where one reader could have served one).
 * A reader busy otherwise (a slow pread, a throttle sleep, waiting for a free slot) is not
 * counted idle either, which only makes hand-overs more likely.
 */
export function otherReaderIdle(table: Int32Array): boolean {
  if (Atomics.load(table, IDLE) >= 1) return true;
  Atomics.add(table, HANDED, 1);
  return false;
}

/** Index of the (counter, fd) pair for handle counter `lo`: the one mapping both sides use. */
export const entryOf = (lo: number, capacity: number): number => HEAD + (lo % capacity) * 2;

/**
 * A handle's fd with this bit set: its READ, WRITE, FLUSH and FSYNC are served only if listed for
 * the layers (span-ring.ts; StackPort.readerLists: a file trace traces); nothing else is served
 * through it. fds stay far below 2^30 (RLIMIT_NOFILE's ceiling is 2^20).
 */
export const LISTED = 0x4000_0000;

/**
 * The table's entry for the frame's handle (the u64 at `at`: the first argument of READ, WRITE,
 * FSYNC and FLUSH, the second of GETATTR): the backing fd, with LISTED for a listed handle, or
 * -1 when the table does not cover it (not registered, a predecessor's handle, a resent
 * request).
 */
export function handleEntry(table: Int32Array, buf: Buffer, at = A): number {
  if ((buf.readUInt32LE(InHeader.unique + 4) & FUSE_UNIQUE_RESEND_HI) !== 0) return -1;
  const lo = buf.readUInt32LE(at);
  if (buf.readUInt32LE(at + 4) !== table[EPOCH] || lo === 0 || lo > 0x7fff_ffff) return -1;
  const i = entryOf(lo, table[HANDLE_CAP]!);
  if (Atomics.load(table, i) !== lo) return -1;
  return Atomics.load(table, i + 1);
}

/** The backing fd of the frame's handle, or -1 (not covered, or a listed handle's). */
export function registeredFd(table: Int32Array, buf: Buffer, at = A): number {
  const fd = handleEntry(table, buf, at);
  return fd >= 0 && (fd & LISTED) !== 0 ? -1 : fd;
}

/** The errno of a failed fs call (Node reports it negated). */
export const errnoOf = (err: unknown): number => {
  const no = (err as NodeJS.ErrnoException).errno;
  return typeof no === 'number' && no !== 0 ? Math.abs(no) : 5; // EIO
};

/** A reply of the header alone: `errno` 0 for success. */
export function replyHeader(buf: Buffer, errno: number): number {
  buf.writeUInt32LE(O, OutHeader.len);
  buf.writeInt32LE(-errno, OutHeader.error);
  return O;
}
