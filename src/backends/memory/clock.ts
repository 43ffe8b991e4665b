/** Wall-clock time in nanoseconds since the epoch; injected so tests can pin and advance it. */
export interface Clock {
  nowNs(): bigint;
}

const NS_PER_MS = 1_000_000n;

/**
 * The system clock at nanosecond resolution: Date.now() anchors it to the epoch and
 * process.hrtime.bigint() adds sub-millisecond precision, so two updates in one millisecond
 * still give distinct, increasing mtimes.
 */
export function createSystemClock(): Clock {
  const anchorNs = BigInt(Date.now()) * NS_PER_MS;
  const anchorHr = process.hrtime.bigint();
  return { nowNs: () => anchorNs + (process.hrtime.bigint() - anchorHr) };
}

/** A clock that only moves when told to (tests). */
export interface FakeClock extends Clock {
  advance(ns: bigint): void;
  set(ns: bigint): void;
}

export function createFakeClock(startNs = 1_700_000_000_000_000_000n): FakeClock {
  let now = startNs;
  return {
    nowNs: () => now,
    advance(ns) {
      now += ns;
    },
    set(ns) {
      now = ns;
    },
  };
}
