import { writeSync } from 'node:fs';
import type { Logger } from '../../log/logger.js';
import { CONTROL_INTS, controlAt, encodeErrorReply } from './reader-control.js';

/**
 * A reader thread that dies is replaced on its fd, at most this many times per reader per
 * minute: with one reader running (an idle mount), its death would otherwise end the mount.
 * A reader that keeps dying (a bug hit by every request) stays down once the budget is spent.
 */
export const READER_RESTARTS_PER_MINUTE = 5;
const MINUTE_MS = 60_000;
const EIO = 5;

export interface ReaderDeath {
  /** The reader's index (its fd's, in the pool's fd list), its fd and control ints. */
  index: number;
  fd: number;
  ctrl: Int32Array;
  err: unknown;
  /** The connection ended: its fds may be closed and their numbers reused, nothing is written. */
  ended: boolean;
  logger: Logger;
}

export interface ReaderDeaths {
  /**
   * A reader thread died: its request in flight is answered EIO (unless the connection ended),
   * the death logged; returns whether to replace it (the budget of the last minute allows).
   */
  died(d: ReaderDeath): boolean;
  /** Reader threads that died so far. */
  readonly count: number;
}

export function createReaderDeaths(now: () => number = () => performance.now()): ReaderDeaths {
  const recent = new Map<number, number[]>();
  let count = 0;
  return {
    died(d) {
      count++;
      const t = now();
      const times = (recent.get(d.index) ?? []).filter((x) => t - x < MINUTE_MS);
      times.push(t);
      recent.set(d.index, times);
      const unanswered = !d.ended && answerInFlight(d.fd, d.ctrl);
      const replace = !d.ended && times.length <= READER_RESTARTS_PER_MINUTE;
      d.logger.error(
        { err: d.err, fd: d.fd, unanswered, deathsLastMinute: times.length },
        replace ? 'reader thread crashed: replaced' : 'reader thread crashed: not replaced',
      );
      return replace;
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
