/**
 * FORGET in the reader threads (issue 17, ADR 0087): the kernel sends one for every node it
 * drops (after an unlink, under memory pressure, at a cache drop), and expects no reply. The
 * main thread answers none either: it takes the count off the node in its table (ops/entry.ts
 * forget), and frees the node at 0. A reader lists (node ID, count) in the ring of changes
 * (miss-ring.ts) instead of waking the main thread for it; the main thread takes the ring in
 * before it serves any request (removals.ts), in the order the entries were published, so a
 * FORGET always counts before a LOOKUP the kernel sent after it, and a node waits to be freed
 * at most until the main thread's next request or the ring's 256th entry (a full ring hands the
 * FORGET over, and the main thread then takes every entry in). BATCH_FORGET stays the main
 * thread's (one request for many nodes already).
 */
import { ArgSize, IN_HEADER_SIZE as A, InHeader } from '../protocol/layout.js';
import { claimSlot, publishSlot } from './miss-ring.js';
import type { RingView } from './miss-ring.js';

const NONE = new Uint8Array(0);

/** FORGET(node, count) in `buf` (n bytes) listed in `ring`: 0 (no reply), or -1 to hand over. */
export function serveForget(ring: RingView, buf: Buffer, n: number): number {
  if (n !== A + ArgSize.forget || buf.readUInt32LE(InHeader.len) !== n) return -1;
  const node = buf.readUInt32LE(InHeader.nodeid);
  // Counts and node IDs the ring's u32 cells cannot hold go over as they came.
  if (buf.readUInt32LE(InHeader.nodeid + 4) !== 0 || node === 0) return -1;
  if (buf.readUInt32LE(A + 4) !== 0) return -1;
  const pos = claimSlot(ring);
  if (pos === undefined) return -1;
  publishSlot(ring, pos, { parent: node, name: NONE, value: buf.readUInt32LE(A) });
  return 0;
}
