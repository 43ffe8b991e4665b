/**
 * GETATTR with a handle in the reader threads (issue 17, a first metadata step of ADR 0087
 * that needs no node table): the kernel sends it with FUSE_GETATTR_FH and the file's handle
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
import { FUSE_GETATTR_FH } from '../protocol/constants.js';
import { ArgSize, IN_HEADER_SIZE as A, OUT_HEADER_SIZE as O } from '../protocol/layout.js';
import {
  ATTR_TIMEOUT,
  GETATTR,
  SERVED,
  loadSeconds,
  registeredFd,
} from './direct-layout.js';

/**
 * GETATTR with a handle of a registered file, while the plan lets the readers serve it (the
 * table's GETATTR flag); -1 hands it to the main thread. A GETATTR without a handle (stat(2),
 * fstat(2)) needs the node table, which is the main thread's. `tap`: when the plan counts.
 */
export function serveAttr(table: Int32Array, buf: Buffer, n: number, tap?: BigInt64Array): number {
  if (n < A + ArgSize.getattr || Atomics.load(table, GETATTR) === 0) return -1;
  if ((buf.readUInt32LE(A) & FUSE_GETATTR_FH) === 0) return -1;
  const fd = registeredFd(table, buf, A + 8);
  if (fd < 0) return -1;
  const len = serveGetattr(buf, { fd, attrTimeout: loadSeconds(table, ATTR_TIMEOUT), tap });
  if (len >= 0) Atomics.add(table, SERVED, 1);
  return len;
}

export interface AttrIo {
  fd: number;
  /** The session's attribute timeout, seconds. */
  attrTimeout: number;
  tap: BigInt64Array | undefined;
}

/** GETATTR of a registered handle: one fstat; the reply written over the frame. */
export function serveGetattr(buf: Buffer, io: AttrIo): number {
  const { fd, attrTimeout, tap } = io;
  const start = tap !== undefined ? process.hrtime.bigint() : 0n;
  let len: number;
  try {
    const attr = toAttr(fstatSync(fd, { bigint: true }));
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
