/**
 * How many reader threads run. Each is a V8 isolate (~7 MiB resident), and an idle mount needs
 * one: the others start when the load asks for them, and then stay. The kernel queues requests
 * once for all cloned fds, so an fd without a reader yet holds nothing back. A reader is added
 * when the running ones read many requests per tick (parallel I/O), when one of them has all its
 * slots taken by the main thread (lock waits, slow layers: the capacity the full count gives),
 * or when one has sat in one request of its own (READ, WRITE, FSYNC, FLUSH: direct-io.ts) for a
 * whole tick (a slow backing store, which would otherwise stall every other request behind it),
 * or when one has spent most of a tick serving requests itself (a store a few milliseconds away:
 * requests wait in the kernel's queue while it does, far under the busy request rate),
 * or when a reader handed an FSYNC to the main thread for want of another idle reader (with one
 * reader that is every FSYNC: the second lets the readers serve them, direct-layout.ts).
 */
export interface ReaderSample {
  /** Requests read so far (wraps at 2^31). */
  requests: number;
  /** Serving a request itself right now (READ, WRITE, FSYNC, FLUSH). */
  inDirect: boolean;
  /** Microseconds spent serving requests itself so far (wraps at 2^31). */
  busyUs: number;
}

export interface ReaderGrowthOptions {
  /** The most readers there may be (one per queue fd); reader 0 runs from the start. */
  max: number;
  /** Start reader `index` (1, 2, ... in order). */
  start(index: number): void;
  /** What started reader `index` shows now. */
  sample(index: number): ReaderSample;
  /** How often to look, ms. */
  tickMs?: number;
  /** Requests read in one tick, by all running readers together, that call for one more. */
  busyRequests?: number;
  /** Share of a tick one reader spent serving requests itself that calls for one more (0-1). */
  busyShare?: number;
  /** The clock, ms (performance.now). */
  now?: () => number;
  /** FSYNCs handed to the main thread so far for want of an idle reader (wraps). */
  handedOver?: () => number;
}

export interface ReaderGrowth {
  /** Readers running. */
  readonly started: number;
  /** A running reader's slots are all taken: start one more now. */
  saturated(): void;
  /** One look, as the timer takes it. */
  tick(): void;
  stop(): void;
}

const IDLE: ReaderSample = { requests: 0, inDirect: false, busyUs: 0 };

/**
 * One reader's look, `s` against the last one: it sat in one request of its own the whole tick,
 * or spent at least `busyShare` of the tick's `tickUs` serving requests itself.
 */
function isStuck(
  s: ReaderSample,
  before: ReaderSample,
  tickUs: number,
  busyShare: number,
): boolean {
  if (s.inDirect && before.inDirect && s.requests === before.requests) return true;
  return tickUs > 0 && ((s.busyUs - before.busyUs) | 0) >= busyShare * tickUs;
}

export function createReaderGrowth(o: ReaderGrowthOptions): ReaderGrowth {
  const busy = o.busyRequests ?? 250;
  const busyShare = o.busyShare ?? 0.6;
  const now = o.now ?? (() => performance.now());
  const last: ReaderSample[] = [IDLE];
  let lastTick = now();
  let handed = o.handedOver?.() ?? 0;
  let started = 1;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const grow = (): void => {
    if (started >= o.max) return;
    o.start(started);
    last[started] = IDLE;
    started++;
    if (started >= o.max) stop();
  };
  const tick = (): void => {
    let read = 0;
    let stuck = false;
    const t = now();
    const tickUs = (t - lastTick) * 1000;
    lastTick = t;
    for (let i = 0; i < started; i++) {
      const s = o.sample(i);
      const before = last[i]!;
      read += (s.requests - before.requests) | 0;
      if (isStuck(s, before, tickUs, busyShare)) stuck = true;
      last[i] = s;
    }
    const handedNow = o.handedOver?.() ?? 0;
    const handedMore = handedNow !== handed;
    handed = handedNow;
    if (read >= busy || stuck || handedMore) grow();
  };
  if (o.max > 1) {
    timer = setInterval(tick, o.tickMs ?? 250);
    timer.unref();
  }
  return {
    get started() {
      return started;
    },
    saturated: grow,
    tick,
    stop,
  };
}
