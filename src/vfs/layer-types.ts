/**
 * A layer of the stack (src/layers): how it wraps each op, and what it tells the stack's plan
 * about the requests the reader threads may serve without it (ADR 0076, 0087).
 */
import type { GateConfig } from './reader-gate.js';
import type { FsOp, OpResultMap } from './op-maps.js';
import type { OpCall } from './types.js';

/** How a request a reader thread served ended (Layer.readerServed). */
export interface ServedOutcome {
  /** Epoch milliseconds: the reader's start of the request and the reply written. */
  readonly start: number;
  readonly end: number;
  /** The errno it answered (positive); absent: success. */
  readonly errno?: number;
  /** The inode number its reply named (LOOKUP, GETATTR). */
  readonly ino?: bigint;
  /** The bytes it moved (READ, WRITE). */
  readonly bytes?: number;
}

export interface Layer {
  readonly name: string;
  /**
   * Wrap one op. Call `next()` to pass the call on (possibly after changing `call.args` in place,
   * e.g. shortening a buffer), or throw an FsError, or answer without calling next.
   */
  around<O extends FsOp>(
    call: OpCall<O>,
    next: () => Promise<OpResultMap[O]>,
  ): Promise<OpResultMap[O]>;
  /** True when the layer needs to see file data (disables kernel passthrough and caches). */
  readonly needsData?: boolean;
  /**
   * True when the reader tap is all this layer needs of the requests the reader threads serve
   * themselves (ADR 0076, ADR 0087: READ, WRITE, FLUSH, FSYNC, GETATTR, GETXATTR, LOOKUP,
   * UNLINK, SETATTR; the list is TAP_OPS): those requests then skip `around`, and the layer takes
   * their counts from the tap (src/vfs/reader-tap.ts). Every other op still goes through `around`.
   */
  readonly readerTap?: boolean;
  /**
   * The layer's reader-side form for READ/WRITE (throttle, latency; src/vfs/reader-gate.ts):
   * the reader threads apply it themselves and those requests skip `around`. Absent: any
   * READ/WRITE under this layer goes through the main thread.
   */
  readonly readerGate?: GateConfig;
  /**
   * True when the layer, as configured, does nothing to the requests the reader threads serve
   * (READ, WRITE, FSYNC, FLUSH of registered files; src/fuse/session/direct-io.ts): no delay, no
   * fault, no count, no random draw, and nothing that can change before the next stack swap
   * (which computes a new plan). Those requests then skip `around`; every other op still goes
   * through it.
   */
  readonly readerIdle?: boolean;
  /**
   * Present when the layer decides per open file whether it must see READ/WRITE/FSYNC/FLUSH
   * (trace: only sampled files get spans). Asked on the main thread right after open/create
   * answered with the backend's handle `fh`: true when the layer has nothing to do for that
   * handle's data requests until its release, which still goes through `around`. A handle it
   * does not know must answer false.
   */
  readerServes?(fh: number): boolean;
  /**
   * For a handle `readerServes` declines: true when the readers may serve its READ, WRITE,
   * FLUSH and FSYNC all the same, listing each for `readerServed` (with `call.args.fh` the
   * backend's handle): the layer records them after the fact (trace: the spans of a file it
   * traces). Asked right after readerServes; absent or false: they go through `around`.
   */
  readerLists?(fh: number): boolean;
  /**
   * The metadata requests the reader threads may answer themselves (LOOKUP of a known name,
   * GETATTR, GETXATTR of security.capability: StackPlan.readerGetattr) are ones this layer acts
   * on only in this share (0..1) of them, drawn per request, and passes on untouched otherwise
   * (trace's per-op sampling). A reader then draws itself: it answers what is not drawn and
   * hands what is to the main thread with OpCall.sampled, which the layer must act on without
   * drawing again. Absent: the layer keeps those requests on the main thread.
   */
  readonly readerMetaSample?: number;
  /**
   * Under readerMetaSample: told, on the main thread and after the fact, of a request a reader
   * drew into this layer's sample and served itself (src/fuse/session/span-ring.ts), with the
   * times it took and its answer; what the layer records of a drawn request it records here
   * (trace: the op's span). A reader that cannot tell it so hands the request over as above.
   * `call.args` holds the path only.
   */
  readerServed?(call: OpCall, outcome: ServedOutcome): void;
  /**
   * True when, as configured, every ENOENT a LOOKUP gets through this layer is the backend's own
   * answer: the layer never fails a LOOKUP with ENOENT itself (a fault with lookup in its errno
   * table may) and never adds, removes or renames a backend name but by passing on the app's op.
   * Under `-o exclusive` the kernel may then keep such an answer as a negative entry (StackPlan
   * `cacheMisses`). Absent: it may not (the safe default for a layer that does not say).
   */
  readonly missesFromBackend?: boolean;
  close?(): Promise<void>;
}
