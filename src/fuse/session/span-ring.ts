/**
 * The metadata requests a reader thread drew into a layer's sample (trace's per-op sampling,
 * StackPlan.metaSample) and served itself, listed for the main thread, which tells the layer
 * after the fact (StackPort.readerServed: the span is made with the times the reader took).
 * Before this ring a drawn request was handed over to the main thread and served there, one
 * thread wake-up and the main thread's whole path more per drawn request (docs/performance.md).
 *
 * A ring of the miss ring's kind (miss-ring.ts: claim by compare-and-swap, publish by the slot's
 * sequence, one consumer) with longer slots: the reader writes the op, the caller, its start and
 * end, the answer (errno, inode number) and the node's path beneath the root, as read from the
 * node table's mirror when it drew. The reader claims its slot at the draw once it has the path
 * (a full ring, a path that does not fit or that the mirror cannot give: the request is handed
 * over as before, so no drawn request goes untold) and publishes it after serving, before its
 * reply is written; a request it hands over after all publishes the claim unused (it goes over
 * unmarked and the main thread draws it again).
 *
 * The main thread takes the entries before every request it serves (session.ts, with the
 * readers' node-table changes: a layer is told of a reader's request before any request the
 * kernel sent after its reply), and otherwise in batches: the first entry after a batch wakes it
 * through PENDING (Atomics.waitAsync), and it takes what came within BATCH_MS then. Nothing here
 * is on a reader's path: a slow consumer only fills the ring, and a full ring sends drawn
 * requests the old way.
 */
import type { Logger } from 'pino';
import { decodeName } from '../../vfs/names.js';
import { Opcode } from '../protocol/constants.js';
import type { StackPort } from '../../vfs/stack.js';
import type { Caller, FsOp, OpCall, ServedOutcome } from '../../vfs/types.js';
import { createSlotRing, ringView } from './miss-ring.js';
import type { RingView } from './miss-ring.js';

export const SPAN_SLOTS = 256;
/** A slot's bytes: the fields below, then the path (PATH_ROOM bytes at most). */
export const SPAN_SLOT_BYTES = 1024;
const OPCODE_AT = 0;
const ERRNO_AT = 4;
const PID_AT = 8;
const UID_AT = 12;
const GID_AT = 16;
const PATH_LEN_AT = 20;
const START_AT = 24;
const END_AT = 32;
const INO_AT = 40;
export const PATH_AT = 48;
/**
 * A data request of a listed handle (READ, WRITE, FLUSH, FSYNC) has no path: the handle (u64),
 * the offset (u64) and the size asked (u32) are where the path goes, and its result's bytes
 * where an inode number goes; the main thread finds the path and the backend's handle in its
 * handle table.
 */
const FH_AT = PATH_AT;
const OFFSET_AT = PATH_AT + 8;
const SIZE_AT = PATH_AT + 16;
/** The longest path beneath the root a slot holds (without its leading "/"). */
export const PATH_ROOM = SPAN_SLOT_BYTES - PATH_AT;
/** Header int 0: 1 once an entry was published that the main thread has not been woken for. */
const PENDING = 0;
/** How long the main thread lets entries gather after the first wakes it. */
const BATCH_MS = 20;
/** An opcode of 0: a claim not used (the reader handed the request over after all). */
const NO_OP = 0;

/** What a reader writes in its claimed slot at the draw (the rest after its reply). */
export interface SpanStart {
  opcode: number;
  caller: Caller;
  /** Epoch milliseconds (performance.timeOrigin + performance.now()). */
  start: number;
  /** The path's length; its bytes are already at slot + PATH_AT. */
  pathLen: number;
}

export const spanRingView = (sab: SharedArrayBuffer): RingView => ringView(sab, SPAN_SLOT_BYTES);

export function writeStart(v: RingView, at: number, s: SpanStart): void {
  v.view.setUint32(at + OPCODE_AT, s.opcode, true);
  v.view.setUint32(at + PID_AT, s.caller.pid, true);
  v.view.setUint32(at + UID_AT, s.caller.uid, true);
  v.view.setUint32(at + GID_AT, s.caller.gid, true);
  v.view.setUint16(at + PATH_LEN_AT, s.pathLen, true);
  v.view.setFloat64(at + START_AT, s.start, true);
}

/** A data request's handle, offset and size (after writeStart, with a pathLen of 0). */
export function writeData(
  v: RingView,
  at: number,
  d: { fh: bigint; offset: bigint; size: number },
): void {
  v.view.setBigUint64(at + FH_AT, d.fh, true);
  v.view.setBigUint64(at + OFFSET_AT, d.offset, true);
  v.view.setUint32(at + SIZE_AT, d.size, true);
}

/**
 * The answer: `errno` 0 or positive, `ino` 0n when the reply names no inode (for READ and WRITE:
 * the bytes moved).
 */
export function writeEnd(
  v: RingView,
  at: number,
  e: { end: number; errno: number; ino: bigint },
): void {
  v.view.setInt32(at + ERRNO_AT, e.errno, true);
  v.view.setFloat64(at + END_AT, e.end, true);
  v.view.setBigUint64(at + INO_AT, e.ino, true);
}

/** A claim the reader does not use. */
export const writeUnused = (v: RingView, at: number): void =>
  v.view.setUint32(at + OPCODE_AT, NO_OP, true);

/** Wake the main thread for the first entry after its last batch. */
export function wakeConsumer(v: RingView): void {
  if (Atomics.compareExchange(v.h, PENDING, 0, 1) === 0) Atomics.notify(v.h, PENDING, 1);
}

/** One entry as the main thread reads it. */
export interface ServedSpan {
  call: OpCall;
  outcome: ServedOutcome;
  /** A data request of a listed handle (else a metadata request drawn into the sample). */
  data?: boolean;
}

const NEVER = new AbortController().signal;

/** The op of each opcode the readers draw for (their metadata requests). */
const OPS: ReadonlyMap<number, FsOp> = new Map<number, FsOp>([
  [Opcode.LOOKUP, 'lookup'],
  [Opcode.GETATTR, 'getattr'],
  [Opcode.GETXATTR, 'getxattr'],
  [Opcode.UNLINK, 'unlink'],
  [Opcode.SETATTR, 'setattr'],
]);
/** ...and of the data requests of listed handles. */
const DATA_OPS: ReadonlyMap<number, FsOp> = new Map<number, FsOp>([
  [Opcode.READ, 'read'],
  [Opcode.WRITE, 'write'],
  [Opcode.FLUSH, 'flush'],
  [Opcode.FSYNC, 'fsync'],
]);

/** A metadata request's arguments: its path. */
function pathArgs(v: RingView, at: number): { path: string } {
  const len = v.view.getUint16(at + PATH_LEN_AT, true);
  return { path: `/${decodeName(v.bytes, at + PATH_AT, at + PATH_AT + len)}` };
}

/** A data request's: the handle's path and the backend's handle, READ's and WRITE's range. */
function dataArgs(
  v: RingView,
  at: number,
  op: FsOp,
  handleOf: HandleOf | undefined,
): { path: string; [k: string]: unknown } | undefined {
  const h = handleOf?.(Number(v.view.getBigUint64(at + FH_AT, true)));
  if (h === undefined) return undefined;
  if (op !== 'read' && op !== 'write') return { path: h.path, fh: h.backendFh };
  return {
    path: h.path,
    fh: h.backendFh,
    offset: Number(v.view.getBigUint64(at + OFFSET_AT, true)),
    length: v.view.getUint32(at + SIZE_AT, true),
  };
}

/** A FUSE handle's path and the backend's handle (the session's handle table), if open. */
export type HandleOf = (fh: number) => { path: string; backendFh: number } | undefined;

export function readEntry(v: RingView, at: number, handleOf?: HandleOf): ServedSpan | undefined {
  const opcode = v.view.getUint32(at + OPCODE_AT, true);
  const data = DATA_OPS.get(opcode);
  const op = data ?? OPS.get(opcode);
  if (op === undefined) return undefined;
  const args = data !== undefined ? dataArgs(v, at, data, handleOf) : pathArgs(v, at);
  if (args === undefined) return undefined;
  const path = args.path;
  const caller = {
    pid: v.view.getUint32(at + PID_AT, true),
    uid: v.view.getUint32(at + UID_AT, true),
    gid: v.view.getUint32(at + GID_AT, true),
  };
  const errno = v.view.getInt32(at + ERRNO_AT, true);
  const ino = v.view.getBigUint64(at + INO_AT, true);
  const call = { op, path, args, caller, signal: NEVER, sampled: true } as OpCall;
  const answer =
    errno !== 0
      ? { errno }
      : data === 'read' || data === 'write'
        ? { bytes: Number(ino) }
        : ino !== 0n
          ? { ino }
          : {};
  const outcome: ServedOutcome = {
    start: v.view.getFloat64(at + START_AT, true),
    end: v.view.getFloat64(at + END_AT, true),
    ...answer,
  };
  return { call, outcome, ...(data !== undefined && { data: true }) };
}

/** The main thread's side: the ring, and the consumer that tells the port. */
export interface SpanRing {
  readonly sab: SharedArrayBuffer;
  /** Tell the port of every entry published by now (the session's close calls it last). */
  drain(): void;
  /** Drawn metadata requests told so far (ctl status). */
  readonly told: number;
  /** Data requests of listed handles told so far (ctl status). */
  readonly toldData: number;
  /** Stop waiting for entries. */
  stop(): void;
}

export function createSpanRing(
  port: Pick<StackPort, 'readerServed'>,
  o: { logger?: Logger; slots?: number; handleOf?: HandleOf } = {},
): SpanRing {
  const { logger, handleOf } = o;
  const ring = createSlotRing(o.slots ?? SPAN_SLOTS, SPAN_SLOT_BYTES);
  const v = ring.v;
  let told = 0;
  let toldData = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const drain = (): void => {
    // Cleared first: an entry published from here on wakes the consumer again.
    Atomics.store(v.h, PENDING, 0);
    ring.drain((at) => {
      const entry = readEntry(v, at, handleOf);
      if (entry === undefined) return;
      if (entry.data === true) toldData++;
      else told++;
      try {
        port.readerServed?.(entry.call, entry.outcome);
      } catch (err) {
        // A layer's bookkeeping must not end the consumer (nor the session).
        logger?.warn({ err, op: entry.call.op }, 'a layer failed on a request a reader served');
      }
    });
  };
  const wait = (): void => {
    if (stopped) return;
    const w = Atomics.waitAsync(v.h, PENDING, 0);
    if (!w.async) {
      batch();
      return;
    }
    void w.value.then(batch);
  };
  const batch = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      drain();
      wait();
    }, BATCH_MS).unref();
  };
  wait();
  return {
    sab: ring.sab,
    drain,
    get told() {
      return told;
    },
    get toldData() {
      return toldData;
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      // A pending waitAsync resolves with the next notify or never; nothing holds it.
      Atomics.notify(v.h, PENDING);
    },
  };
}
