/**
 * Node ID -> backing fd in the direct I/O table (issue 17): the readers answer a
 * GETXATTR(security.capability), which carries the node ID and no handle, with fgetxattr on the
 * fd of one registered handle of that node (direct-xattr.ts). A direct-mapped region of
 * (node ID, fd, users) triples after the handle pairs; a node whose slot another node holds is
 * not mapped (its GETXATTR goes to the main thread, as before).
 *
 * Why the fd cannot be closed under a reader: the GETXATTR need not come from a call that holds
 * this fd's file (another handle of the node, or getxattr(2) on a path), so the handle whose fd
 * is mapped may be released while a reader uses it. The reader therefore counts itself in the
 * slot's users, then checks the key again, and only then reads the fd; the main thread, before
 * the fd of a mapped handle is closed (RELEASE, a swap that clears the table), clears the key and
 * waits until users is 0. The atomics are sequentially consistent: either the reader's count
 * comes first and the main thread waits for it, or the cleared key comes first and the reader
 * hands the request over. The wait is one fgetxattr on a local filesystem (the plan serves it
 * only over a backend whose metadata calls run inline), and it happens only in that race. The
 * slot is then given the fd of another registered handle of the node, if one is left.
 */
import { HANDLE_CAP, HEAD, NODE_CAP } from './direct-layout.js';

/** The main thread's side: which nodes have a registered handle, and the fd of one of them. */
export interface NodeFds {
  add(nodeId: number, fh: number, fd: number): void;
  /** Before the handle's fd is closed. */
  remove(fh: number): void;
  /** Every slot cleared (waiting out readers); the bookkeeping dropped. */
  clear(): void;
  /** Nodes mapped for the readers now. */
  readonly mapped: number;
}

const slotOf = (t: Int32Array, nodeId: number): number =>
  HEAD + t[HANDLE_CAP]! * 2 + (nodeId % t[NODE_CAP]!) * 3;

/** Node IDs the table can key (a positive int32; the session's IDs count up from 2). */
const keyable = (nodeId: number): boolean => Number.isInteger(nodeId) && nodeId > 0 && nodeId <= 0x7fff_ffff;

export function createNodeFds(t: Int32Array): NodeFds {
  const byNode = new Map<number, Map<number, number>>();
  const nodeOf = new Map<number, number>();
  let mapped = 0;
  const publish = (nodeId: number, fd: number): void => {
    const i = slotOf(t, nodeId);
    if (Atomics.load(t, i) !== 0) return;
    // The fd first: a reader that sees the key also sees its fd.
    Atomics.store(t, i + 1, fd);
    Atomics.store(t, i, nodeId);
    mapped++;
  };
  const retract = (i: number): void => {
    Atomics.store(t, i, 0);
    for (let u = Atomics.load(t, i + 2); u !== 0; u = Atomics.load(t, i + 2))
      Atomics.wait(t, i + 2, u, 1);
    mapped--;
  };
  return {
    add(nodeId, fh, fd) {
      if (t[NODE_CAP] === 0 || !keyable(nodeId)) return;
      let fds = byNode.get(nodeId);
      if (fds === undefined) byNode.set(nodeId, (fds = new Map()));
      fds.set(fh, fd);
      nodeOf.set(fh, nodeId);
      if (fds.size === 1) publish(nodeId, fd);
    },
    remove(fh) {
      const nodeId = nodeOf.get(fh);
      if (nodeId === undefined) return;
      nodeOf.delete(fh);
      const fds = byNode.get(nodeId)!;
      const fd = fds.get(fh);
      fds.delete(fh);
      const i = slotOf(t, nodeId);
      if (Atomics.load(t, i) === nodeId && Atomics.load(t, i + 1) === fd) {
        retract(i);
        const next = fds.values().next();
        if (next.done !== true) publish(nodeId, next.value);
      }
      if (fds.size === 0) byNode.delete(nodeId);
    },
    clear() {
      const from = HEAD + t[HANDLE_CAP]! * 2;
      for (let i = from; i < from + t[NODE_CAP]! * 3; i += 3) if (Atomics.load(t, i) !== 0) retract(i);
      byNode.clear();
      nodeOf.clear();
      mapped = 0;
    },
    get mapped() {
      return mapped;
    },
  };
}

/**
 * The reader's side: the slot of `nodeId` with the reader counted in its users, or -1 when the
 * node is not mapped. The fd at slot + 1 stays open until nodeLeave.
 */
export function nodeEnter(t: Int32Array, nodeId: number): number {
  if (t[NODE_CAP] === 0 || !keyable(nodeId)) return -1;
  const i = slotOf(t, nodeId);
  if (Atomics.load(t, i) !== nodeId) return -1;
  Atomics.add(t, i + 2, 1);
  if (Atomics.load(t, i) === nodeId) return i;
  nodeLeave(t, i);
  return -1;
}

export function nodeLeave(t: Int32Array, i: number): void {
  Atomics.sub(t, i + 2, 1);
  Atomics.notify(t, i + 2);
}
