/**
 * The main thread's view of the direct I/O table (direct-io.ts): which open handles and nodes
 * the reader threads may serve themselves, and the counters of what they served.
 */
import type { StackPlan } from '../../vfs/stack.js';
import type { MissRing } from './miss-ring.js';
import type { SpanRing } from './span-ring.js';
import type { NodeMirror } from './node-types.js';

/** What the readers answer metadata with (enableLookups). */
export interface LookupOptions {
  mirror: NodeMirror;
  entryTimeout: number;
  /**
   * LOOKUPs of missing names too (direct-miss.ts), listed in `ring` when kept; `keep`: the
   * session's part of the negative-entry rule (ops/negative-entry.ts: exclusive, an entry
   * timeout, no orphan answers); the plan's cacheMisses is the other.
   */
  misses?: { ring: MissRing; keep: boolean };
  /** UNLINKs too (direct-unlink.ts), the names removed listed in this ring (removals.ts). */
  removals?: MissRing;
  /** Where the readers list the drawn requests they serve themselves (span-ring.ts). */
  spans?: SpanRing;
}

/** The main thread's side: which open handles the readers may serve themselves. */
export interface DirectIoTable {
  readonly sab: SharedArrayBuffer;
  /**
   * Let the readers serve READ/WRITE of `fh` on `fd`; false when the table cannot take it.
   * With `nodeId`, the node is mapped to the fd of one of its registered handles for a
   * GETXATTR(security.capability) (direct-nodes.ts). `listed`: only READ, WRITE, FLUSH and
   * FSYNC, each listed for the layers (direct-layout.ts LISTED; no node mapped).
   */
  register(fh: number, fd: number, nodeId?: number, listed?: boolean): boolean;
  /** Before the fd is closed (RELEASE); a promise while a reader's GETXATTR still uses it. */
  unregister(fh: number): Promise<void> | undefined;
  /** Off clears every entry (a stack with layers must see every READ and WRITE). */
  setEnabled(on: boolean): void;
  /**
   * Nothing but this mount changes the source (`-o exclusive`): a GETATTR without a handle of a
   * node with a registered handle may be answered from that handle's fd (direct-attr.ts).
   */
  setExclusive(): void;
  /**
   * The node table's mirror the readers read (node-mirror.ts) and the session's entry timeout:
   * with both, a plan with `metaRoot` lets them answer LOOKUP of a known name and GETATTR of a
   * known node (direct-lookup.ts). Before any reader starts.
   */
  enableLookups(o: LookupOptions): void;
  /** The mirror given to enableLookups. */
  readonly mirror: NodeMirror | undefined;
  /** The miss ring and the removal ring given to enableLookups. */
  readonly missRing: MissRing | undefined;
  readonly removalRing: MissRing | undefined;
  readonly spanRing: SpanRing | undefined;
  /**
   * The stack's plan: readers serve READ/WRITE (readerData), counting them in the tap (tap),
   * through the reader forms of throttle and latency (gate). A per-handle plan (readerPerHandle)
   * clears every entry: they were let through by other layers than the plan's.
   */
  setPlan(
    plan: Pick<
      StackPlan,
      | 'readerData'
      | 'readerPerHandle'
      | 'readerGetattr'
      | 'metaRoot'
      | 'metaSample'
      | 'tap'
      | 'gate'
    > &
      Partial<Pick<StackPlan, 'cacheMisses'>>,
  ): void;
  /**
   * A POSIX record lock is asked for on `nodeId` (before the backend takes it): from here on a
   * FLUSH may have locks to release, and the readers hand every FLUSH to the main thread.
   */
  lockAsked(nodeId: number): void;
  /** `nodeId` has no open handle left: the backend dropped its locks with the last one. */
  nodeClosed(nodeId: number): void;
  /** Whether `nodeId` is counted (a lock was asked for on it and it is still open). */
  hasLockRequest(nodeId: number): boolean;
  readonly enabled: boolean;
  readonly tapping: boolean;
  /** The readers answer GETATTR with a registered handle (the plan's readerGetattr). */
  readonly servingGetattr: boolean;
  /** Nodes with lock requests that are still open (FLUSH goes to the main thread while > 0). */
  readonly lockedNodes: number;
  /** Nodes whose GETXATTR(security.capability) the readers may answer. */
  readonly mappedNodes: number;
  /** Handles currently served by the readers. */
  readonly size: number;
  /** READ/WRITE/FSYNC/FLUSH/GETATTR requests the readers served themselves so far. */
  readonly served: number;
  /** FSYNCs of registered files the readers handed over: no other reader was idle. */
  readonly fsyncHandedOver: number;
}
