/**
 * The reader tap (ADR 0076, step 2): what an observe-only layer needs to know of the READ,
 * WRITE, FLUSH, FSYNC, GETATTR, GETXATTR and LOOKUP requests that the reader threads serve themselves, in shared
 * memory. A reader adds one
 * served request with three Atomics (bytes, its latency bucket's count and sum); the layer that
 * owns the numbers takes them (exchange with 0) when its instruments are read, at a scrape. This
 * is how `metrics` stays on the fast path: the request never leaves the thread that read it.
 *
 * Layout, one block per op (READ, WRITE, FLUSH, FSYNC, GETATTR, GETXATTR, LOOKUP), BigInt64 cells:
 *   [bytes, then per latency bucket (upper bounds below, then +Inf): count, sum of ns,
 *    then per errno below ERRNO_CELLS: failed requests (errno 0's cell: any larger errno)]
 * Taking with exchange means no two consumers ever count the same request (a live swap builds a
 * new metrics layer before the old one is closed). A failing pread/pwrite is handed to the main
 * thread, which runs it through the stack, so its errno is counted there. A failing fsync is not
 * (run again it would report success: the kernel reports a writeback error once per open file):
 * it is counted here, in the buckets and by errno, as is a GETXATTR's ENODATA (the backend's
 * answer on the main thread too; its ERANGE for a short buffer is the engine's, after the stack
 * succeeded, so it counts as a success there and here).
 */

import { GATE_BYTES, gateView } from './reader-gate.js';
import type { GateView } from './reader-gate.js';

/** Upper bounds of the latency buckets, seconds (the metrics layer's histogram buckets). */
export const TAP_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
  0.25, 0.5, 1, 2.5, 5, 10,
]);
const BOUNDS_NS = TAP_BUCKETS_SECONDS.map((s) => BigInt(Math.round(s * 1e9)));

/** The ops the reader threads serve themselves (src/fuse/session/direct-io.ts), each counted here. */
export type TapOp =
  'read' | 'write' | 'flush' | 'fsync' | 'getattr' | 'getxattr' | 'lookup' | 'unlink' | 'setattr';
export const TAP_OPS: readonly TapOp[] = [
  'read',
  'write',
  'flush',
  'fsync',
  'getattr',
  'getxattr',
  'lookup',
  'unlink',
  'setattr',
];
/**
 * The data requests among them: what a layer's `readerIdle` speaks of. GETATTR is served by the
 * readers only when no layer but a tapped one is in the stack (StackPlan.readerGetattr).
 */
export const TAP_DATA_OPS: readonly TapOp[] = ['read', 'write', 'flush', 'fsync'];
/** The op index a reader passes to tapServed (the position in TAP_OPS). */
export const TAP_READ = 0;
export const TAP_WRITE = 1;
export const TAP_FLUSH = 2;
export const TAP_FSYNC = 3;
export const TAP_GETATTR = 4;
export const TAP_GETXATTR = 5;
export const TAP_LOOKUP = 6;
export const TAP_UNLINK = 7;
export const TAP_SETATTR = 8;
/** Linux errnos are below 134; a larger one is counted in cell 0 and reported as EIO. */
const ERRNO_CELLS = 160;
const BYTES = 0;
const BUCKET0 = 1;
const ERRNO0 = BUCKET0 + (BOUNDS_NS.length + 1) * 2;
const BLOCK = ERRNO0 + ERRNO_CELLS;

const TAP_BYTES = TAP_OPS.length * BLOCK * 8;

/** The tap's counters, then the reader gate (src/vfs/reader-gate.ts): one buffer for the port. */
export function createReaderTap(): SharedArrayBuffer {
  return new SharedArrayBuffer(TAP_BYTES + GATE_BYTES);
}

/** The reader gate inside a tap buffer. */
export const readerGateOf = (tap: SharedArrayBuffer): GateView => gateView(tap, TAP_BYTES);

/**
 * Reader side: one request of op `op` (TAP_READ ...) served with `bytes` in `ns`, answered with
 * `errno` (0: success).
 */
export function tapServed(
  tap: BigInt64Array,
  op: number,
  bytes: number,
  ns: bigint,
  errno = 0,
): void {
  const base = op * BLOCK;
  let b = 0;
  while (b < BOUNDS_NS.length && ns > BOUNDS_NS[b]!) b++;
  if (errno !== 0) Atomics.add(tap, base + ERRNO0 + (errno < ERRNO_CELLS ? errno : 0), 1n);
  if (bytes !== 0) Atomics.add(tap, base + BYTES, BigInt(bytes));
  Atomics.add(tap, base + BUCKET0 + b * 2 + 1, ns);
  Atomics.add(tap, base + BUCKET0 + b * 2, 1n);
}

export interface TapTaken {
  /** Every request served, failed ones included. */
  count: number;
  /** The failed ones by errno (5, EIO, for an errno beyond the cells). */
  failed: { errno: number; count: number }[];
  bytes: number;
  /** Per latency bucket (the last for beyond 10 s): requests, and their summed seconds. */
  buckets: { count: number; seconds: number }[];
}

/** Consumer side: take (and reset) what the readers counted for `op` since the last take. */
export function takeTap(tap: BigInt64Array, op: TapOp): TapTaken {
  const base = TAP_OPS.indexOf(op) * BLOCK;
  const buckets: TapTaken['buckets'] = [];
  let count = 0;
  for (let b = 0; b <= BOUNDS_NS.length; b++) {
    const n = Number(Atomics.exchange(tap, base + BUCKET0 + b * 2, 0n));
    const ns = Number(Atomics.exchange(tap, base + BUCKET0 + b * 2 + 1, 0n));
    buckets.push({ count: n, seconds: ns / 1e9 });
    count += n;
  }
  const failed: TapTaken['failed'] = [];
  for (let e = 0; e < ERRNO_CELLS; e++) {
    const n = Number(Atomics.exchange(tap, base + ERRNO0 + e, 0n));
    if (n > 0) failed.push({ errno: e === 0 ? 5 : e, count: n });
  }
  return { count, failed, bytes: Number(Atomics.exchange(tap, base + BYTES, 0n)), buckets };
}
