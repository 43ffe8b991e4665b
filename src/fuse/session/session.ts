import { randomInt } from 'node:crypto';
import { closeSync } from 'node:fs';
import type { Logger } from '../../log/logger.js';
import type { StackPort } from '../../vfs/stack.js';
import { createBackingTable } from './backing.js';
import { readerGateOf } from '../../vfs/reader-tap.js';
import { createDirectIoTable } from './direct-io.js';
import { handlePath } from './context.js';
import type { CacheTimes, SessionContext } from './context.js';
import { createHandleTable } from './handles.js';
import type { NegotiatedInit } from '../mount/init.js';
import { createNodeTable } from './nodes.js';
import { createMissRing } from './miss-ring.js';
import { journalOf, removalsAbsorber } from './removals.js';
import { createNodeMirror } from './node-mirror.js';
import { invalidateAllNodes, sendInvalInode } from './invalidation.js';
import { createKeptMisses } from './kept-misses.js';
import { createNameChanges } from './name-changes.js';
import { startReaders } from './readers.js';
import { sessionStats } from './session-stats.js';
import type { SessionStats } from './session-stats.js';
import { createRequestServer } from './server.js';
import { createSpanRing } from './span-ring.js';
import type { SpanRing } from './span-ring.js';
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

const cacheTimes = (t: Partial<CacheTimes> | undefined): CacheTimes => ({
  entryTimeout: t?.entryTimeout ?? 1,
  attrTimeout: t?.attrTimeout ?? 1,
});

/** What the requests reach of the kernel features this connection has (orphans, passthrough). */
function wireKernelFeatures(ctx: SessionContext, o: SessionOptions): void {
  if (o.answerOrphans === true)
    ctx.answerOrphan = (unique, errno) => answerOnEveryFd(o.fds, unique, errno);
  if (o.init.passthrough) {
    const backing = createBackingTable({ devFd: o.fds[0]!, logger: ctx.logger });
    ctx.openBacking = (fd) => backing.open(fd);
    ctx.closeBacking = (id) => backing.close(id);
  }
}

/** Serve a mounted FUSE connection whose INIT is already answered. */
export function createSession(o: SessionOptions): FuseSession {
  const logger = o.logger.child({ component: 'fuse-session' });
  const epoch = randomInt(1, 0x1f_ffff);
  // Enabled at the start when the readers answer lookups (below), else by the first OPEN under
  // an empty stack (ops/file-open.ts); a swap to layers clears it.
  const gate = o.stack.readerTap === undefined ? undefined : readerGateOf(o.stack.readerTap);
  const times = cacheTimes(o.times);
  // The readers' GETATTR replies carry the same attribute timeout as the main thread's.
  const direct =
    o.directIo === false
      ? undefined
      : createDirectIoTable(epoch, undefined, gate, times.attrTimeout);
  if (o.exclusive === true) direct?.setExclusive();
  // The node table's mirror for the readers' LOOKUP, GETATTR, UNLINK (ADR 0087); the misses they
  // keep and names they remove (direct-unlink.ts says when) go to kept-misses.ts, removals.ts.
  const mirror = direct === undefined ? undefined : createNodeMirror();
  const ring = mirror && createMissRing();
  const removals = mirror && o.answerOrphans !== true ? createMissRing() : undefined;
  const handles = createHandleTable(epoch);
  let spans: SpanRing | undefined;
  if (mirror) {
    const keep = o.exclusive === true && times.entryTimeout > 0 && o.answerOrphans !== true;
    const misses = { ring: ring!, keep };
    // The drawn requests the readers serve, told to the stack (a port that cannot be told has
    // them handed over to the main thread as before: no ring).
    if (typeof o.stack.readerServed === 'function')
      spans = createSpanRing(o.stack, { logger, handleOf: (fh) => fileOf(ctx, fh) });
    direct?.enableLookups({ mirror, entryTimeout: times.entryTimeout, misses, removals, spans });
    // They need no open file: the plan applies from the start (data requests only reach the
    // table once a file is registered at OPEN).
    direct?.setPlan(o.stack.plan());
  }
  // Under crash custody the readers journal what they make and remove (direct-journal.ts).
  const custody =
    o.stateDir === undefined ? undefined : openCustody(o.stateDir, logger, mirror, !!removals);
  if (custody && removals) mirror!.setJournalFd(custody.journal.fd);
  const nodes = custody?.nodes ?? createNodeTable({ ...(mirror && { mirror }) });
  const misses = createKeptMisses({
    fd: o.fds[0]!,
    nodes,
    minor: o.init.minor,
    logger,
    ...(ring && { ring }),
  });
  const ctx: SessionContext = {
    nodes,
    misses,
    nameChanges: createNameChanges(ring?.names),
    ...(custody && { intents: custody.intents }),
    ...(direct && { direct }),
    handles,
    init: o.init,
    times,
    exclusive: o.exclusive === true,
    logger,
    stack: o.stack,
    invalidateAttrs: (ids) => {
      for (const id of ids) void sendInvalInode(o.fds[0]!, id, -1n).catch(() => undefined);
    },
  };
  wireKernelFeatures(ctx, o);
  const absorbRemovals =
    removals && removalsAbsorber(removals, ctx, custody && journalOf(custody, mirror!), mirror);
  // Before any request the main thread serves: the readers' changes to the node table, and the
  // layers told of the drawn requests the readers answered (in the order of their replies).
  if (absorbRemovals || spans)
    ctx.absorb = () => {
      absorbRemovals?.();
      spans?.drain();
    };
  const server = createRequestServer(ctx);
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  void server.destroyed.then(() => finish());
  const readers = startReaders({
    fds: o.fds,
    slotsPerReader: o.slotsPerReader,
    maxWrite: o.init.maxWrite,
    server,
    direct,
    readerTap: o.stack.readerTap,
    logger,
    ended: () => finish(),
  });
  void done.then(() => {
    readers.stopGrowth();
    // The last drawn requests told before the layers close (the CLI closes them after `done`).
    spans?.drain();
    spans?.stop();
  });

  return {
    done,
    invalidateAll: () =>
      invalidateAllNodes({
        fd: o.fds[0]!,
        nodes: ctx.nodes,
        direct,
        stack: o.stack,
        misses,
        ...(ctx.absorb && { absorb: ctx.absorb }),
        logger,
      }),
    get inFlight() {
      return server.inFlight;
    },
    stats: () =>
      sessionStats({
        server,
        readers,
        maxReaders: o.fds.length,
        handles: ctx.handles,
        direct,
        misses,
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
      await readers.terminate();
      // What the readers served last, told before the stack is closed.
      spans?.drain();
      spans?.stop();
      custody?.journal.close();
      custody?.intents.close();
      finish();
    },
  };
}

/**
 * A listed handle's path (the node's now, as the main thread's data requests take it: a
 * rename since the OPEN shows) and backend handle, for the span ring (span-ring.ts HandleOf).
 */
function fileOf(ctx: SessionContext, fh: number): { path: string; backendFh: number } | undefined {
  const h = ctx.handles.get(fh);
  return h?.kind === 'file' ? { path: handlePath(ctx, h), backendFh: h.backendFh } : undefined;
}
