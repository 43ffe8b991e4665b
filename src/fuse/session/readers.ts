import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log/logger.js';
import type { DirectIoTable } from './direct-io.js';
import type { ReaderData, ReaderMessage } from './reader-worker.js';
import { CONTROL_INTS, controlAt } from './reader-control.js';
import { answerInFlight, createReaderDeaths } from './reader-deaths.js';
import { FAILPOINTS_ENV, parseFailpoints } from './failpoints.js';
import { createReaderGrowth } from './reader-growth.js';
import type { RequestServer } from './server.js';

export interface ReaderPoolOptions {
  /** One reader thread per fd: the original /dev/fuse fd and its clones. */
  fds: number[];
  /** Requests in flight per reader (each holds one max_write + 4 KiB slot); at most 63. */
  slotsPerReader?: number;
  /** The connection's max_write: the size of one slot's data. */
  maxWrite: number;
  /** Serves the frames a reader hands to the main thread. */
  server: RequestServer;
  /** READ/WRITE served by the reader threads themselves (direct-io.ts); absent when off. */
  direct?: DirectIoTable;
  /** Where the readers count what they serve while the stack's plan taps them (ADR 0076). */
  readerTap?: SharedArrayBuffer;
  logger: Logger;
  /** Every started reader has ended (unmount, abort, or its thread crashed for good). */
  ended(): void;
  /** The environment to read failpoints from (failpoints.ts); process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export interface ReaderPool {
  /** Reader threads started, of at most one per fd (reader-growth.ts). */
  readonly running: number;
  /** Replies the reader threads could not write (not ENOENT/ENODEV), as last reported. */
  readonly replyErrors: number;
  /** Requests the reader threads served themselves that threw (answered EIO), as reported. */
  readonly serveErrors: number;
  /** Reader threads that died (each answered its request in flight; most were replaced). */
  readonly crashed: number;
  /** Start no more readers (the connection ended). */
  stopGrowth(): void;
  /** Start no more readers and end every reader thread. */
  terminate(): Promise<void>;
}

/**
 * A reader allocates nothing per request (frames live in the shared slots): a small heap is
 * plenty, and keeps each reader's resident memory down.
 */
const READER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 };

/** Start reader 0 on the first fd now; the others start as the load asks (reader-growth.ts). */
export function startReaders(o: ReaderPoolOptions): ReaderPool {
  const { logger, server, direct } = o;
  const failpoints = parseFailpoints((o.env ?? process.env)[FAILPOINTS_ENV]);
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
    controls[index] = ctrl;
    live++;
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
      ...(direct && o.readerTap && { tap: o.readerTap }),
      // The first reader's crash failpoint fires once: its replacement runs without it.
      ...(!replacement && { failpoints: index === 0 ? failpoints : { ...failpoints, crashAt: 0 } }),
    };
    const worker = new Worker(new URL('./reader-worker.js', import.meta.url), {
      workerData: data,
      resourceLimits: READER_LIMITS,
    });
    workers.push(worker);

    const wake = controlAt(slots, 'wake');
    const release = (slot: number): void => {
      taken--;
      Atomics.store(ctrl, slot, 0);
      Atomics.add(ctrl, wake, 1);
      Atomics.notify(ctrl, wake);
    };
    const onFrame = async (slot: number, n: number): Promise<void> => {
      const buf = bufs[slot]!;
      const len = await server.serve(buf, n, slotSize);
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
        void onFrame(m % 64, Math.floor(m / 64));
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
      const unanswered = answerInFlight(fd, ctrl);
      const { restart, lastMinute } = deaths.died(index);
      logger.error(
        { err, fd, unanswered, deathsLastMinute: lastMinute },
        restart && !ended ? 'reader thread crashed: replaced' : 'reader thread crashed: not replaced',
      );
      if (restart && !ended) startReader(index, true);
      else if (live === 0) o.ended();
    });
    if (index > 0) logger.debug({ fd, readers: index + 1 }, 'reader started');
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
      return growth.started;
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

