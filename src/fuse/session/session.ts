import { randomInt } from 'node:crypto';
import { closeSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log/logger.js';
import type { StackPort } from '../../vfs/stack.js';
import { createBackingTable } from './backing.js';
import { readerGateOf } from '../../vfs/reader-tap.js';
import { createDirectIoTable } from './direct-io.js';
import type { CacheTimes, SessionContext } from './context.js';
import { createHandleTable } from './handles.js';
import type { NegotiatedInit } from '../mount/init.js';
import { createNodeTable } from './nodes.js';
import { NotifyCode } from '../protocol/constants.js';
import { writeU64 } from '../protocol/decode.js';
import { encodeNotifyHeader } from '../protocol/encode.js';
import { OUT_HEADER_SIZE } from '../protocol/layout.js';
import type { ReaderData, ReaderMessage } from './reader-worker.js';
import { CONTROL_INTS, controlAt } from './reader-control.js';
import { createReaderGrowth } from './reader-growth.js';
import { createRequestServer } from './server.js';
import { answerOnEveryFd } from '../custody/orphans.js';
import { openCustody } from '../custody/open-custody.js';

export interface SessionOptions {
  /** One reader thread per fd: the original /dev/fuse fd and its clones. */
  fds: number[];
  init: NegotiatedInit;
  /** The live layer stack (ADR 0076): requests run through it, counted; its plan is read per request. */
  stack: StackPort;
  logger: Logger;
  times?: Partial<CacheTimes>;
  /**
   * Nothing else writes the source: open files keep their page cache (FOPEN_KEEP_CACHE) while
   * the stack's plan lets the data path skip the layers (no layer needs to see every read).
   */
  exclusive?: boolean;
  /** Requests in flight per reader (each holds one max_write + 4 KiB slot). */
  slotsPerReader?: number;
  /**
   * Serve READ/WRITE of files opened under an empty stack in the reader threads (default on;
   * direct-io.ts). Off: every request goes through the main thread.
   */
  directIo?: boolean;
  /**
   * Crash custody: where this connection's node journal and intent log live. A successor given
   * the same directory resolves every node ID its predecessor handed out.
   */
  stateDir?: string;
  /**
   * A kernel without FUSE_NOTIFY_RESEND (before 6.9): requests a dead predecessor had read are
   * never re-queued. When the kernel sends an INTERRUPT for one (the app got a signal), it is
   * answered EINTR on every fd (the request sits on the processing list of the fd that read it).
   */
  answerOrphans?: boolean;
}

export interface FuseSession {
  /** Resolves when every reader saw the connection end (unmount, abort) or on DESTROY. */
  readonly done: Promise<void>;
  readonly inFlight: number;
  /**
   * After a live stack swap: the reader threads stop serving READ/WRITE themselves if the new
   * stack has layers, and the kernel's cached data and attributes of every node go (so the
   * new layers see the next reads). Written from the threadpool: an invalidation can wait on a
   * page lock held by a READ that the main thread has yet to answer.
   */
  invalidateAll(): Promise<number>;
  /** Counters for `fs-interposer ctl MNT status`. */
  stats(): SessionStats;
  /** Abort in-flight requests and close our fds (the kernel aborts what is still queued). */
  close(): Promise<void>;
}

export interface SessionStats {
  /** Requests the main thread is serving. */
  inFlight: number;
  /** Reader threads running, of at most `max` (one per queue fd; reader-growth.ts). */
  readers: { running: number; max: number };
  openHandles: number;
  /** READ/WRITE/FSYNC/FLUSH served by the reader threads themselves (direct-io.ts). */
  directIo:
    | {
        enabled: boolean;
        files: number;
        served: number;
        /** Open nodes with POSIX lock requests: FLUSH goes to the main thread while > 0. */
        lockedNodes: number;
        /** FSYNCs the readers handed to the main thread: no other reader was idle. */
        fsyncHandedOver: number;
      }
    | 'off';
  /** Replies the reader threads could not write (not ENOENT/ENODEV), as last reported. */
  readerReplyErrors: number;
}

/**
 * A reader allocates nothing per request (frames live in the shared slots): a small heap is
 * plenty, and keeps each reader's resident memory down.
 */
const READER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 };

const writeAsync = promisify(write);

/**
 * FUSE_NOTIFY_INVAL_INODE: from `offset` on, the node's cached pages go (-1: none, attributes
 * only); its attributes always. Written from the threadpool: an invalidation can wait on a page
 * lock held by a READ that the main thread has yet to answer.
 */
async function sendInvalInode(fd: number, nodeId: number, offset: bigint): Promise<void> {
  const msg = Buffer.alloc(OUT_HEADER_SIZE + 24);
  encodeNotifyHeader(msg, msg.length, NotifyCode.INVAL_INODE);
  writeU64(msg, OUT_HEADER_SIZE, nodeId);
  msg.writeBigInt64LE(offset, OUT_HEADER_SIZE + 8);
  msg.writeBigInt64LE(0n, OUT_HEADER_SIZE + 16); // length 0: to the end
  await writeAsync(fd, msg, 0, msg.length, null);
}

/** Serve a mounted FUSE connection whose INIT is already answered. */
export function createSession(o: SessionOptions): FuseSession {
  const logger = o.logger.child({ component: 'fuse-session' });
  const slots = Math.min(o.slotsPerReader ?? 8, 63);
  const slotSize = o.init.maxWrite + 4096 + 80;
  const custody = o.stateDir === undefined ? undefined : openCustody(o.stateDir, logger);
  const epoch = randomInt(1, 0x1f_ffff);
  // Enabled by the first OPEN under an empty stack (ops/file.ts), cleared by a swap to layers.
  const gate = o.stack.readerTap === undefined ? undefined : readerGateOf(o.stack.readerTap);
  const direct = o.directIo === false ? undefined : createDirectIoTable(epoch, undefined, gate);
  const ctx: SessionContext = {
    nodes: custody?.nodes ?? createNodeTable(),
    ...(custody && { intents: custody.intents }),
    ...(direct && { direct }),
    handles: createHandleTable(epoch),
    init: o.init,
    times: { entryTimeout: o.times?.entryTimeout ?? 1, attrTimeout: o.times?.attrTimeout ?? 1 },
    exclusive: o.exclusive === true,
    logger,
    stack: o.stack,
    invalidateAttrs: (ids) => {
      for (const id of ids) void sendInvalInode(o.fds[0]!, id, -1n).catch(() => undefined);
    },
  };
  if (o.answerOrphans === true) ctx.answerOrphan = (unique, errno) => answerOnEveryFd(o.fds, unique, errno);
  if (o.init.passthrough) {
    const backing = createBackingTable({ devFd: o.fds[0]!, logger });
    ctx.openBacking = (fd) => backing.open(fd);
    ctx.closeBacking = (id) => backing.close(id);
  }
  const server = createRequestServer(ctx);
  // Readers running and not ended: reader 0 from the start, the others as the load asks (reader-growth.ts).
  let live = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  void server.destroyed.then(() => finish());
  const workers: Worker[] = [];
  /** Per reader fd, the running count of its failed reply writes (reader-worker.ts). */
  const replyErrors = new Map<number, number>();

  /** Per running reader, its control ints (reader-control.ts). */
  const controls: Int32Array[] = [];
  const startReader = (index: number): void => {
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
      ...(direct && o.stack.readerTap && { tap: o.stack.readerTap }),
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
      if (--live === 0) finish();
    });
    worker.on('error', (err) => {
      logger.error({ err, fd }, 'reader thread crashed');
      if (--live === 0) finish();
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
  void done.then(() => growth.stop());

  const invalidateAll = async (): Promise<number> => {
    // A stack with layers must see every READ and WRITE: the readers stop serving them at once.
    direct?.setPlan(o.stack.plan());
    let sent = 0;
    for (const id of [...ctx.nodes.ids()]) {
      try {
        await sendInvalInode(o.fds[0]!, id, 0n);
        sent++;
      } catch (err) {
        // ENOENT: the kernel no longer has that inode; anything else is worth a line.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          logger.debug({ err, id }, 'invalidation failed');
      }
    }
    return sent;
  };

  return {
    done,
    invalidateAll,
    get inFlight() {
      return server.inFlight;
    },
    stats: () => ({
      inFlight: server.inFlight,
      readers: { running: growth.started, max: o.fds.length },
      openHandles: ctx.handles.size,
      directIo: direct
        ? {
            enabled: direct.enabled,
            files: direct.size,
            served: direct.served,
            lockedNodes: direct.lockedNodes,
            fsyncHandedOver: direct.fsyncHandedOver,
          }
        : 'off',
      readerReplyErrors: [...replyErrors.values()].reduce((a, b) => a + b, 0),
    }),
    async close() {
      server.abortAll();
      for (const fd of o.fds) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
      }
      growth.stop();
      await Promise.allSettled(workers.map((w) => w.terminate()));
      custody?.journal.close();
      custody?.intents.close();
      finish();
    },
  };
}
