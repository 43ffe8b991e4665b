/**
 * A token bucket with debt: `reserve` always takes the tokens and returns how long the caller
 * must wait for the balance to be paid back. Waiters are thereby served in arrival order and the
 * long-run rate is exact (no lost refill between wake-ups), which a "sleep then retry" loop is not.
 */
export interface TokenBucket {
  /** Take n now; resolve the returned wait (ms) before proceeding. */
  reserve(n: number, now: number): number;
  /** Take n only if available now (fail-fast mode). A full bucket admits any size. */
  tryTake(n: number, now: number): boolean;
  /** Give back tokens not used (a short read, an interrupted wait). */
  refund(n: number): void;
  /** True when refilled to capacity: such a bucket is equivalent to a new one. */
  full(now: number): boolean;
}

export function createTokenBucket(
  ratePerSecond: number,
  capacity: number,
  now: number,
): TokenBucket {
  let tokens = capacity;
  let last = now;
  const refill = (t: number): void => {
    if (t > last) {
      tokens = Math.min(capacity, tokens + ((t - last) / 1000) * ratePerSecond);
      last = t;
    }
  };
  return {
    reserve(n, t) {
      refill(t);
      tokens -= n;
      return tokens >= 0 ? 0 : (-tokens / ratePerSecond) * 1000;
    },
    tryTake(n, t) {
      refill(t);
      if (tokens >= n || tokens >= capacity) {
        tokens -= n;
        return true;
      }
      return false;
    },
    refund(n) {
      tokens = Math.min(capacity, tokens + n);
    },
    full(t) {
      refill(t);
      return tokens >= capacity;
    },
  };
}
