import { writeSync } from 'node:fs';
import { CONTROL_INTS, controlAt, encodeErrorReply } from './reader-control.js';

/**
 * A reader thread that dies is replaced on its fd, at most this many times per reader per
 * minute: with one reader running (an idle mount), its death would otherwise end the mount.
 * A reader that keeps dying (a bug hit by every request) stays down once the budget is spent.
 */
export const READER_RESTARTS_PER_MINUTE = 5;
const MINUTE_MS = 60_000;
const EIO = 5;

export interface ReaderDeaths {
  /** Reader `index` died: whether to replace it (the budget of the last minute allows). */
  died(index: number): { restart: boolean; lastMinute: number };
  /** Reader threads that died so far. */
  readonly count: number;
}

export function createReaderDeaths(now: () => number = () => performance.now()): ReaderDeaths {
  const recent = new Map<number, number[]>();
  let count = 0;
  return {
    died(index) {
      count++;
      const t = now();
      const times = (recent.get(index) ?? []).filter((x) => t - x < MINUTE_MS);
      times.push(t);
      recent.set(index, times);
      return { restart: times.length <= READER_RESTARTS_PER_MINUTE, lastMinute: times.length };
    },
    get count() {
      return count;
    },
  };
}

/**
 * The request a dead reader had read and neither answered nor handed over (reader-control.ts,
 * unique0/unique1) gets EIO, so its caller does not wait until the connection is aborted.
 * Returns whether there was one. A reply to a request already answered or interrupted is
 * refused by the kernel (ENOENT), as is any reply once the connection is gone (ENODEV).
 */
export function answerInFlight(fd: number, ctrl: Int32Array): boolean {
  const slots = ctrl.length - CONTROL_INTS;
  const lo = Atomics.load(ctrl, controlAt(slots, 'unique0'));
  const hi = Atomics.load(ctrl, controlAt(slots, 'unique1'));
  if (lo === 0 && hi === 0) return false;
  const buf = Buffer.alloc(16);
  try {
    writeSync(fd, buf, 0, encodeErrorReply(buf, lo, hi, EIO));
  } catch {
    // ENOENT or ENODEV: nobody waits for this answer any more.
  }
  return true;
}
