/**
 * FSYNC and FLUSH in the reader threads (issue 17): what the main thread's path does for a
 * registered handle, without the hop to it.
 *
 * - FSYNC: the passthrough backend's fsync is one fsync/fdatasync of the backing fd; the reader
 *   does the same syscall, when another reader is idle (the caller checks). A failure is
 *   answered here with its errno and counted in the tap: it is never run again on the main
 *   thread, because a second fsync after a writeback error reports success (the kernel reports
 *   the error once per open file) and the caller would believe its data safe.
 * - FLUSH: the backend releases the closing owner's POSIX locks; with no lock asked for on any
 *   open node (the table's LOCKED count, checked by the caller) there is nothing to release and
 *   the reply is the header alone. It is served whether or not another reader is idle (the
 *   FSYNC rule, direct-layout.ts): it makes no syscall, and its one wait, the throttle's reader
 *   sleep, is bounded (READER_MAX_WAIT_MS) as for READ and WRITE. Handing it over would put a
 *   main-thread hop back on every close(2) for no reader time saved.
 *
 * Both are counted in the reader tap and take an op token of the reader gate when the throttle
 * covers them, as the main-thread layers would.
 */
import { fdatasyncSync, fsyncSync } from 'node:fs';
import { GATE_HANDOFF, GATE_SERVE, gateEnterOp } from '../../vfs/reader-gate.js';
import type { GateView } from '../../vfs/reader-gate.js';
import { TAP_FLUSH, TAP_FSYNC, tapServed } from '../../vfs/reader-tap.js';
import { FUSE_FSYNC_FDATASYNC } from '../protocol/constants.js';
import { ArgSize, IN_HEADER_SIZE as A } from '../protocol/layout.js';
import { errnoOf, replyHeader } from './direct-layout.js';

export interface SyncIo {
  fd: number;
  /** FLUSH (true) or FSYNC. */
  flush: boolean;
  tap: BigInt64Array | undefined;
  gate: GateView | undefined;
}

/** FSYNC or FLUSH of a registered handle; -1 hands it to the main thread. */
export function serveSync(buf: Buffer, n: number, io: SyncIo): number {
  const { fd, flush, tap, gate } = io;
  if (n < A + (flush ? ArgSize.flush : ArgSize.fsync)) return -1;
  const start = tap !== undefined ? process.hrtime.bigint() : 0n;
  const gated = gate === undefined ? GATE_SERVE : gateEnterOp(gate, flush ? 'flush' : 'fsync');
  // Throttled in mode=fail while observed: the main thread answers it through the stack, which
  // counts the EAGAIN (the layer takes its own token there).
  if (gated === GATE_HANDOFF || (gated !== GATE_SERVE && tap !== undefined)) return -1;
  if (gated !== GATE_SERVE) return replyHeader(buf, -gated);
  const errno = flush ? 0 : syncFd(fd, (buf.readUInt32LE(A + 8) & FUSE_FSYNC_FDATASYNC) !== 0);
  if (tap !== undefined)
    tapServed(tap, flush ? TAP_FLUSH : TAP_FSYNC, 0, process.hrtime.bigint() - start, errno);
  return replyHeader(buf, errno);
}

/** fsync or fdatasync; the errno of a failure, 0 on success. */
function syncFd(fd: number, datasync: boolean): number {
  try {
    if (datasync) fdatasyncSync(fd);
    else fsyncSync(fd);
    return 0;
  } catch (err) {
    return errnoOf(err);
  }
}
