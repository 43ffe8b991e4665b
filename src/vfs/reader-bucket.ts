/**
 * The reader gate's token buckets (src/vfs/reader-gate.ts): level and refill time of each in
 * shared memory, changed under one spin lock held for a few arithmetic operations. Float64 cells
 * of a bucket: [rate, capacity, level, last refill], at OPS and BYTES.
 */
export const LOCK = 0;
export const OPS = 0;
export const BYTES = 4;

export interface SharedBucket {
  reserve(n: number, t: number): number;
  tryTake(n: number, t: number): boolean;
  refund(n: number): void;
  full(t: number): boolean;
}

export function locked<T>(g: { i: Int32Array }, fn: () => T): T {
  while (Atomics.compareExchange(g.i, LOCK, 0, 1) !== 0);
  try {
    return fn();
  } finally {
    Atomics.store(g.i, LOCK, 0);
  }
}

interface Params {
  rate: number;
  cap: number;
}

/**
 * Refill bucket `b` to `t`, under the lock. A new buffer (level 0 at time 0) refills to full at
 * once; the level never exceeds the capacity of the config in force.
 */
function refill(f: Float64Array, b: number, t: number, p: Params): void {
  const gained = t > f[b + 3]! ? ((t - f[b + 3]!) / 1000) * p.rate : 0;
  f[b + 2] = Math.min(p.cap, f[b + 2]! + gained);
  f[b + 3] = Math.max(t, f[b + 3]!);
}

/**
 * Bucket `b` as a TokenBucket. The readers read rate and capacity from the gate (written at the
 * swap); the layer's main-thread form passes its own, so it works before the first swap too.
 */
export function sharedBucket(
  g: { i: Int32Array; f: Float64Array },
  b: number,
  own?: Params,
): SharedBucket {
  const { f } = g;
  const p = (): Params => own ?? { rate: f[b]!, cap: f[b + 1]! };
  return {
    reserve: (n, t) =>
      locked(g, () => {
        const q = p();
        refill(f, b, t, q);
        f[b + 2] = f[b + 2]! - n;
        return f[b + 2]! >= 0 ? 0 : (-f[b + 2]! / q.rate) * 1000;
      }),
    tryTake: (n, t) =>
      locked(g, () => {
        const q = p();
        refill(f, b, t, q);
        if (f[b + 2]! < n && f[b + 2]! < q.cap) return false;
        f[b + 2] = f[b + 2]! - n;
        return true;
      }),
    refund: (n) => locked(g, () => void (f[b + 2] = Math.min(p().cap, f[b + 2]! + n))),
    full: (t) =>
      locked(g, () => {
        const q = p();
        refill(f, b, t, q);
        return f[b + 2]! >= q.cap;
      }),
  };
}

/** The layer's main-thread handle on the shared bucket (the same tokens as the readers'). */
export function layerBucket(
  g: { i: Int32Array; f: Float64Array },
  which: 'ops' | 'bytes',
  rate: number,
  cap: number,
): SharedBucket {
  return sharedBucket(g, which === 'ops' ? OPS : BYTES, { rate, cap });
}
