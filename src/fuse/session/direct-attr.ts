/**
 * GETATTR in the reader threads (issue 17, a first metadata step of ADR 0087 that needs no node
 * table), with a handle or, under `-o exclusive`, of a node with an open file (serveNodeAttr
 * below). The kernel sends it with FUSE_GETATTR_FH and the file's handle
 * when it refreshes the attributes of a regular file it holds open: lseek(SEEK_END), a
 * buffered read under auto_inval_data, a write under the writeback cache, each once the
 * attributes are stale (fstat(2) itself sends none: the kernel's getattr has no file).
 *
 * The main thread answers it with the passthrough backend's getattr, which for a known handle
 * is `toAttr(fstat(file.fd))` encoded with the session's attribute timeout; the table's fd of
 * a registered handle is that same fd (the backend's `backingFd`), so the reader does exactly
 * that, with Node's fstat (as cheap as a koffi statx in a reader: docs/performance.md), and
 * the same encoder. An fstat that fails is handed to the main thread, which runs it through
 * the layers and the backend and logs and counts the failure.
 *
 * Why the fd is open: the kernel passes the file only from a call that holds it (the lseek,
 * read or write in progress), so RELEASE, sent when the last reference goes, cannot come
 * before this GETATTR is answered; RELEASE unregisters the handle before the fd is closed.
 */
import { fstatSync } from 'node:fs';
// The reader answers for the passthrough backend's own fd: its conversion, not a copy of it.
import { toAttr } from '../../backends/passthrough/attr.js';
import { TAP_GETATTR, tapServed } from '../../vfs/reader-tap.js';
import { encodeAttrOut, encodeOutHeader } from '../protocol/encode.js';
import { FUSE_GETATTR_FH, FUSE_UNIQUE_RESEND_HI } from '../protocol/constants.js';
import {
  ArgSize,
  IN_HEADER_SIZE as A,
  InHeader,
  OUT_HEADER_SIZE as O,
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
import { nodeEnter, nodeLeave } from './direct-nodes.js';
import { servePathAttr } from './direct-lookup.js';

/**
 * GETATTR with a handle of a registered file, while the plan lets the readers serve it (the
 * table's GETATTR flag); -1 hands it to the main thread. `tap`: when the plan counts.
 */
export function serveAttr(table: Int32Array, buf: Buffer, n: number, tap?: BigInt64Array): number {
  if (n < A + ArgSize.getattr || Atomics.load(table, GETATTR) === 0) return -1;
  if ((buf.readUInt32LE(A) & FUSE_GETATTR_FH) === 0) {
    const len = serveNodeAttr(table, buf, tap);
    return len !== -1 ? len : servePathAttr(table, buf, tap);
  }
  const fd = registeredFd(table, buf, A + 8);
  if (fd < 0) return -1;
  const len = serveGetattr(buf, { fd, attrTimeout: loadSeconds(table, ATTR_TIMEOUT), tap });
  if (len >= 0) Atomics.add(table, SERVED, 1);
  return len;
}

/**
 * GETATTR without a handle (stat(2), fstat(2), a path walk's refresh) of a node that has a
 * registered handle, under `-o exclusive` only: fstat of that handle's fd (direct-nodes.ts).
 * The main thread answers it with the attributes of the node's path (statx on its parent), or
 * of an open handle's fd for a node with no name left; under exclusive nothing but this mount
 * changes the source, so the path and the open file are one inode and the reply is the same.
 * Without exclusive a name may have been replaced behind the mount, and the main thread answers
 * for whatever it names now: those stay there. Any other node (none of its files open, a
 * directory, a slot held by another node) still needs the node table (ADR 0087).
 */
function serveNodeAttr(table: Int32Array, buf: Buffer, tap: BigInt64Array | undefined): number {
  if (Atomics.load(table, NODE_ATTR) === 0) return -1;
  // Under a layer that samples (trace): for a node with no name left the main thread answers
  // through the first open handle it finds, maybe a traced file's (a span there, no draw); the
  // readers cannot tell, so they leave every such GETATTR to the path (servePathAttr) or to it.
  if (loadSeconds(table, META_SAMPLE) > 0) return -1;
  if ((buf.readUInt32LE(InHeader.unique + 4) & FUSE_UNIQUE_RESEND_HI) !== 0) return -1;
  if (buf.readUInt32LE(InHeader.nodeid + 4) !== 0) return -1;
  const slot = nodeEnter(table, buf.readUInt32LE(InHeader.nodeid));
  if (slot < 0) return -1;
  let len: number;
  try {
    const fd = Atomics.load(table, slot + 1);
    len = serveGetattr(buf, {
      fd,
      attrTimeout: loadSeconds(table, ATTR_TIMEOUT),
      tap,
      draw: table,
    });
  } finally {
    nodeLeave(table, slot);
  }
  if (len >= 0) Atomics.add(table, SERVED, 1);
  return len;
}

export interface AttrIo {
  fd: number;
  /** The session's attribute timeout, seconds. */
  attrTimeout: number;
  tap: BigInt64Array | undefined;
  /** A GETATTR without a handle: drawn into the plan's sample first (direct-span.ts handOverDrawn). */
  draw?: Int32Array;
}

/** GETATTR of a registered handle: one fstat; the reply written over the frame. */
export function serveGetattr(buf: Buffer, io: AttrIo): number {
  const { fd, attrTimeout, tap } = io;
  const start = tap !== undefined ? process.hrtime.bigint() : 0n;
  let len: number;
  try {
    const attr = toAttr(fstatSync(fd, { bigint: true }));
    if (io.draw !== undefined && handOverDrawn(io.draw, buf)) return SAMPLED;
    len = O + encodeAttrOut(buf, O, attr, attrTimeout);
    encodeOutHeader(buf, len, 0);
  } catch (err) {
    // Only a system call's error goes to the main thread, which runs it again through the
    // layers and the backend, logs and counts its failure; anything else is a bug
    // (reader-worker.ts answers it EIO).
    if (typeof (err as NodeJS.ErrnoException).errno !== 'number') throw err;
    return -1;
  }
  if (tap !== undefined) tapServed(tap, TAP_GETATTR, 0, process.hrtime.bigint() - start, 0);
  return len;
}
