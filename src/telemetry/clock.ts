/**
 * Wall-clock time in milliseconds since the epoch, with sub-millisecond precision. Injected into
 * the observability layers so that tests control durations and timestamps.
 */
export interface Clock {
  now(): number;
}

/** performance.now() is monotonic; anchoring it at timeOrigin gives epoch time that never jumps back. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.timeOrigin + performance.now(),
});

/** A clock that only moves when told to (tests). */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function createManualClock(startMs = 1_700_000_000_000): ManualClock {
  let t = startMs;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
}
