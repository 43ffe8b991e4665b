import { Worker } from 'node:worker_threads';
import { nodeEnter, nodeLeave } from '../../../src/fuse/session/direct-nodes.js';

/** A reader counted in a node's slot of the direct I/O table, as during its fgetxattr. */
export interface CountedReader {
  readonly slot: number;
  /** The fd the reader reads (the slot's). */
  readonly fd: number;
  /** Counts the reader out (nodeLeave), as the reader does after its fgetxattr. */
  leave(): void;
  /** Whether the watchdog counted it out: something on this thread waited for the reader. */
  readonly timedOut: boolean;
}

/**
 * `nodeEnter` on this thread, and a worker that counts the reader out after `ms` unless leave()
 * came first: code that waits on this thread for the reader to leave (the defect these tests
 * catch) then fails an assertion instead of hanging the test.
 */
export function countedReader(t: Int32Array, nodeId: number, ms = 3000): CountedReader {
  const slot = nodeEnter(t, nodeId);
  if (slot < 0) throw new Error(`node ${nodeId} is not mapped`);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const watchdog = new Worker(
    `const { workerData: { t, flag, slot, ms } } = require('node:worker_threads');
    if (Atomics.wait(flag, 0, 0, ms) === 'timed-out' && Atomics.compareExchange(flag, 0, 0, 2) === 0) {
      Atomics.sub(t, slot + 2, 1);
      Atomics.notify(t, slot + 2);
    }`,
    { eval: true, workerData: { t, flag, slot, ms } },
  );
  watchdog.unref();
  return {
    slot,
    fd: Atomics.load(t, slot + 1),
    leave() {
      if (Atomics.compareExchange(flag, 0, 0, 1) !== 0) return;
      Atomics.notify(flag, 0);
      nodeLeave(t, slot);
    },
    get timedOut() {
      return Atomics.load(flag, 0) === 2;
    },
  };
}

/** Whether `p` has settled by the time the event loop has run once more. */
export async function settledSoon(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}
