import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ReaderPool, ReaderPoolOptions } from './reader-pool.js';
import type { ReaderData, ReaderMessage } from './reader-worker.js';
import { CONTROL_INTS, controlAt } from './reader-control.js';
import { createReaderDeaths } from './reader-deaths.js';
import { FAILPOINTS_ENV, parseFailpoints } from './failpoints.js';
import { createReaderGrowth } from './reader-growth.js';

/** A reader allocates nothing per request (frames live in the shared slots): a small heap. */
const READER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 };

/** Start reader 0 on the first fd now; the others start as the load asks (reader-growth.ts). */
export function startReaders(o: ReaderPoolOptions): ReaderPool {
  const { logger, server, direct } = o;
  const failpoints = parseFailpoints(process.env[FAILPOINTS_ENV]);
  let serveErrors = 0;
  const deaths = createReaderDeaths();
  /** The connection ended: a reader that dies now is not replaced. */
  let ended = false;
  const serveErrorsOf = new WeakMap<Worker, number>();
  const slots = Math.min(o.slotsPerReader ?? 8, 63);
  const slotSize = o.maxWrite + 4096 + 80;
  // Readers running and not ended: reader 0 from the start, the others as the load asks (reader-growth.ts).
  let live = 0;
  const workers: Worker[] = [];
  /** Per reader fd, the running count of its failed reply writes (reader-worker.ts). */
  const replyErrors = new Map<number, number>();

  /** Per running reader, its control ints (reader-control.ts). */
  const controls: Int32Array[] = [];
  const startReader = (index: number, replacement = false): void => {
    const fd = o.fds[index]!;
    const dataOffset = Math.ceil(((slots + CONTROL_INTS) * 4) / 64) * 64; // slot data 64-byte aligned
    const sab = new SharedArrayBuffer(dataOffset + slots * slotSize);
    const ctrl = new Int32Array(sab, 0, slots + CONTROL_INTS);
    let taken = 0;
    const bufs = Array.from({ length: slots }, (_, i) =>
      Buffer.from(sab, dataOffset + i * slotSize, slotSize),
    );
    const data: ReaderData = {
      fd,
      sab,
      slots,
      slotSize,
      dataOffset,
      ...(direct && { direct: direct.sab }),
      ...(direct?.mirror && { nodes: direct.mirror.sab }),
      ...(direct?.missRing && { misses: direct.missRing.sab }),
      ...(direct?.removalRing && { removals: direct.removalRing.sab }),
      ...(direct?.spanRing && { spans: direct.spanRing.sab }),
      ...(direct && o.readerTap && { tap: o.readerTap }),
      // The crash failpoint fires once, in the first reader: its replacement runs without it.
      failpoints: index === 0 && !replacement ? failpoints : { ...failpoints, crashAt: 0 },
    };
    const worker = new Worker(new URL('./reader-worker.js', import.meta.url), {
      workerData: data,
      resourceLimits: READER_LIMITS,
    });
    // Counted once the thread exists (the constructor can throw: no thread, nothing to end).
    controls[index] = ctrl;
    live++;
    workers.push(worker);

    const wake = controlAt(slots, 'wake');
    const release = (slot: number): void => {
      taken--;
      Atomics.store(ctrl, slot, 0);
      Atomics.add(ctrl, wake, 1);
      Atomics.notify(ctrl, wake);
    };
    const onFrame = async (slot: number, n: number, sampled: boolean): Promise<void> => {
      const buf = bufs[slot]!;
      const len = await server.serve(buf, n, slotSize, sampled);
      if (len >= 0) {
        try {
          writeSync(fd, buf, 0, len);
        } catch (err) {
          // ENOENT: the request was interrupted and is gone; ENODEV: the mount is gone.
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT' && code !== 'ENODEV')
            logger.warn({ err, fd }, 'reply write failed');
        }
      }
      release(slot);
    };
    worker.on('message', (m: ReaderMessage) => {
      if (typeof m === 'number') {
        // Every slot of this reader on the main thread: it cannot read the next request.
        if (++taken === slots) growth.saturated();
        // Negative: the reader drew the request into a layer's sample (reader-worker.ts).
        const frame = m < 0 ? -m - 1 : m;
        void onFrame(frame % 64, Math.floor(frame / 64), m < 0);
        return;
      }
      if (m.type === 'serve-error') {
        serveErrors += m.serveErrors - (serveErrorsOf.get(worker) ?? 0);
        serveErrorsOf.set(worker, m.serveErrors);
        logger.error(
          { fd, serveErrors: m.serveErrors, error: m.message },
          'a reader thread failed serving a request: answered EIO (at most one line per second)',
        );
        return;
      }
      if (m.type === 'reply-error') {
        replyErrors.set(fd, m.replyErrors);
        logger.warn(
          { fd, code: m.code, replyErrors: m.replyErrors },
          'a reader thread could not write a reply (at most one line per second)',
        );
        return;
      }
      replyErrors.set(fd, m.replyErrors);
      logger.debug({ fd, code: m.code }, 'reader stopped');
      if (m.code !== 'ENODEV') logger.error({ fd, code: m.code }, 'reading /dev/fuse failed');
      if (--live === 0) o.ended();
    });
    worker.on('error', (err) => {
      live--;
      workers.splice(workers.indexOf(worker), 1);
      if (deaths.died({ index, fd, ctrl, err, ended, logger })) replaceReader(index);
      if (live === 0) o.ended();
    });
    if (index > 0) logger.debug({ fd, readers: index + 1 }, 'reader started');
  };
  /** A new thread for a dead reader's fd; one that cannot start leaves the fd without. */
  const replaceReader = (index: number): void => {
    try {
      startReader(index, true);
    } catch (err) {
      logger.error({ err, fd: o.fds[index] }, 'a reader thread could not be replaced');
    }
  };
  const growth = createReaderGrowth({
    max: o.fds.length,
    start: startReader,
    sample: (i) => ({
      requests: Atomics.load(controls[i]!, controlAt(slots, 'requests')),
      inDirect: Atomics.load(controls[i]!, controlAt(slots, 'inDirect')) === 1,
      busyUs: Atomics.load(controls[i]!, controlAt(slots, 'busyUs')),
    }),
    handedOver: () => direct?.fsyncHandedOver ?? 0,
  });
  startReader(0);

  return {
    get running() {
      return live;
    },
    get replyErrors() {
      return [...replyErrors.values()].reduce((a, b) => a + b, 0);
    },
    get serveErrors() {
      return serveErrors;
    },
    get crashed() {
      return deaths.count;
    },
    stopGrowth: () => {
      ended = true;
      growth.stop();
    },
    async terminate() {
      ended = true;
      growth.stop();
      await Promise.allSettled(workers.map((w) => w.terminate()));
    },
  };
}
