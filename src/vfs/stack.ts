import { FsError } from './errors.js';
import type { GateConfig } from './reader-gate.js';
import type { Backend, FsOp, Layer, OpCall, OpResultMap, ServedOutcome } from './types.js';

/**
 * An ordered list of layers (outermost first) over one backend. `run(call)` passes the call
 * through every layer, then to the backend. Immutable: a live reconfiguration builds a new Stack
 * and swaps the reference, so in-flight ops finish on the stack they started on.
 */
export interface Stack {
  readonly layers: readonly Layer[];
  readonly backend: Backend;
  /** True when any layer needs to see file data (no kernel passthrough, no data caches). */
  readonly needsData: boolean;
  run<O extends FsOp>(call: OpCall<O>): Promise<OpResultMap[O]>;
  /** Whether every layer that decides per handle (Layer.readerServes) lets the readers serve `fh`. */
  readerServes(fh: number): boolean;
  /**
   * For a handle readerServes declines: whether every layer that declines it lets the readers
   * serve it listing each request (Layer.readerLists).
   */
  readerLists(fh: number): boolean;
  /** Tell the layers of a request a reader drew into their sample and served (Layer.readerServed). */
  readerServed(call: OpCall, outcome: ServedOutcome): void;
  /** Close the layers (not the backend, which outlives stack swaps). */
  close(): Promise<void>;
}

/** A stack's serving plan: what the engine may do without the main thread (ADR 0076). */
export interface StackPlan {
  /** Some layer must see file data: no kernel passthrough, no kept page cache. */
  readonly needsData: boolean;
  /** The reader threads may serve READ/WRITE of registered files themselves. */
  readonly readerData: boolean;
  /**
   * Some layer decides per open file (Layer.readerServes): readerData then holds only for the
   * handles the port's `readerServes` lets through, and the kernel keeps no pages.
   */
  readonly readerPerHandle?: boolean;
  /**
   * The reader threads may also answer GETATTR with a handle of registered files (one fstat of
   * the backing fd), and the metadata requests of `metaRoot`: no layer acts on them but ones
   * content with the reader tap (metrics) and at most one that samples them (trace below 1:
   * `metaSample`, drawn by the readers). Any other layer may change, delay, fail or record
   * attributes (shuffle, fault, latency, throttle, quota, record, trace of every op, ...) and
   * keeps them on the main thread; so does a plan that does not say.
   */
  readonly readerGetattr?: boolean;
  /**
   * Under readerGetattr, the backend's metaRootFd: the readers may also answer LOOKUP of a name
   * the kernel has a node for, and GETATTR without a handle, with the backend's calls beneath it.
   */
  readonly metaRoot?: number;
  /**
   * Under readerGetattr, the share of those metadata requests a layer samples (its
   * readerMetaSample): the readers draw it and hand the drawn ones over marked `sampled`.
   */
  readonly metaSample?: number;
  /** They count what they serve in the port's reader tap: a layer consumes it. */
  readonly tap: boolean;
  /** The reader form of throttle they apply (src/vfs/reader-gate.ts). */
  readonly gate?: GateConfig;
  /**
   * Every layer says `missesFromBackend` (or there is none): a LOOKUP's ENOENT is the backend's,
   * so under `-o exclusive` the engine may answer it as a negative entry the kernel keeps.
   */
  readonly cacheMisses: boolean;
}

/**
 * All the engine knows of the layers (ADR 0076). `run` starts a request on the stack current at
 * that moment and counts it in flight until it settles: a live swap closes a stack only after
 * every request counted on it has settled. `plan` is read per request, so a swap takes effect at
 * once. The engine never holds a `Stack`.
 */
export interface StackPort {
  run<O extends FsOp>(call: OpCall<O>): Promise<OpResultMap[O]>;
  plan(): StackPlan;
  inFlight(): number;
  /**
   * Under a `readerPerHandle` plan: whether the readers may serve the data requests of the file
   * the current stack just opened as the backend's handle `fh` (asked right after OPEN/CREATE).
   */
  readerServes?(fh: number): boolean;
  /** Under a `readerPerHandle` plan, for a handle readerServes declines (Stack.readerLists). */
  readerLists?(fh: number): boolean;
  /**
   * Tell the current stack of a request a reader thread drew into the plan's sample (metaSample)
   * and served itself (Layer.readerServed); after a swap, the stack current then.
   */
  readerServed?(call: OpCall, outcome: ServedOutcome): void;
  /**
   * Shared memory where the readers count the READ/WRITE they serve while `plan().tap` is on
   * (src/vfs/reader-tap.ts); the same for the port's life, across swaps.
   */
  readonly readerTap?: SharedArrayBuffer;
}

/**
 * Readers serve the data path when every layer is content with the reader tap for it (an
 * observe-only layer such as metrics), has nothing to do for it (readerIdle: a zero delay, a
 * fault scoped to other ops), or has a reader-side form (throttle: at most one, the gate has
 * room for one), or decides per open file (readerServes: trace serves its unsampled files
 * there), or when there is no layer at all.
 */
export function planOf(stack: Stack): StackPlan {
  const tapped = stack.layers.filter((l) => l.readerTap === true).length;
  const rest = stack.layers.filter((l) => l.readerTap !== true && l.readerIdle !== true);
  const idle = stack.layers.length - tapped - rest.length;
  const gated = rest.filter((l) => l.readerGate !== undefined);
  const perHandle = rest.filter((l) => l.readerGate === undefined && l.readerServes !== undefined);
  const gate: GateConfig = {};
  let fits = true;
  for (const g of gated.map((l) => l.readerGate!)) {
    if (g.throttle && gate.throttle) fits = false;
    if (g.throttle) gate.throttle = g.throttle;
  }
  // At most one layer that samples metadata (trace): the readers draw its sample.
  const sampling = rest.filter((l) => l.readerMetaSample !== undefined);
  const readerGetattr =
    tapped + sampling.length === stack.layers.length &&
    sampling.length <= 1 &&
    stack.backend.inlineMeta !== false;
  const metaRoot = readerGetattr ? stack.backend.metaRootFd : undefined;
  return {
    needsData: stack.needsData,
    readerData: fits && tapped + idle + gated.length + perHandle.length === stack.layers.length,
    // readerIdle speaks of the data requests only: a layer idle for them may still act on
    // getattr. A backend whose metadata calls may block long (a network filesystem) keeps it.
    readerGetattr,
    ...(readerGetattr && sampling.length === 1 && { metaSample: sampling[0]!.readerMetaSample! }),
    ...(metaRoot !== undefined && { metaRoot }),
    ...(perHandle.length > 0 && { readerPerHandle: true }),
    tap: tapped > 0,
    ...(gated.length > 0 && { gate }),
    cacheMisses: stack.layers.every((l) => l.missesFromBackend === true),
  };
}

/** A port over one fixed stack (tests, tools): counts in flight like the live holder. */
export function portOf(stack: Stack): StackPort {
  let inFlight = 0;
  const plan = planOf(stack);
  return {
    async run(call) {
      inFlight++;
      try {
        return await stack.run(call);
      } finally {
        inFlight--;
      }
    },
    plan: () => plan,
    inFlight: () => inFlight,
    readerServes: (fh) => stack.readerServes(fh),
    readerLists: (fh) => stack.readerLists(fh),
    readerServed: (call, outcome) => stack.readerServed(call, outcome),
  };
}

type OpFn<O extends FsOp> = (call: OpCall<O>) => Promise<OpResultMap[O]>;

function backendOp<O extends FsOp>(backend: Backend, op: O): OpFn<O> {
  const fn = backend[op] as OpFn<O> | undefined;
  if (fn === undefined) return () => Promise.reject(new FsError('ENOSYS'));
  return fn.bind(backend) as OpFn<O>;
}

export function createStack(layers: readonly Layer[], backend: Backend): Stack {
  const frozen = Object.freeze([...layers]);
  const run = <O extends FsOp>(call: OpCall<O>): Promise<OpResultMap[O]> => {
    const terminal = backendOp(backend, call.op);
    if (frozen.length === 0) return terminal(call);
    const step = (i: number): Promise<OpResultMap[O]> => {
      const layer = frozen[i];
      if (layer === undefined) return terminal(call);
      return layer.around(call, () => step(i + 1));
    };
    return step(0);
  };
  return {
    layers: frozen,
    backend,
    needsData: frozen.some((l) => l.needsData === true),
    run,
    readerServes: (fh) => frozen.every((l) => l.readerServes?.(fh) ?? true),
    readerLists: (fh) =>
      frozen.every((l) => l.readerServes?.(fh) ?? true ? true : l.readerLists?.(fh) === true),
    readerServed(call, outcome) {
      for (const l of frozen) l.readerServed?.(call, outcome);
    },
    async close() {
      const errors: unknown[] = [];
      for (const layer of frozen) {
        try {
          await layer.close?.();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length > 0) throw new AggregateError(errors, 'closing layers failed');
    },
  };
}
