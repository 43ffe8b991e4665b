import { FsError } from './errors.js';

/**
 * The one clock: injected everywhere time is read or waited for (layers, telemetry, the memory
 * backend's timestamps), so that tests run on a fake one (fake-clock.ts).
 */
export interface Clock {
  /** Epoch milliseconds, sub-millisecond precision; never jumps back. */
  now(): number;
  /** Epoch nanoseconds, for file timestamps: two updates in one millisecond still differ. */
  nowNs(): bigint;
  /** Resolves after `ms`; rejects with FsError('EINTR') when `signal` aborts (FUSE interrupt). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const interrupted = (): FsError => new FsError('EINTR', 'interrupted while delayed');

const NS_PER_MS = 1_000_000n;
/** Date.now() anchors nowNs to the epoch; process.hrtime.bigint() adds the precision. */
const anchorNs = BigInt(Date.now()) * NS_PER_MS;
const anchorHr = process.hrtime.bigint();

/**
 * performance.now() is monotonic; anchored at timeOrigin it gives epoch time that never jumps
 * back. Node's timers count from the event loop's cached time, which lags when the loop was busy
 * or asleep: a timer fires up to about 1 ms early (a 5 ms delay measured 4.6 ms through a mount).
 * The sleep re-arms until the monotonic clock has passed the deadline, so a delay is never
 * shorter than asked; timers have millisecond granularity, so it may be up to ~1 ms longer.
 */
export const systemClock: Clock = Object.freeze({
  now: () => performance.timeOrigin + performance.now(),
  nowNs: () => anchorNs + (process.hrtime.bigint() - anchorHr),
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
