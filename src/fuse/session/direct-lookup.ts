/**
 * LOOKUP of a name the kernel already has a node for, and GETATTR without a handle of a known
 * node, in the reader threads (issue 17, ADR 0087 step 2). The kernel sends them when its cached
 * entry or attributes expire (every second under the default policy): a second walk of a tree,
 * a `make` that stats its sources again. The main thread answers them with the passthrough
 * backend's statPath: the parent directory resolved beneath the root with openat2, statx of the
 * name in it. A reader does the same calls (src/sys/reader-meta.ts) with the path it reads from
 * the node table's mirror (node-mirror-read.ts), and the same encoders and timeouts.
 *
 * The answer the main thread would give: the name still leads to the inode of the node the
 * mirror names (a LOOKUP then adds one to the node's lookup count, by compare-and-swap on its
 * mirror cell; a GETATTR changes nothing), a name the mirror does not know is missing in the
 * backend (direct-miss.ts), or exists and gets a new node (direct-new-node.ts). Everything
 * else goes to the main thread as it came: an unknown name that exists where the readers make
 * no node (the reader's statx of it is then wasted, 4-5 µs of a reader's time), a name that
 * leads to another inode now, a node with no name left, the root, a path deeper than the mirror
 * walks, any failed call, a table that changes under the read.
 */
import { statBeneath } from '../../sys/reader-meta.js';
import { TAP_GETATTR, TAP_LOOKUP, tapServed } from '../../vfs/reader-tap.js';
import { encodeAttrOut, encodeEntryOut, encodeOutHeader } from '../protocol/encode.js';
import { IN_HEADER_SIZE as A, InHeader, OUT_HEADER_SIZE as O } from '../protocol/layout.js';
import {
  ATTR_TIMEOUT,
  ENTRY_TIMEOUT,
  ROOT_FD,
  SERVED,
  loadSeconds,
  SAMPLED,
  MISS_KEEP,
  MISS_OFF,
} from './direct-layout.js';
import { handOverDrawn } from './direct-span.js';
import { NAME_MAX, ROOT, dirOf, mirrorOf, plainNameLength, serving } from './direct-meta-paths.js';
import { consistent, countLookup, lookupRoom, nodeByEdge, nodeById } from './node-mirror-read.js';
import { isPathName, nameOf } from './node-mirror-names.js';
import { missMark, missMode, serveMiss } from './direct-miss.js';
import { makingNodes, serveNewNode } from './direct-new-node.js';
import type { FoundNode } from './node-mirror-read.js';

const ENOENT = 2;

/** A name with its NUL (GETATTR: the node's own name, from the mirror). */
const nameBuf = Buffer.alloc(NAME_MAX + 1);

/** LOOKUP(parent, name) in `buf` (n bytes): the entry reply, or -1 for the main thread. */
export function serveLookup(
  table: Int32Array,
  buf: Buffer,
  n: number,
  tap?: BigInt64Array,
): number {
  const len = serving(table, buf) ? plainNameLength(buf, n) : -1;
  if (len < 0) return -1;
  const end = A + len;
  const parent = buf.readUInt32LE(InHeader.nodeid);
  const v = mirrorOf()!;
  const asked = missMode(table);
  const making = makingNodes(table);
  const mark = asked === MISS_KEEP || making ? missMark() : undefined;
  // A name change in flight: no miss can be kept, so an unknown name is not statx'ed for one.
  const mode = asked === MISS_KEEP && mark === undefined ? MISS_OFF : asked;
  // ...nor a node made for it (direct-new-node.ts).
  const unknown = mode !== MISS_OFF || (making && mark !== undefined);
  const read = consistent(v, () => {
    const found = nodeByEdge(v, parent, buf, A, len);
    // An unknown name: a miss the readers may answer, or a new node.
    if (found === undefined) {
      const dir = unknown ? dirOf(v, parent) : null;
      return dir === null ? undefined : { node: undefined, dir };
    }
    // Another name of a hard link: the main thread makes this name the node's path name.
    const node = isPathName(v, found, parent, buf, A, len) ? found : undefined;
    const dir = node === undefined ? null : dirOf(v, parent);
    return dir === null ? undefined : { node, dir };
  });
  if (read === undefined) return -1;
  const start = tap !== undefined ? process.hrtime.bigint() : 0n;
  const attr = statBeneath(Atomics.load(table, ROOT_FD), read.dir, buf.subarray(A, end + 1));
  if (read.node === undefined) {
    if (attr === -ENOENT && mode !== MISS_OFF)
      return serveMiss(table, buf, { parent, off: A, len, mode, mark, start }, tap);
    if (typeof attr === 'number' || !making || mark === undefined) return -1;
    return serveNewNode(table, buf, { parent, off: A, len, attr, mark, start }, tap);
  }
  if (typeof attr === 'number' || attr.ino !== read.node.ino || !lookupRoom(read.node)) return -1;
  if (handOverDrawn(table, buf)) return SAMPLED;
  // From here the kernel holds one more lookup of the node: answer it whatever comes. (A node
  // freed meanwhile fails the count: the kernel holds the node it revalidates, so only a
  // LOOKUP of a name it does not hold, racing its FORGET, gets here; it is drawn again there.)
  if (!countLookup(v, read.node)) return -1;
  const times = {
    entryTimeout: loadSeconds(table, ENTRY_TIMEOUT),
    attrTimeout: loadSeconds(table, ATTR_TIMEOUT),
  };
  const out = O + encodeEntryOut(buf, O, read.node.id, attr, times);
  encodeOutHeader(buf, out, 0);
  if (tap !== undefined) tapServed(tap, TAP_LOOKUP, 0, process.hrtime.bigint() - start, 0);
  Atomics.add(table, SERVED, 1);
  return out;
}

/** GETATTR without a handle of a known node (not the root): the reply, or -1. */
export function servePathAttr(table: Int32Array, buf: Buffer, tap?: BigInt64Array): number {
  if (!serving(table, buf)) return -1;
  const id = buf.readUInt32LE(InHeader.nodeid);
  if (id === ROOT) return -1;
  const v = mirrorOf()!;
  const read = consistent(v, (): { node: FoundNode; dir: Buffer | undefined } | undefined => {
    const node = nodeById(v, id);
    const parent = node === undefined ? -1 : nameOf(v, node, nameBuf);
    const dir = parent < 0 ? null : dirOf(v, parent);
    return dir === null ? undefined : { node: node!, dir };
  });
  if (read === undefined) return -1;
  const start = tap !== undefined ? process.hrtime.bigint() : 0n;
  const attr = statBeneath(Atomics.load(table, ROOT_FD), read.dir, nameBuf);
  if (typeof attr === 'number' || attr.ino !== read.node.ino) return -1;
  if (handOverDrawn(table, buf)) return SAMPLED;
  const out = O + encodeAttrOut(buf, O, attr, loadSeconds(table, ATTR_TIMEOUT));
  encodeOutHeader(buf, out, 0);
  if (tap !== undefined) tapServed(tap, TAP_GETATTR, 0, process.hrtime.bigint() - start, 0);
  Atomics.add(table, SERVED, 1);
  return out;
}
