import type { Clock } from './clock.js';
import { interrupted } from './clock.js';

interface Timer {
  due: number;
  seq: number;
  resolve(): void;
}

/** A clock that moves only when told to (tests). */
export interface FakeClock extends Clock {
  /** Moves `ms` on, waking the sleeps that fall due in due order (await it). */
  advance(ms: number): Promise<void>;
  /**
   * Moves on at once without waking sleeps: for code that reads the time while it runs (a slow
   * operation in a test). A number is milliseconds, a bigint nanoseconds.
   */
  tick(by: number | bigint): void;
  /** Sleeps not yet due. */
  pending(): number;
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
const NS_PER_MS = 1_000_000n;

export function createFakeClock(startMs = 1_700_000_000_000): FakeClock {
  let now = startMs;
  /** Nanoseconds moved by tick(bigint): below what a millisecond float can carry. */
  let extraNs = 0n;
  const startNs = BigInt(Math.round(startMs)) * NS_PER_MS;
  let seq = 0;
  const timers = new Set<Timer>();
  const nextDue = (limit: number): Timer | undefined => {
    let best: Timer | undefined;
    for (const t of timers) {
      if (
        t.due <= limit &&
        (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq))
      )
        best = t;
    }
    return best;
  };
  return {
    now: () => (extraNs === 0n ? now : now + Number(extraNs) / 1e6),
    nowNs: () => startNs + BigInt(Math.round((now - startMs) * 1e6)) + extraNs,
    pending: () => timers.size,
    tick(by) {
      if (typeof by === 'bigint') extraNs += by;
      else now += by;
    },
    sleep(ms, signal) {
      if (signal?.aborted === true) return Promise.reject(interrupted());
      if (ms <= 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer: Timer = { due: now + ms, seq: seq++, resolve };
        timers.add(timer);
        signal?.addEventListener(
          'abort',
          () => {
            if (timers.delete(timer)) reject(interrupted());
          },
          { once: true },
        );
      });
    },
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (let t = nextDue(target); t !== undefined; t = nextDue(target)) {
        timers.delete(t);
        now = Math.max(now, t.due);
        t.resolve();
        // Let the woken code run (and maybe sleep again) before the next timer fires.
        await settle();
      }
      now = target;
      await settle();
    },
  };
}
