import type { Logger } from 'pino';
import { createStack, planOf } from '../../vfs/stack.js';
import type { Stack, StackPlan, StackPort } from '../../vfs/stack.js';
import type { FsOp, OpCall, OpResultMap } from '../../vfs/types.js';

/**
 * The live stack of a mount. `run` starts every op on the stack current at that moment; `swap`
 * replaces it atomically (a reference assignment) and closes the old stack once its in-flight
 * ops have finished. The kill switch swaps in an empty stack: plain passthrough to the backend.
 * The engine listens with `onSwap` to invalidate the kernel's caches (FUSE_NOTIFY_INVAL_*).
 */
export interface StackHolder extends StackPort {
  current(): Stack;
  run<O extends FsOp>(call: OpCall<O>): Promise<OpResultMap[O]>;
  plan(): StackPlan;
  /** Resolves when the previous stack has drained and closed. */
  swap(next: Stack): Promise<void>;
  /** Drop every layer (passthrough). */
  kill(): Promise<void>;
  readonly killed: boolean;
  inFlight(stack?: Stack): number;
  onSwap(listener: (next: Stack, previous: Stack) => void): () => void;
}

interface Tracker {
  count: number;
  drained: (() => void)[];
}

export interface StackHolderOptions {
  logger?: Logger;
  /** The port's reader tap (src/vfs/reader-tap.ts), shared with the layers that consume it. */
  readerTap?: SharedArrayBuffer;
}

export function createStackHolder(initial: Stack, options: StackHolderOptions = {}): StackHolder {
  let active = initial;
  // The engine reads the plan on every OPEN: derive it once per stack, at the swap.
  let activePlan = planOf(initial);
  let killed = false;
  const trackers = new WeakMap<Stack, Tracker>();
  const listeners = new Set<(next: Stack, previous: Stack) => void>();
  const tracker = (s: Stack): Tracker => {
    let t = trackers.get(s);
    if (t === undefined) trackers.set(s, (t = { count: 0, drained: [] }));
    return t;
  };
  const drain = (s: Stack): Promise<void> => {
    const t = tracker(s);
    return t.count === 0 ? Promise.resolve() : new Promise((resolve) => t.drained.push(resolve));
  };

  const swap = async (next: Stack): Promise<void> => {
    const previous = active;
    if (next === previous) return;
    active = next;
    activePlan = planOf(next);
    for (const l of listeners) l(next, previous);
    options.logger?.info(
      { layers: next.layers.map((l) => l.name), inFlight: tracker(previous).count },
      'layer stack swapped',
    );
    await drain(previous);
    await previous.close();
  };

  return {
    current: () => active,
    plan: () => activePlan,
    readerServes: (fh) => active.readerServes(fh),
    readerLists: (fh) => active.readerLists(fh),
    readerServed: (call, outcome) => active.readerServed(call, outcome),
    ...(options.readerTap && { readerTap: options.readerTap }),
    get killed() {
      return killed;
    },
    inFlight: (s) => tracker(s ?? active).count,
    onSwap(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async run<O extends FsOp>(call: OpCall<O>): Promise<OpResultMap[O]> {
      const stack = active;
      const t = tracker(stack);
      t.count++;
      try {
        return await stack.run(call);
      } finally {
        if (--t.count === 0) for (const resolve of t.drained.splice(0)) resolve();
      }
    },
    swap(next) {
      killed = false;
      return swap(next);
    },
    kill() {
      killed = true;
      return swap(createStack([], active.backend));
    },
  };
}
