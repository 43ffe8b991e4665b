/**
 * The reader's side of direct I/O (direct-io.ts): the dispatcher that serves a frame from the
 * shared table in the reader thread that read it, or leaves it to the main thread.
 */
import type { GateView } from '../../vfs/reader-gate.js';
import { Opcode } from '../protocol/constants.js';
import { ArgSize, IN_HEADER_SIZE as A, InHeader } from '../protocol/layout.js';
import { serveAttr } from './direct-attr.js';
import { serveData } from './direct-data.js';
import {
  ENABLED,
  LISTED,
  LOCKED,
  SERVED,
  TAP,
  handleEntry,
  otherReaderIdle,
} from './direct-layout.js';
import { serveLookup } from './direct-lookup.js';
import { attachMirror } from './direct-meta-paths.js';
import { attachMissRing } from './direct-miss.js';
import { attachSpanRing, listData } from './direct-span.js';
import { attachRemovals, serveUnlink } from './direct-unlink.js';
import { serveSetattr } from './direct-setattr.js';
import { serveSync } from './direct-sync.js';
import { serveXattr } from './direct-xattr.js';

/**
 * The node table's mirror, the miss ring, the removal ring and the span ring, when the session
 * shares them (LOOKUP, GETATTR, UNLINK; drawn requests).
 */
export function attachMeta(d: {
  nodes?: SharedArrayBuffer;
  misses?: SharedArrayBuffer;
  removals?: SharedArrayBuffer;
  spans?: SharedArrayBuffer;
}): void {
  if (d.nodes) attachMirror(d.nodes);
  if (d.misses) attachMissRing(d.misses);
  if (d.removals) attachRemovals(d.removals);
  if (d.spans) attachSpanRing(d.spans);
}

// Around each frame a reader serves: requestBegan before it (a drawn request's span starts
// there), beforeReply once served and before its reply is written, afterReply after the write.
export { requestBegan, spanAnswered as beforeReply } from './direct-span.js';
export { afterReply } from './direct-miss.js';

const { READ, WRITE, FSYNC, FLUSH, GETATTR, GETXATTR, LOOKUP, UNLINK, SETATTR } = Opcode;

/**
 * The reader's side. Serves the frame in `buf` (n bytes) when the table covers it and writes
 * the reply in place; returns the reply length, or -1 when the main thread must serve it.
 * `gate`: the reader form of throttle (src/vfs/reader-gate.ts), applied first.
 */
export function serveDirect(
  table: Int32Array,
  buf: Buffer,
  n: number,
  tap?: BigInt64Array,
  gate?: GateView,
): number {
  if (n < A || Atomics.load(table, ENABLED) === 0) return -1;
  const opcode = buf.readUInt32LE(InHeader.opcode);
  if (opcode === LOOKUP) return serveLookup(table, buf, n, tapOf(table, tap));
  if (opcode === UNLINK) return serveUnlink(table, buf, n, tapOf(table, tap));
  if (n < A + ArgSize.fsync) return -1;
  if (opcode === GETATTR) return serveAttr(table, buf, n, tapOf(table, tap));
  if (opcode === GETXATTR) return serveXattr(table, buf, n, tapOf(table, tap));
  if (opcode === SETATTR) return serveSetattr(table, buf, n, tapOf(table, tap));
  const sync = opcode === FSYNC || opcode === FLUSH;
  if (!sync && opcode !== READ && opcode !== WRITE) return -1;
  const entry = handleEntry(table, buf);
  if (entry < 0) return -1;
  // A listed handle (a file a layer records): served only once listed for it (direct-span.ts).
  const listed = (entry & LISTED) !== 0;
  const io = { fd: entry & ~LISTED, tap: tapOf(table, tap), gate };
  let len: number;
  if (!sync) {
    if (listed && !listData(buf, opcode)) return -1;
    len = serveData(buf, n, { ...io, write: opcode === WRITE });
  }
  // A listed handle's FSYNC stays the main thread's: the ring frees its slots in order, and one
  // held through a long fsync would stop every reader from listing anything meanwhile.
  else if (opcode === FSYNC && listed) return -1;
  // An fsync can block for as long as the disk takes: never in the last reader still reading.
  else if (opcode === FSYNC && !otherReaderIdle(table)) len = -1;
  // FLUSH releases the closing owner's POSIX locks: a no-op only while no node has any.
  else if (opcode === FLUSH && Atomics.load(table, LOCKED) !== 0) len = -1;
  else if (listed && !listData(buf, opcode)) return -1;
  else len = serveSync(buf, n, { ...io, flush: opcode === FLUSH });
  if (len >= 0) Atomics.add(table, SERVED, 1);
  return len;
}

/** The tap when the plan counts what the readers serve. */
const tapOf = (table: Int32Array, tap?: BigInt64Array): BigInt64Array | undefined =>
  tap !== undefined && Atomics.load(table, TAP) === 1 ? tap : undefined;
