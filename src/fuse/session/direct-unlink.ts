/**
 * UNLINK in the reader threads (issue 17, ADR 0087 step 4 for UNLINK): `rm` of many files, a
 * build's clean, a database's journal files. The main thread answers it with the passthrough
 * backend's unlink of the name in the parent directory resolved beneath the root, then takes
 * the name out of its node table (ops/entry.ts removal). A reader makes the same call
 * (reader-meta.ts unlinkBeneath) with the parent's path from the node table's mirror, answers
 * the kernel, and lists the removed (parent, name, node ID) in a ring in shared memory
 * (miss-ring.ts) *before* its reply is written; the main thread takes every published entry
 * into its node table before it serves any request (removals.ts; an entry is taken past one a
 * reader still holds in a slow unlink, so no reader holds back another's), and detaches the name
 * only while it still leads to that node. So every request the kernel sends after seeing the
 * reply finds the name gone there. Until then the mirror still has the edge: a reader that reads
 * it meanwhile finds the name missing in the backend and hands its request over, and the main
 * thread then takes the ring in first.
 *
 * Nothing is changed before the plan's sample is drawn (a drawn request goes over whole) nor
 * before a ring slot is held (a full ring hands the request over); a slot held is published in
 * every case (empty when nothing was removed). A failed unlink is answered here with its errno
 * when the main thread's call would fail the same way (ANSWERED_ERRNOS); any other failure is
 * handed over, where the main thread calls again (its own error, logged there; such a request
 * goes over unmarked and is drawn again there: direct-span.ts). Under crash custody
 * the removal is journaled before the reply, as the main thread's is (direct-journal.ts). The
 * session offers this only without orphan answers (an EINTR for a slow unlink that happened):
 * session.ts.
 */
import { metaCallsReady, unlinkBeneath } from '../../sys/reader-meta.js';
import { TAP_UNLINK, tapServed } from '../../vfs/reader-tap.js';
import { encodeOutHeader } from '../protocol/encode.js';
import { IN_HEADER_SIZE as A, InHeader, OUT_HEADER_SIZE as O } from '../protocol/layout.js';
import { ROOT_FD, SAMPLED, SERVED, UNLINKS } from './direct-layout.js';
import { handOverDrawn } from './direct-span.js';
import { dirOf, mirrorOf, plainNameLength, serving } from './direct-meta-paths.js';
import { claimSlot, countAnswered, publishSlot, ringView } from './miss-ring.js';
import type { RingView } from './miss-ring.js';
import { journalFd, journalUnlinked } from './direct-journal.js';
import { consistent, nodeByEdge } from './node-mirror-read.js';
import { DEAD } from './node-mirror-layout.js';
import { unlock, waitLock } from './node-mirror-write.js';

/** ENOENT, EPERM, EACCES, EBUSY, EISDIR, EROFS: what the backend's own unlink answers too. */
const ANSWERED_ERRNOS: ReadonlySet<number> = new Set([2, 1, 13, 16, 21, 30]);
const NONE = new Uint8Array(0);
const EIO = 5;

/** This thread's view of the removal ring (reader-worker.ts attaches it at start). */
let removals: RingView | undefined;

export function attachRemovals(sab: SharedArrayBuffer): void {
  removals = ringView(sab);
}

/** The removal ring, once attached (direct-new-node.ts lists the nodes it makes there too). */
export const removalsOf = (): RingView | undefined => removals;

/**
 * Under crash custody the removal's journal line, then `list`, under the mirror's writers' lock
 * (direct-journal.ts; the reader waits for it: the unlink is done): 0, or -errno of the journal.
 */
function listed(
  t: Int32Array,
  at: { parent: number; name: Uint8Array; id: number },
  list: () => void,
): number {
  if (journalFd(t) < 0) {
    list();
    return 0;
  }
  const locked = waitLock(t);
  try {
    // The main thread gave the mirror up (DEAD) and may compact without the lock: no line; the
    // main thread's own removal of the name writes one when it takes the entry in.
    const fd = Atomics.load(t, DEAD) === 0 ? journalFd(t) : -1;
    const got = !locked ? -EIO : fd < 0 ? 0 : journalUnlinked(fd, at);
    list();
    return got;
  } finally {
    if (locked) unlock(t);
  }
}

/** UNLINK(parent, name) in `buf` (n bytes): the reply, -1 for the main thread, or SAMPLED. */
export function serveUnlink(
  table: Int32Array,
  buf: Buffer,
  n: number,
  tap?: BigInt64Array,
): number {
  const on = removals !== undefined && Atomics.load(table, UNLINKS) === 1 && serving(table, buf);
  const len = on ? plainNameLength(buf, n) : -1;
  if (len < 0) return -1;
  const parent = buf.readUInt32LE(InHeader.nodeid);
  const v = mirrorOf()!;
  // The node the name leads to now, which the main thread's table detaches it from: a name the
  // mirror does not know (not mirrored) is the main thread's.
  const read = consistent(v, () => {
    const node = nodeByEdge(v, parent, buf, A, len);
    const dir = node === undefined ? null : dirOf(v, parent);
    return dir === null ? undefined : { dir, id: node!.id };
  });
  if (read === undefined) return -1;
  const r = removals!;
  // Loaded before a slot is held: nothing between the claim and its publication may throw.
  metaCallsReady();
  const pos = claimSlot(r);
  if (pos === undefined) return -1;
  let published = false;
  try {
    if (handOverDrawn(table, buf)) return SAMPLED;
    const start = tap !== undefined ? process.hrtime.bigint() : 0n;
    const name = buf.subarray(A, A + len + 1);
    let got = unlinkBeneath(Atomics.load(table, ROOT_FD), read.dir, name);
    if (got < 0 && !ANSWERED_ERRNOS.has(-got)) return -1;
    if (got === 0) {
      const removed = { parent, name: name.subarray(0, len), id: read.id };
      // The name is gone: listed whatever the journal says, which the reply then reports (as
      // the main thread's UNLINK fails when its journal write does, after the unlink).
      got = listed(v.t, removed, () => publishSlot(r, pos, { ...removed, value: read.id }));
      published = true;
    }
    encodeOutHeader(buf, O, got);
    if (tap !== undefined) tapServed(tap, TAP_UNLINK, 0, process.hrtime.bigint() - start, -got);
    countAnswered(r);
    Atomics.add(table, SERVED, 1);
    return O;
  } finally {
    if (!published) publishSlot(r, pos, { parent: 0, name: NONE });
  }
}
