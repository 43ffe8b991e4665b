/**
 * LOOKUP of a name that exists and that the kernel holds no node for, in the reader threads
 * (issue 17, ADR 0087 step 3): the first stat or open of every file of a tree, a cold `find`,
 * the `stat` after a cache drop. The main thread answers it by making a node in its table
 * (nodes.ts lookedUp) and the entry reply. direct-lookup.ts has already statx'ed the name beneath
 * the parent's path; here a reader makes the node itself:
 *
 * - only where the main thread would make a new node without asking anything more: not another
 *   name of an inode with more than one link (same-inode.ts proves which node that joins), and
 *   not while the main thread's table holds an edge the mirror lacks (INCOMPLETE: no room), where
 *   a name missing from the mirror may be known after all;
 * - only when no rename or rmdir through the mount began or ended since before the parent's path
 *   was read (the path, and so the inode found, may be the moved parent's);
 * - under the mirror's writers' lock, taken without waiting (a reader that cannot take it hands
 *   the LOOKUP over): the name is still missing, the parent still live, and there is room
 *   (records, edges, arena without compaction); then the node ID comes from the mirror's counter,
 *   which the main thread allocates from too, and the record and its edge are written with the
 *   reader's lookup already counted in the cell (node-mirror-layout.ts), so that other readers
 *   find the name from here on;
 * - listed in the removal ring (miss-ring.ts, kind MADE) before the reply is written, so that
 *   the main thread takes the node into its table (removals.ts adopt) before it serves any
 *   request the kernel sends after seeing the reply. One ring for nodes made and names removed:
 *   a node's entry is published before the reply that names it, so before any removal of it.
 *
 * Not a second node for one name: the kernel sends no second LOOKUP of a new name before the
 * first is answered, but a revalidation of a dentry whose name the main thread dropped (a name
 * replaced behind the mount, under the default policy) or a READDIRPLUS served on the main thread
 * beside it (PARALLEL_DIROPS) may come at the same time; every writer checks the name under the
 * lock, a reader hands over when it finds it, and the main thread takes the reader's node when it
 * finds one of the same inode (node-mirror.ts add). Under crash custody the node's line goes to
 * the journal under the lock before the mirror write (direct-journal.ts). Not with orphan
 * answers: the session gives the readers no removal ring then.
 */
import type { Attr } from '../../vfs/types.js';
import { TAP_LOOKUP, tapServed } from '../../vfs/reader-tap.js';
import { encodeEntryOut, encodeOutHeader } from '../protocol/encode.js';
import { OUT_HEADER_SIZE as O } from '../protocol/layout.js';
import {
  ATTR_TIMEOUT,
  ENTRY_TIMEOUT,
  NODES,
  SAMPLED,
  SERVED,
  loadSeconds,
} from './direct-layout.js';
import { handOverDrawn } from './direct-span.js';
import { ROOT, mirrorOf } from './direct-meta-paths.js';
import { journalAdded, journalFd } from './direct-journal.js';
import { namesStill } from './direct-miss.js';
import { removalsOf } from './direct-unlink.js';
import { MADE as MADE_KIND, claimSlot, publishSlot } from './miss-ring.js';
import * as K from './node-mirror-layout.js';
import { mirrorWriter, nextNodeId, tryLock, unlock } from './node-mirror-write.js';
import type { MirrorWriter } from './node-mirror-write.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const NONE = new Uint8Array(0);

/** This thread's writer over the mirror, made on first use (again for another mirror). */
let writer: MirrorWriter | undefined;

/** Whether the readers make nodes now (the session's NODES, the rings and the mirror attached). */
export const makingNodes = (table: Int32Array): boolean =>
  Atomics.load(table, NODES) === 1 && removalsOf() !== undefined && mirrorOf() !== undefined;

/**
 * The entry reply to LOOKUP(parent, name at buf[off, off + len)) for `attr`, the name's
 * attributes, with a node this reader makes; -1 for the main thread; SAMPLED. `mark`: the name
 * changes' mark taken before the parent's path was read; `start`: when the statx began.
 */
export function serveNewNode(
  table: Int32Array,
  buf: Buffer,
  at: { parent: number; off: number; len: number; attr: Attr; mark: number; start: bigint },
  tap: BigInt64Array | undefined,
): number {
  if (at.attr.nlink > 1 && (at.attr.mode & S_IFMT) !== S_IFDIR) return -1;
  const r = removalsOf()!;
  const v = mirrorOf()!;
  if (Atomics.load(v.t, K.INCOMPLETE) !== 0) return -1;
  if (writer?.t !== v.t) writer = mirrorWriter(v.t, v.b, v.L);
  const pos = claimSlot(r);
  if (pos === undefined) return -1;
  let id = 0;
  try {
    if (!namesStill(at.mark)) return -1;
    const made = {
      parent: at.parent,
      name: buf.subarray(at.off, at.off + at.len),
      ino: at.attr.ino,
    };
    // Listed under the lock, after the mirror write and the journal's line (direct-journal.ts).
    const list = (value: number): void => publishSlot(r, pos, { ...made, value, kind: MADE_KIND });
    id = makeNode(table, buf, writer, made, list);
    if (id <= 0) return id;
  } finally {
    if (id <= 0) publishSlot(r, pos, { parent: 0, name: NONE });
  }
  const times = {
    entryTimeout: loadSeconds(table, ENTRY_TIMEOUT),
    attrTimeout: loadSeconds(table, ATTR_TIMEOUT),
  };
  const out = O + encodeEntryOut(buf, O, id, at.attr, times);
  encodeOutHeader(buf, out, 0);
  if (tap !== undefined) tapServed(tap, TAP_LOOKUP, 0, process.hrtime.bigint() - at.start, 0);
  Atomics.add(table, SERVED, 1);
  return out;
}

/**
 * Under the writers' lock: the node for (parent, name) of the frame in `buf` journaled (under crash custody), written
 * to the mirror with one lookup counted and listed (`list`), its ID; -1 (hand over: no lock, the
 * name known now, the parent gone, no room, the journal's write failed); or SAMPLED (drawn into
 * the plan's sample: nothing written). Nothing in here throws but an out-of-memory.
 */
function makeNode(
  table: Int32Array,
  buf: Buffer,
  w: MirrorWriter,
  at: { parent: number; name: Buffer; ino: bigint },
  list: (id: number) => void,
): number {
  const t = w.t;
  const name = at.name;
  if (!tryLock(t, 64)) return -1;
  try {
    if (!roomFor(w, name.length) || Atomics.load(t, K.INCOMPLETE) !== 0) return -1;
    if (w.edgeId(at.parent, name) !== 0) return -1;
    if (at.parent !== ROOT) {
      const { slot } = w.findId(at.parent);
      if (slot === 0 || (Atomics.load(t, w.rec(slot) + K.R_CELL) & K.LIVE) === 0) return -1;
    }
    // Drawn after the checks that hand it over (but the rare ones below): a drawn request goes
    // over unchanged.
    if (handOverDrawn(table, buf)) return SAMPLED;
    const id = nextNodeId(t);
    // The main thread gave up on the lock meanwhile (DEAD): it writes the mirror no more.
    if (id === 0 || Atomics.load(t, K.DEAD) !== 0) return -1;
    // Journaled before anything names the node (a failed write: the main thread answers).
    const fd = journalFd(t);
    if (fd >= 0 && journalAdded(fd, { ...at, id }) !== 0) return -1;
    w.begin();
    try {
      const slot = w.newRecord(id, at.ino, 1);
      w.writePath(slot, at.parent, name);
      w.writeEdge(at.parent, name, id);
    } finally {
      w.end();
    }
    list(id);
    Atomics.add(t, K.MADE, 1);
    return id;
  } finally {
    unlock(t);
  }
}

/**
 * A record, an edge below the index's fill limit, and arena room for the name twice (the path
 * name and the edge's) without a compaction, which is left to the main thread.
 */
function roomFor(w: MirrorWriter, len: number): boolean {
  const t = w.t;
  const record = t[K.FREE_HEAD] !== 0 || t[K.REC_NEXT]! < w.L.records;
  const edge = t[K.EDGES]! < w.L.records * 2 * 0.75;
  return record && edge && t[K.ARENA_TOP]! + 2 * len <= t[K.ARENA_CAP]!;
}
