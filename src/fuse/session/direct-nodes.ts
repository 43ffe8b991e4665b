/**
 * Node ID -> backing fd in the direct I/O table (issue 17): the readers answer a
 * GETXATTR(security.capability), which carries the node ID and no handle, with fgetxattr on the
 * fd of one registered handle of that node (direct-xattr.ts), and under `-o exclusive` a GETATTR
 * without a handle with fstat of it (direct-attr.ts). A direct-mapped region of
 * (node ID, fd, users) triples after the handle pairs; a node whose slot another node holds is
 * not mapped (those requests go to the main thread, as before).
 *
 * Why the fd cannot be closed under a reader: such a request need not come from a call that
 * holds this fd's file (another handle of the node, or a call on a path), so the handle whose fd
 * is mapped may be released while a reader uses it, and a closed fd number may be reused at
 * once by any other open. The reader therefore counts itself in the slot's users, then checks
 * the key again, and only then reads the fd. When a mapped handle is released, or a swap
 * clears the table (the handle's fd is closed at its RELEASE later), the main thread clears the
 * key and reads users. The atomics are sequentially consistent: either the reader's count comes
 * first and the main thread sees it, or the cleared key comes first and the reader hands the
 * request over. Users 0: the fd is free at once. Otherwise the slot is pending: `remove`
 * returns a promise that settles once users is 0 (Atomics.waitAsync, woken by each reader's
 * nodeLeave), and RELEASE awaits it before the backend closes the fd (ops/file-open.ts); the
 * main thread itself never waits, since a reader's call may last long (a network or FUSE
 * filesystem mounted below the source's root; a FUSE mount served by this process would
 * deadlock). A pending slot is not published again until it drains, so a reader that counted
 * itself in for the old fd never reads a new one; at most one pending entry per slot. Then the
 * node gets the fd of another registered handle, if one is left.
 *
 * Not a duplicate fd per slot, which would free the handle's close from the readers: a dup and
 * its close per first handle of a node cost 0.85 µs of CPU with a synchronous close, about 16 µs
 * with a close off the main thread (a close runs the filesystem's flush, as slow as the case
 * above), against nothing here outside the race (docs/adr/0076, GETXATTR).
 */
import { HANDLE_CAP, HEAD, NODE_CAP } from './direct-layout.js';

/** The main thread's side: which nodes have a registered handle, and the fd of one of them. */
export interface NodeFds {
  add(nodeId: number, fh: number, fd: number): void;
  /**
   * Before the handle's fd is closed: undefined when it may be closed now, else a promise that
   * settles once no reader can use it (the close waits for it; the main thread does not).
   */
  remove(fh: number): Promise<void> | undefined;
  /** Every slot cleared (one with a reader counted in is left pending); the bookkeeping dropped. */
  clear(): void;
  /** Nodes mapped for the readers now. */
  readonly mapped: number;
  /** Slots cleared while a reader was counted in, not yet drained. */
  readonly pending: number;
}

const slotOf = (t: Int32Array, nodeId: number): number =>
  HEAD + t[HANDLE_CAP]! * 2 + (nodeId % t[NODE_CAP]!) * 3;

/** Node IDs the table can key (a positive int32; the session's IDs count up from 2). */
const keyable = (nodeId: number): boolean =>
  Number.isInteger(nodeId) && nodeId > 0 && nodeId <= 0x7fff_ffff;

/** Settles once the users of the slot at `i` are 0 (each nodeLeave notifies). */
async function drained(t: Int32Array, i: number): Promise<void> {
  for (let u = Atomics.load(t, i + 2); u !== 0; u = Atomics.load(t, i + 2)) {
    const w = Atomics.waitAsync(t, i + 2, u);
    if (w.async) await w.value;
  }
}

export function createNodeFds(t: Int32Array): NodeFds {
  const byNode = new Map<number, Map<number, number>>();
  const nodeOf = new Map<number, number>();
  /** Published slot -> the handle whose fd it holds. */
  const held = new Map<number, number>();
  /** Pending slots, and the promise each one's handle's close waits for. */
  const pendingSlots = new Set<number>();
  const waiting = new Map<number, Promise<void>>();
  const publishFirst = (nodeId: number): void => {
    const first = byNode.get(nodeId)?.entries().next();
    if (first === undefined || first.done === true) return;
    const [fh, fd] = first.value;
    const i = slotOf(t, nodeId);
    if (Atomics.load(t, i) !== 0 || pendingSlots.has(i)) return;
    // The fd first: a reader that sees the key also sees its fd.
    Atomics.store(t, i + 1, fd);
    Atomics.store(t, i, nodeId);
    held.set(i, fh);
  };
  const retract = (i: number): Promise<void> | undefined => {
    const nodeId = Atomics.load(t, i);
    const fh = held.get(i)!;
    Atomics.store(t, i, 0);
    held.delete(i);
    if (Atomics.load(t, i + 2) === 0) return undefined;
    pendingSlots.add(i);
    const done = drained(t, i).then(() => {
      pendingSlots.delete(i);
      waiting.delete(fh);
      publishFirst(nodeId);
    });
    waiting.set(fh, done);
    return done;
  };
  return {
    add(nodeId, fh, fd) {
      if (t[NODE_CAP] === 0 || !keyable(nodeId)) return;
      let fds = byNode.get(nodeId);
      if (fds === undefined) byNode.set(nodeId, (fds = new Map()));
      fds.set(fh, fd);
      nodeOf.set(fh, nodeId);
      // Unless the node (or another) holds the slot, or it is pending.
      publishFirst(nodeId);
    },
    remove(fh) {
      const nodeId = nodeOf.get(fh);
      // A handle whose slot a clear() left pending.
      if (nodeId === undefined) return waiting.get(fh);
      nodeOf.delete(fh);
      const fds = byNode.get(nodeId)!;
      fds.delete(fh);
      if (fds.size === 0) byNode.delete(nodeId);
      const i = slotOf(t, nodeId);
      if (held.get(i) !== fh) return undefined;
      const done = retract(i);
      if (done === undefined) publishFirst(nodeId);
      return done;
    },
    clear() {
      for (const i of [...held.keys()]) void retract(i);
      byNode.clear();
      nodeOf.clear();
    },
    get mapped() {
      return held.size;
    },
    get pending() {
      return pendingSlots.size;
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
