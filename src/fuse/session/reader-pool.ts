/** The main thread's pool of reader threads (readers.ts): what it is given and what it shows. */
import type { Logger } from '../../log/logger.js';
import type { DirectIoTable } from './direct-io-table.js';
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
}

export interface ReaderPool {
  /** Reader threads running (started, not ended), of at most one per fd (reader-growth.ts). */
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
