import { describe, expect, it } from '@jest/globals';
import { HANDLE_CAP, HEAD, NODE_CAP } from '../../../src/fuse/session/direct-layout.js';
import { createNodeFds, nodeEnter, nodeLeave } from '../../../src/fuse/session/direct-nodes.js';
import { countedReader, settledSoon } from './counted-reader.js';

const CAP = 4;
const table = (): Int32Array => {
  const t = new Int32Array(new SharedArrayBuffer((HEAD + CAP * 2 + CAP * 3) * 4));
  t[HANDLE_CAP] = CAP;
  t[NODE_CAP] = CAP;
  return t;
};

/** The fd a reader would read for `nodeId` now, or -1 when it would hand the request over. */
function fdSeen(t: Int32Array, nodeId: number): number {
  const i = nodeEnter(t, nodeId);
  if (i < 0) return -1;
  const fd = Atomics.load(t, i + 1);
  nodeLeave(t, i);
  return fd;
}

/**
 * The node -> fd map the readers' GETXATTR uses (issue 17): the main thread never waits for a
 * reader counted in a slot; the handle's close waits instead, and the slot is not reused early.
 */
describe('node fds of the direct I/O table', () => {
  it('remove returns at once while a reader is counted in; its promise settles when it leaves', async () => {
    const t = table();
    const n = createNodeFds(t);
    n.add(5, 100, 42);
    const reader = countedReader(t, 5);
    expect(reader.fd).toBe(42);
    const done = n.remove(100);
    expect(reader.timedOut).toBe(false);
    expect(done).toBeInstanceOf(Promise);
    expect(n.mapped).toBe(0);
    expect(n.pending).toBe(1);
    // A new reader hands the request over; the fd may not be closed yet.
    expect(fdSeen(t, 5)).toBe(-1);
    expect(await settledSoon(done!)).toBe(false);
    reader.leave();
    await done;
    expect(n.pending).toBe(0);
    expect(reader.timedOut).toBe(false);
  });

  it('remove returns nothing to wait for when no reader is counted in', () => {
    const t = table();
    const n = createNodeFds(t);
    n.add(5, 100, 42);
    n.add(5, 101, 43);
    expect(n.remove(100)).toBeUndefined();
    // The node keeps its other handle's fd.
    expect(fdSeen(t, 5)).toBe(43);
    expect(n.remove(101)).toBeUndefined();
    expect(n.mapped).toBe(0);
  });

  it('clear() returns at once too: the handle of a pending slot waits at its remove', async () => {
    const t = table();
    const n = createNodeFds(t);
    n.add(5, 100, 42);
    n.add(6, 101, 43);
    const reader = countedReader(t, 5);
    n.clear();
    expect(reader.timedOut).toBe(false);
    expect([n.mapped, n.pending]).toEqual([0, 1]);
    expect(fdSeen(t, 5)).toBe(-1);
    // Node 6 had no reader: its fd may be closed now.
    expect(n.remove(101)).toBeUndefined();
    const done = n.remove(100);
    expect(done).toBeInstanceOf(Promise);
    expect(await settledSoon(done!)).toBe(false);
    reader.leave();
    await done;
    expect(n.pending).toBe(0);
    // Drained before its RELEASE: nothing left to wait for.
    n.add(7, 102, 44);
    const late = countedReader(t, 7);
    n.clear();
    late.leave();
    while (n.pending > 0) await new Promise((r) => setTimeout(r, 1));
    expect(n.remove(102)).toBeUndefined();
  });

  it('does not publish a pending slot again until it drains, then maps the next handle', async () => {
    const t = table();
    const n = createNodeFds(t);
    n.add(5, 100, 42);
    n.add(5, 101, 43);
    const reader = countedReader(t, 5);
    const done = n.remove(100)!;
    // Neither the node's other handle nor a node of the same slot shares the old fd's users.
    n.add(5 + CAP, 102, 44);
    expect(fdSeen(t, 5)).toBe(-1);
    expect(fdSeen(t, 5 + CAP)).toBe(-1);
    expect(Atomics.load(t, reader.slot + 1)).toBe(42);
    reader.leave();
    await done;
    expect(fdSeen(t, 5)).toBe(43);
    expect(fdSeen(t, 5 + CAP)).toBe(-1);
    expect(n.mapped).toBe(1);
  });

  it('holds at most one pending entry per slot, and drains them all', async () => {
    const t = table();
    const n = createNodeFds(t);
    for (let node = 1; node <= CAP; node++) n.add(node, 100 + node, 40 + node);
    const readers = Array.from({ length: CAP }, (_, k) => countedReader(t, k + 1));
    n.clear();
    expect([n.mapped, n.pending]).toEqual([0, CAP]);
    // Every slot pending: new handles of any node are not mapped, and add nothing pending.
    for (let node = 1; node <= 3 * CAP; node++) n.add(node, 200 + node, 60 + node);
    for (let node = 1; node <= 3 * CAP; node++) expect(n.remove(200 + node)).toBeUndefined();
    expect(n.pending).toBe(CAP);
    const waits = Array.from({ length: CAP }, (_, k) => n.remove(101 + k));
    for (const r of readers) r.leave();
    await Promise.all(waits);
    expect([n.mapped, n.pending]).toEqual([0, 0]);
    expect(readers.some((r) => r.timedOut)).toBe(false);
  });
});
