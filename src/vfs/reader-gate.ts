/**
 * The reader gate (ADR 0076, step 2): the reader-side form of `throttle`, in the
 * same shared memory as the reader tap, so that READ/WRITE stay in the reader thread that read
 * them while those layers are configured. The layer keeps its main-thread form for every other
 * op and for the requests the readers hand over; both forms take from one token bucket here.
 *
 * - Throttle: a token bucket with debt (src/layers/throttle/token-bucket.ts, same arithmetic) whose level
 *   and refill time live here, changed under a spin lock held for a few arithmetic operations.
 *   A reader that must wait sleeps with Atomics.wait (it holds that reader only); a wait longer
 *   than READER_MAX_WAIT_MS is given back and the request handed to the main thread, which waits
 *   interruptibly (a FUSE INTERRUPT cannot reach a sleeping reader). `mode=fail`: EAGAIN.
 * Latency has no reader form: a delay slept by a reader holds that reader, so concurrent requests
 * would queue behind the reader count (a device with queue depth = readers) instead of each being
 * delayed on its own, as the main-thread layer's timers do (32 parallel 1 MiB reads under
 * latency=5ms,throttle=20MB reached 16 MB/s instead of 20).
 *
 * The plan (src/vfs/stack.ts) writes the active stack's forms here at a swap, before the readers
 * serve anything under it. Time is epoch milliseconds from performance.timeOrigin, the same in
 * every thread (the layers' system clock).
 */

import { BYTES, LOCK, OPS, locked, sharedBucket } from './reader-bucket.js';
import type { SharedBucket } from './reader-bucket.js';

export interface GateThrottle {
  opsPerSecond?: number;
  burstOps?: number;
  bytesPerSecond?: number;
  burstBytes?: number;
  fail: boolean;
  read: boolean;
  write: boolean;
  /** FSYNC and FLUSH, served by the readers too: an op token each when in the scope. */
  fsync?: boolean;
  flush?: boolean;
}
export interface GateConfig {
  throttle?: GateThrottle;
}

/** Longest throttle wait a reader sleeps itself; longer ones are served interruptibly. */
export const READER_MAX_WAIT_MS = 200;
/** Bytes of the gate, placed after the reader tap's counters. */
export const GATE_BYTES = 16 + 16 * 8;

const FLAGS = 1;
const SLEEP = 2;
const F_THROTTLE = 1;
const F_FAIL = 2;
const F_READ = 4;
const F_WRITE = 8;
const F_FSYNC = 16;
const F_FLUSH = 32;
/** Float64 cells: a bucket is [rate, capacity, tokens, last]. */
const WAITED_MS = 10;

export type { SharedBucket } from './reader-bucket.js';
export { layerBucket } from './reader-bucket.js';

export interface GateView {
  readonly i: Int32Array;
  readonly f: Float64Array;
  readonly ops: SharedBucket;
  readonly bytes: SharedBucket;
}

export function gateView(sab: SharedArrayBuffer, offset: number): GateView {
  const g = { i: new Int32Array(sab, offset, 4), f: new Float64Array(sab, offset + 16, 16) };
  return { ...g, ops: sharedBucket(g, OPS), bytes: sharedBucket(g, BYTES) };
}

const now = (): number => performance.timeOrigin + performance.now();

/** Write the active stack's reader forms (main thread, at a swap); none clears the gate. */
export function setGate(g: GateView, cfg: GateConfig | undefined): void {
  const t = cfg?.throttle;
  locked(g, () => {
    // Only the parameters: the level is the layer's, which may have spent tokens already (an
    // OPEN that activates the plan went through it); a new config clamps it at its next refill.
    const bucket = (b: number, rate: number | undefined, burst: number | undefined): void => {
      g.f[b] = rate ?? 0;
      g.f[b + 1] = burst ?? rate ?? 0;
    };
    bucket(OPS, t?.opsPerSecond, t?.burstOps);
    bucket(BYTES, t?.bytesPerSecond, t?.burstBytes);
  });
  let flags = 0;
  if (t !== undefined)
    flags |=
      F_THROTTLE |
      (t.fail ? F_FAIL : 0) |
      (t.read ? F_READ : 0) |
      (t.write ? F_WRITE : 0) |
      (t.fsync === true ? F_FSYNC : 0) |
      (t.flush === true ? F_FLUSH : 0);
  Atomics.store(g.i, FLAGS, flags);
}

/** Milliseconds the readers waited for the throttle since the last take (main thread). */
export function takeWaited(g: GateView): number {
  return locked(g, () => {
    const ms = g.f[WAITED_MS]!;
    g.f[WAITED_MS] = 0;
    return ms;
  });
}

const sleep = (g: GateView, ms: number): void => void Atomics.wait(g.i, SLEEP, 0, ms);

/** What a reader does with a request: serve it, hand it to the main thread, or answer EAGAIN. */
export const GATE_SERVE = 0;
export const GATE_HANDOFF = -1;
export const GATE_EAGAIN = -11;

/**
 * Reader side, before the pread/pwrite of `bytes` (write: true for WRITE). On GATE_SERVE the
 * caller must call `gateUndo` if it then hands the request over or the read comes back short.
 */
export function gateEnter(g: GateView, write: boolean, bytes: number): number {
  const flags = Atomics.load(g.i, FLAGS);
  if (flags === 0) return GATE_SERVE;
  if (flags & F_THROTTLE && flags & (write ? F_WRITE : F_READ)) {
    const r = admit(g, flags, bytes);
    if (r !== GATE_SERVE) return r;
  }
  return GATE_SERVE;
}

/**
 * Reader side, before an FSYNC or FLUSH: one op token when the throttle's scope has the op (no
 * bytes: the layer counts none for them). Nothing to undo: neither is handed over once served.
 */
export function gateEnterOp(g: GateView, op: 'fsync' | 'flush'): number {
  const flags = Atomics.load(g.i, FLAGS);
  if (!(flags & F_THROTTLE) || !(flags & (op === 'fsync' ? F_FSYNC : F_FLUSH))) return GATE_SERVE;
  return admit(g, flags, 0);
}

/**
 * Take `n` from bucket `b` at `t` with the gate's rate and capacity, the lock held; returns the
 * wait in ms. The same arithmetic as sharedBucket's reserve, without its closures: this runs for
 * every READ/WRITE under a throttle.
 */
function reserveHeld(f: Float64Array, b: number, n: number, t: number): number {
  const rate = f[b]!;
  if (rate <= 0 || n <= 0) return 0;
  const gained = t > f[b + 3]! ? ((t - f[b + 3]!) / 1000) * rate : 0;
  const level = Math.min(f[b + 1]!, f[b + 2]! + gained) - n;
  f[b + 2] = level;
  f[b + 3] = Math.max(t, f[b + 3]!);
  return level >= 0 ? 0 : (-level / rate) * 1000;
}

const refundHeld = (f: Float64Array, b: number, n: number): void => {
  if (f[b]! > 0 && n > 0) f[b + 2] = Math.min(f[b + 1]!, f[b + 2]! + n);
};

function admit(g: GateView, flags: number, bytes: number): number {
  const t = now();
  if (flags & F_FAIL) {
    const ops = g.f[OPS]! > 0 ? g.ops : undefined;
    const by = g.f[BYTES]! > 0 && bytes > 0 ? g.bytes : undefined;
    if (ops !== undefined && !ops.tryTake(1, t)) return GATE_EAGAIN;
    if (by !== undefined && !by.tryTake(bytes, t)) {
      ops?.refund(1);
      return GATE_EAGAIN;
    }
    return GATE_SERVE;
  }
  const { f, i } = g;
  while (Atomics.compareExchange(i, LOCK, 0, 1) !== 0);
  const wait = Math.max(reserveHeld(f, OPS, 1, t), reserveHeld(f, BYTES, bytes, t));
  if (wait > READER_MAX_WAIT_MS) {
    refundHeld(f, OPS, 1);
    refundHeld(f, BYTES, bytes);
  } else if (wait > 0) f[WAITED_MS] = f[WAITED_MS]! + wait;
  Atomics.store(i, LOCK, 0);
  if (wait > READER_MAX_WAIT_MS) return GATE_HANDOFF;
  if (wait > 0) sleep(g, wait);
  return GATE_SERVE;
}

/** Give back `bytes` (a short read) and, for a request handed over after all, its op too. */
export function gateUndo(g: GateView, write: boolean, bytes: number, op: boolean): void {
  const flags = Atomics.load(g.i, FLAGS);
  if (!(flags & F_THROTTLE) || !(flags & (write ? F_WRITE : F_READ))) return;
  if (op && g.f[OPS]! > 0) g.ops.refund(1);
  if (bytes > 0 && g.f[BYTES]! > 0) g.bytes.refund(bytes);
}
