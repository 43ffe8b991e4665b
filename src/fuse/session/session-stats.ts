/** Counters of a session for `fs-interposer ctl MNT status`. */
import type { DirectIoTable } from './direct-io-table.js';
import type { HandleTable } from './handles.js';
import type { KeptMisses } from './kept-misses.js';
import type { ReaderPool } from './reader-pool.js';
import type { RequestServer } from './server.js';

export interface SessionStats {
  /** Requests the main thread is serving. */
  inFlight: number;
  /**
   * Reader threads running, of at most `max` (one per queue fd; reader-growth.ts); `crashed`:
   * reader threads that died (their request in flight answered EIO; replaced, readers.ts).
   */
  readers: { running: number; max: number; crashed: number };
  openHandles: number;
  /** READ/WRITE/FSYNC/FLUSH/GETATTR served by the reader threads themselves (direct-io.ts). */
  directIo:
    | {
        enabled: boolean;
        files: number;
        served: number;
        /** Open nodes with POSIX lock requests: FLUSH goes to the main thread while > 0. */
        lockedNodes: number;
        /** FSYNCs the readers handed to the main thread: no other reader was idle. */
        fsyncHandedOver: number;
        /**
         * Nodes in the node table's mirror (ADR 0087), whose LOOKUP and GETATTR the readers
         * may answer; `unmirrored`: nodes and names it had no room for so far (the main
         * thread serves those).
         */
        mirroredNodes: number;
        unmirrored: number;
        /** LOOKUPs of missing names the readers answered (direct-miss.ts), kept or not. */
        missesAnswered: number;
        /** UNLINKs the readers answered (direct-unlink.ts). */
        unlinksAnswered: number;
        /** Nodes the readers made for LOOKUPs of names that exist (direct-new-node.ts). */
        nodesMade: number;
        /**
         * Requests drawn into a layer's sample (trace) that the readers served themselves and
         * told the layer of afterwards (span-ring.ts).
         */
        drawnServed: number;
        /**
         * Data requests of files a layer records (trace: the files it traces) that the readers
         * served and listed for it (span-ring.ts).
         */
        listedServed: number;
      }
    | 'off';
  /** Replies the reader threads could not write (not ENOENT/ENODEV), as last reported. */
  readerReplyErrors: number;
  /** Requests the reader threads served themselves that threw: answered EIO, logged. */
  readerServeErrors: number;
  /** Negative entries handed to the kernel and listed to take back at a swap (kept-misses.ts). */
  keptMisses: number;
}

/** What the counters are read from. */
export interface StatsSources {
  server: RequestServer;
  readers: ReaderPool;
  /** One reader per queue fd. */
  maxReaders: number;
  handles: HandleTable;
  direct: DirectIoTable | undefined;
  misses: KeptMisses;
}

/** The counters as they stand. */
export function sessionStats(o: StatsSources): SessionStats {
  return {
    inFlight: o.server.inFlight,
    readers: { running: o.readers.running, max: o.maxReaders, crashed: o.readers.crashed },
    openHandles: o.handles.size,
    directIo: o.direct
      ? {
          enabled: o.direct.enabled,
          files: o.direct.size,
          served: o.direct.served,
          lockedNodes: o.direct.lockedNodes,
          fsyncHandedOver: o.direct.fsyncHandedOver,
          mirroredNodes: o.direct.mirror?.size ?? 0,
          unmirrored: o.direct.mirror?.refused ?? 0,
          missesAnswered: o.direct.missRing?.answered ?? 0,
          unlinksAnswered: o.direct.removalRing?.answered ?? 0,
          nodesMade: o.direct.mirror?.made ?? 0,
          drawnServed: o.direct.spanRing?.told ?? 0,
          listedServed: o.direct.spanRing?.toldData ?? 0,
        }
      : 'off',
    readerReplyErrors: o.readers.replyErrors,
    readerServeErrors: o.readers.serveErrors,
    keptMisses: o.misses.size,
  };
}
