/**
 * What the reader threads' metadata requests share (direct-lookup.ts, direct-miss.ts,
 * direct-unlink.ts): this thread's view of the node table's mirror, whether the table lets them
 * answer metadata now, a parent's path beneath the backend's root, and the names they take.
 */
import { FUSE_UNIQUE_RESEND_HI } from '../protocol/constants.js';
import { IN_HEADER_SIZE as A, InHeader } from '../protocol/layout.js';
import { GETATTR, META_PATHS } from './direct-layout.js';
import { mirrorView, pathOf } from './node-mirror-read.js';
import type { MirrorView } from './node-mirror-read.js';

export const ROOT = 1;
/** NAME_MAX. */
export const NAME_MAX = 255;

/** This thread's view of the mirror (reader-worker.ts attaches it at start). */
let mirror: MirrorView | undefined;
/** A directory path, written from the end, with a NUL after it. */
const dirBuf = Buffer.alloc(4096);
dirBuf[dirBuf.length - 1] = 0;
const dirOut = dirBuf.subarray(0, dirBuf.length - 1);

export function attachMirror(sab: SharedArrayBuffer): void {
  mirror = mirrorView(sab);
}

/** The mirror, once attached. */
export const mirrorOf = (): MirrorView | undefined => mirror;

/**
 * The readers answer metadata from the mirror now (the plan's readerGetattr with a metaRoot),
 * and the frame is neither resent nor about a node ID beyond 32 bits.
 */
export const serving = (table: Int32Array, buf: Buffer): boolean =>
  mirror !== undefined &&
  Atomics.load(table, META_PATHS) === 1 &&
  Atomics.load(table, GETATTR) === 1 &&
  (buf.readUInt32LE(InHeader.unique + 4) & FUSE_UNIQUE_RESEND_HI) === 0 &&
  buf.readUInt32LE(InHeader.nodeid + 4) === 0;

/**
 * The parent's path for the calls beneath the root (reader-meta.ts): undefined for the root, a
 * NUL-terminated slice of this thread's buffer, or null (not mirrored, too deep). Read it inside
 * `consistent`.
 */
export function dirOf(v: MirrorView, parent: number): Buffer | undefined | null {
  if (parent === ROOT) return undefined;
  const at = pathOf(v, parent, dirOut);
  return at < 0 ? null : dirBuf.subarray(at);
}

/**
 * The length of the NUL-terminated name at buf[A] of a frame of `n` bytes, when the main thread
 * would take it as it is: 1..NAME_MAX bytes, the frame's last, not "." or "..", no "/" (readName
 * refuses those, and the calls would resolve them); else -1.
 */
export function plainNameLength(buf: Buffer, n: number): number {
  if (buf.readUInt32LE(InHeader.len) !== n) return -1;
  const end = buf.indexOf(0, A);
  const len = end - A;
  if (end < 0 || end >= n || len === 0 || len > NAME_MAX) return -1;
  if (buf[A] === 0x2e && (len === 1 || (len === 2 && buf[A + 1] === 0x2e))) return -1;
  // Within the name only: the slot beyond the frame holds whatever came before.
  return buf.subarray(A, end).indexOf(0x2f) < 0 ? len : -1;
}
