/**
 * A reader thread: blocks in read(2) on its own /dev/fuse queue fd, into one of a few request
 * slots in a SharedArrayBuffer, and posts "slot, length" to the main thread, which serves the
 * request and writes the reply from the same slot on the same fd. Blocking reads never occupy
 * the libuv threadpool (that design deadlocked: docs/fuse-engine.md).
 *
 * Slot states live in an Int32Array at the start of the SAB: 0 free, 1 taken by the main
 * thread; then the control ints of reader-control.ts (wake-up counter, requests read, in direct
 * I/O, time busy).
 */
import { readSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { readerGateOf } from '../../vfs/reader-tap.js';
import { afterReply, attachMeta, beforeReply, requestBegan, serveDirect } from './direct-serve.js';
import { IDLE, SAMPLED } from './direct-layout.js';
import { InHeader } from '../protocol/layout.js';
import { CONTROL_INTS, controlAt, encodeErrorReply } from './reader-control.js';
import { NO_FAILPOINTS } from './failpoints.js';
import type { ReaderFailpoints } from './failpoints.js';

export interface ReaderData {
  fd: number;
  sab: SharedArrayBuffer;
  slots: number;
  slotSize: number;
  /** Byte offset of slot 0 in the SAB (after the control ints). */
  dataOffset: number;
  /** The direct I/O table (direct-io.ts): READ/WRITE this thread serves itself. */
  direct?: SharedArrayBuffer;
  /** The reader tap (src/vfs/reader-tap.ts): where served READ/WRITE are counted when asked. */
  tap?: SharedArrayBuffer;
  /**
   * The node table's mirror (node-mirror.ts), the miss ring and the removal ring (metadata), the
   * span ring (span-ring.ts: drawn requests served here).
   */
  nodes?: SharedArrayBuffer;
  misses?: SharedArrayBuffer;
  removals?: SharedArrayBuffer;
  spans?: SharedArrayBuffer;
  /** Fault injection for the engine's own tests (failpoints.ts); absent in production. */
  failpoints?: ReaderFailpoints;
}

/**
 * A frame to serve (slot, length: n * 64 + slot; negative, -(that) - 1, for one the reader drew
 * into a layer's sample), the end of this reader, or a report of reply writes that
 * failed (`replyErrors` counts them since the start: the reports are rate-limited).
 */
export type ReaderMessage =
  | number
  | { type: 'end'; code: string; replyErrors: number }
  | { type: 'reply-error'; code: string; replyErrors: number }
  | { type: 'serve-error'; message: string; serveErrors: number };

/** Reply write errors that only say the request (interrupted) or the connection is gone. */
const GONE = new Set(['ENOENT', 'ENODEV']);
/** At most one reply-error report per this many ms; each carries the running count. */
export const REPLY_ERROR_REPORT_MS = 1000;

/** A request served here that threw (a bug, never a system call's error): answered EIO. */
const EIO = 5;

/** Errors on which read(2) of /dev/fuse is simply retried (interrupted or already answered). */
const RETRY = new Set(['ENOENT', 'EINTR', 'EAGAIN']);
const UNIQUE = InHeader.unique;

function run(d: ReaderData, port: NonNullable<typeof parentPort>): void {
  const ctrl = new Int32Array(d.sab, 0, d.slots + CONTROL_INTS);
  const slots = Array.from({ length: d.slots }, (_, i) =>
    Buffer.from(d.sab, d.dataOffset + i * d.slotSize, d.slotSize),
  );
  const wake = controlAt(d.slots, 'wake');
  const requests = controlAt(d.slots, 'requests');
  const inDirect = controlAt(d.slots, 'inDirect');
  const busyUs = controlAt(d.slots, 'busyUs');
  const direct = d.direct ? new Int32Array(d.direct) : undefined;
  attachMeta(d);
  const tap = d.tap ? new BigInt64Array(d.tap) : undefined;
  const gate = d.tap ? readerGateOf(d.tap) : undefined;
  const unique0 = controlAt(d.slots, 'unique0');
  const unique1 = controlAt(d.slots, 'unique1');
  const fp = d.failpoints ?? NO_FAILPOINTS;
  let readCount = 0;
  let served = 0;
  const errors = { count: 0, reported: -Infinity };
  const serveErrors = { count: 0, reported: -Infinity };
  /**
   * Serve a frame here, or -1 for the main thread. A throw is a bug in this thread's serving
   * code: the request is answered EIO (its caller must not wait for ever) and reported, and the
   * thread goes on reading.
   */
  const serveHere = (buf: Buffer, n: number): number => {
    const t0 = performance.now();
    requestBegan(t0);
    Atomics.store(ctrl, inDirect, 1);
    try {
      const len = serveDirect(direct!, buf, n, tap, gate);
      if (fp.serveThrowAt > 0 && len >= 0 && ++served === fp.serveThrowAt) {
        throw new Error(`failpoint reader-serve-throw=${fp.serveThrowAt}`);
      }
      return len;
    } catch (err) {
      serveErrors.count++;
      const now = performance.now();
      if (now - serveErrors.reported >= REPLY_ERROR_REPORT_MS) {
        serveErrors.reported = now;
        port.postMessage({
          type: 'serve-error',
          message: err instanceof Error ? (err.stack ?? err.message) : String(err),
          serveErrors: serveErrors.count,
        } satisfies ReaderMessage);
      }
      return encodeErrorReply(buf, Atomics.load(ctrl, unique0), Atomics.load(ctrl, unique1), EIO);
    } finally {
      Atomics.store(ctrl, inDirect, 0);
      Atomics.add(ctrl, busyUs, Math.round((performance.now() - t0) * 1000));
    }
  };
  const end = (code: string): void =>
    port.postMessage({ type: 'end', code, replyErrors: errors.count } satisfies ReaderMessage);
  // A reply the kernel refused leaves its caller waiting: never silent, counted, rate-limited.
  const failed = (code: string): void => {
    errors.count++;
    const now = performance.now();
    if (now - errors.reported < REPLY_ERROR_REPORT_MS) return;
    errors.reported = now;
    port.postMessage({
      type: 'reply-error',
      code,
      replyErrors: errors.count,
    } satisfies ReaderMessage);
  };
  for (;;) {
    let slot = -1;
    for (let i = 0; i < d.slots; i++) {
      if (Atomics.load(ctrl, i) === 0) {
        slot = i;
        break;
      }
    }
    if (slot < 0) {
      const seen = Atomics.load(ctrl, wake);
      if (ctrl.some((v, i) => i < d.slots && v === 0)) continue;
      Atomics.wait(ctrl, wake, seen, 1000);
      continue;
    }
    let n: number;
    // Counted idle while in read(2), for the others' FSYNC decision (direct-layout.ts, IDLE).
    if (direct) Atomics.add(direct, IDLE, 1);
    try {
      n = readSync(d.fd, slots[slot]!, 0, d.slotSize, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (RETRY.has(code)) continue;
      end(code);
      return;
    } finally {
      if (direct) Atomics.sub(direct, IDLE, 1);
    }
    if (n === 0) {
      // /dev/fuse never returns 0 bytes; a 0 is end of file on something that is not a FUSE fd.
      end('EOF');
      return;
    }
    const buf = slots[slot]!;
    // Before anything can fail: the request the main thread answers if this thread dies.
    Atomics.store(ctrl, unique0, buf.readUInt32LE(UNIQUE));
    Atomics.store(ctrl, unique1, buf.readUInt32LE(UNIQUE + 4));
    Atomics.add(ctrl, requests, 1);
    if (fp.crashAt > 0 && ++readCount === fp.crashAt) {
      throw new Error(`failpoint reader-crash=${fp.crashAt}: this reader thread dies`);
    }
    const len = direct ? serveHere(buf, n) : -1;
    beforeReply(buf, len);
    const replied = reply(d.fd, buf, len, failed);
    afterReply();
    if (replied) {
      Atomics.store(ctrl, unique0, 0);
      Atomics.store(ctrl, unique1, 0);
      continue;
    }
    // From here on the main thread answers it.
    Atomics.store(ctrl, unique0, 0);
    Atomics.store(ctrl, unique1, 0);
    Atomics.store(ctrl, slot, 1);
    // Drawn into a layer's sample (SAMPLED): marked by the sign, so the layer does not draw again.
    port.postMessage(len === SAMPLED ? -(n * 64 + slot) - 1 : n * 64 + slot);
  }
}

/** Write a reply served here; false when the frame is the main thread's (len -1). */
function reply(fd: number, buf: Buffer, len: number, failed: (code: string) => void): boolean {
  if (len < 0) return false;
  try {
    writeSync(fd, buf, 0, len);
  } catch (err) {
    // ENOENT: the request was interrupted and is gone; ENODEV: the mount is gone (the next
    // read says so and ends this thread). Anything else is a reply the caller never got.
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (!GONE.has(code)) failed(code);
  }
  return true;
}

if (parentPort) run(workerData as ReaderData, parentPort);
