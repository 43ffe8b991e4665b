/**
 * SETATTR of times and mode of an open file, in the reader threads (issue 17): what fchmod(2)
 * and futimens(2) send (`tar x` sets each file's mode and times before it closes it; `cp -p`,
 * `rsync -a`, `touch` of an open file). The kernel sends them without a handle (only a
 * truncate through a file carries FATTR_FH): the main thread answers with the passthrough
 * backend's setattr of the node's path (chmod and utimensat through its O_PATH fd, then fstat)
 * and the session's attribute timeout. Under `-o exclusive` nothing else changes the source, so
 * the path and an open file of the node are one inode: a reader applies the same calls to the
 * fd of one of the node's registered handles (direct-nodes.ts) and answers the same attributes.
 * (The kernel adds FATTR_FH only to a truncate through a file, which stays on the main thread;
 * with a registered handle a reader would use that handle's fd, as the main thread does.)
 * Served with orphan answers on too (kernels without FUSE_NOTIFY_RESEND), as READ and WRITE
 * are: fchmod and futimens do no I/O, where an UNLINK may free a large file's blocks for longer
 * than the 1 s after which an INTERRUPT's orphan answer is written (direct-unlink.ts).
 *
 * Only those: a size (truncate: crash custody's size intents, kill-priv), an owner (kill-priv),
 * a ctime (the writeback cache's time flush), the root's mode (its ACL cache), a node with no
 * open file, or no `-o exclusive` without a handle, all go to the main thread. A failed call
 * hands the request over too: the main thread applies it again (fchmod and futimens to given
 * times are idempotent; UTIME_NOW gives a time a few µs later), through the layers, and logs
 * and counts the failure.
 *
 * The main thread also invalidates the cached attributes of other node IDs of the same inode
 * (same-inode.ts): a hard link whose names could not be proven one inode. A reader cannot see
 * those, so a file with more than one link is handed over (decided by an fstat first).
 *
 * With a handle, no draw of trace's sample: a registered handle is a file trace does not trace
 * (its readerServes), and trace passes a SETATTR with such a handle on untouched. Without one,
 * under a layer that samples (trace's readerShareOf counts setattr), only a node the mirror
 * has a name for and whose file still has a link, drawn first, as the main thread draws a
 * per-op sample for it; a node with no name left it answers through any open handle (maybe a
 * traced file's), so that stays there (a link count of 0 also catches a name a reader's UNLINK
 * removed that the main thread has not taken in yet). A call that fails after the draw is
 * handed over and drawn again there: trace samples such failures at p(2 - p).
 *
 * Why the fd is open: with a handle, the kernel passes the file from the call that holds it;
 * without, the node's slot is held (nodeEnter) as for GETATTR, and RELEASE waits for it.
 */
import { fchmodSync, fstatSync } from 'node:fs';
import { toAttr } from '../../backends/passthrough/attr.js';
import { futimensSync, metaCallsReady } from '../../sys/reader-meta.js';
import { UTIME_NOW, UTIME_OMIT } from '../../sys/constants.js';
import { TAP_SETATTR, tapServed } from '../../vfs/reader-tap.js';
import { FUSE_UNIQUE_RESEND_HI as RESEND, Fattr } from '../protocol/constants.js';
import { encodeAttrOut, encodeOutHeader } from '../protocol/encode.js';
import {
  ArgSize,
  IN_HEADER_SIZE as A,
  InHeader,
  OUT_HEADER_SIZE as O,
  SetattrOff as S,
} from '../protocol/layout.js';
import {
  ATTR_TIMEOUT,
  GETATTR,
  META_SAMPLE,
  NODE_ATTR,
  SAMPLED,
  SERVED,
  loadSeconds,
  registeredFd,
} from './direct-layout.js';
import { handOverDrawn } from './direct-span.js';
import { mirrorOf } from './direct-meta-paths.js';
import { consistent, nodeById } from './node-mirror-read.js';
import { hasName } from './node-mirror-names.js';
import { nodeEnter, nodeLeave } from './direct-nodes.js';

const ROOT = 1;
const TIMES = Fattr.ATIME | Fattr.MTIME | Fattr.ATIME_NOW | Fattr.MTIME_NOW;
/** What a reader applies; LOCKOWNER only names the caller's lock owner. */
const ANSWERED = Fattr.FH | Fattr.MODE | TIMES | Fattr.LOCKOWNER;
/** struct timespec[2] for futimens, one per thread. */
const times = Buffer.alloc(32);

/** SETATTR in `buf` (n bytes): the attribute reply, or -1 for the main thread. */
export function serveSetattr(
  table: Int32Array,
  buf: Buffer,
  n: number,
  tap?: BigInt64Array,
): number {
  if (n < A + ArgSize.setattr || Atomics.load(table, GETATTR) === 0) return -1;
  const valid = buf.readUInt32LE(A + S.valid);
  if ((valid & ~ANSWERED) !== 0 || (buf.readUInt32LE(InHeader.unique + 4) & RESEND) !== 0)
    return -1;
  if (buf.readUInt32LE(InHeader.nodeid + 4) !== 0) return -1;
  const node = buf.readUInt32LE(InHeader.nodeid);
  if (node === ROOT) return -1;
  if ((valid & Fattr.FH) !== 0) {
    const fd = registeredFd(table, buf, A + S.fh);
    return fd < 0 ? -1 : apply(table, buf, fd, { tap });
  }
  // No handle (fchmod, futimens and their path forms send none): under `-o exclusive` the fd of
  // an open file of the node is its inode (as for GETATTR: direct-attr.ts serveNodeAttr).
  if (Atomics.load(table, NODE_ATTR) === 0) return -1;
  // Under a layer that samples (trace), the main thread traces the SETATTR of a node with a name
  // per op (drawn here first), of one with none through any open handle, maybe a traced file's
  // (left to it).
  const sample = loadSeconds(table, META_SAMPLE) > 0;
  if (sample && !named(node)) return -1;
  const slot = nodeEnter(table, node);
  if (slot < 0) return -1;
  try {
    return apply(table, buf, Atomics.load(table, slot + 1), { tap, draw: sample });
  } finally {
    nodeLeave(table, slot);
  }
}

/** Whether the mirror has a name for `node` (a consistent read). */
function named(node: number): boolean {
  const v = mirrorOf();
  if (v === undefined) return false;
  return (
    consistent(v, () => {
      const found = nodeById(v, node);
      return found !== undefined && hasName(v, found) ? true : undefined;
    }) === true
  );
}

/**
 * The backend's setattrFd on `fd`: fchmod, futimens, fstat; the reply, -1, or SAMPLED when
 * `draw` and the request is drawn into the plan's sample (before anything changes).
 */
function apply(
  table: Int32Array,
  buf: Buffer,
  fd: number,
  o: { tap?: BigInt64Array | undefined; draw?: boolean },
): number {
  const valid = buf.readUInt32LE(A + S.valid);
  const { tap } = o;
  const start = tap !== undefined ? process.hrtime.bigint() : 0n;
  // Declared before the first change: nothing after fchmod may fail but a system call.
  metaCallsReady();
  try {
    const links = fstatSync(fd).nlink;
    if (links > 1 || (o.draw === true && links === 0)) return -1;
    // Drawn once the reader knows it can answer (a failed call after it is drawn again there).
    if (o.draw === true && handOverDrawn(table, buf)) return SAMPLED;
    if (valid & Fattr.MODE) fchmodSync(fd, buf.readUInt32LE(A + S.mode) & 0o7777);
    if ((valid & TIMES) !== 0) {
      timespec(buf, 0, valid & Fattr.ATIME_NOW, valid & Fattr.ATIME, S.atime, S.atimensec);
      timespec(buf, 16, valid & Fattr.MTIME_NOW, valid & Fattr.MTIME, S.mtime, S.mtimensec);
      if (futimensSync(fd, times) < 0) return -1;
    }
    const attr = toAttr(fstatSync(fd, { bigint: true }));
    const out = O + encodeAttrOut(buf, O, attr, attrTimeout(table));
    encodeOutHeader(buf, out, 0);
    if (tap !== undefined) tapServed(tap, TAP_SETATTR, 0, process.hrtime.bigint() - start, 0);
    Atomics.add(table, SERVED, 1);
    return out;
  } catch (err) {
    // A system call's failure: the main thread's (as in direct-attr.ts); anything else a bug.
    if (typeof (err as NodeJS.ErrnoException).errno === 'number') return -1;
    throw err;
  }
}

const attrTimeout = (table: Int32Array): number => loadSeconds(table, ATTR_TIMEOUT);

/** One timespec of `times` at `at` from the frame: now, the given time, or omitted. */
function timespec(
  buf: Buffer,
  at: number,
  now: number,
  given: number,
  sec: number,
  nsec: number,
): void {
  if (now !== 0 || given === 0) {
    times.writeBigInt64LE(0n, at);
    times.writeBigInt64LE(now !== 0 ? UTIME_NOW : UTIME_OMIT, at + 8);
    return;
  }
  times.writeBigInt64LE(buf.readBigInt64LE(A + sec), at);
  times.writeBigInt64LE(BigInt(buf.readUInt32LE(A + nsec)), at + 8);
}
