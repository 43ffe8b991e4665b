import { FsError } from '../vfs/errors.js';

/**
 * Time for the disturbance layers: `now()` in epoch milliseconds (the same unit as the telemetry
 * Clock, so one object can serve both) and a cancellable `sleep`. Injected so that latency and
 * throttle tests run on a fake clock in microseconds of real time.
 */
export interface LayerClock {
  now(): number;
  /** Resolves after `ms`; rejects with FsError('EINTR') when `signal` aborts (FUSE interrupt). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const interrupted = (): FsError => new FsError('EINTR', 'interrupted while delayed');

/**
 * Node's timers count from the event loop's cached time, which lags when the loop was busy or
 * asleep: a timer fires up to about 1 ms early (a 5 ms delay measured 4.6 ms through a mount).
 * The sleep re-arms until the monotonic clock has passed the deadline, so a delay is never
 * shorter than asked; timers have millisecond granularity, so it may be up to ~1 ms longer.
 */
export const systemLayerClock: LayerClock = Object.freeze({
  now: () => performance.timeOrigin + performance.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(interrupted());
    if (ms <= 0) return Promise.resolve();
    const deadline = performance.now() + ms;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout;
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(interrupted());
      };
      const arm = (wait: number): void => {
        timer = setTimeout(() => {
          const left = deadline - performance.now();
          if (left > 0) return arm(left);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, wait);
      };
      arm(ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
});

interface Timer {
  due: number;
  seq: number;
  resolve(): void;
}

/** A clock that moves only when `advance` is awaited; timers fire in due order. */
export interface FakeLayerClock extends LayerClock {
  advance(ms: number): Promise<void>;
  /** Sleeps not yet due. */
  pending(): number;
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

export function createFakeLayerClock(startMs = 1_700_000_000_000): FakeLayerClock {
  let now = startMs;
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
    now: () => now,
    pending: () => timers.size,
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
