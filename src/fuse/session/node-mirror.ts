import { encodeName } from '../../vfs/names.js';
import { mirrorWriter, nextNodeId, unlock, waitLock } from './node-mirror-write.js';
import type { NodeMirror, NodeMirrorOptions } from './node-types.js';
import * as K from './node-mirror-layout.js';

export function createNodeMirror(o: NodeMirrorOptions = {}): NodeMirror {
  const records = o.records ?? 65_536;
  const L = K.layoutFor(records, o.arenaBytes ?? records * 64);
  const sab = new SharedArrayBuffer(L.bytes);
  const t = new Int32Array(sab, 0, L.arenaByte / 4);
  const b = new Uint8Array(sab, L.arenaByte);
  t[K.REC_CAP] = records;
  t[K.REC_NEXT] = 1;
  t[K.ID_CAP] = records * 2;
  t[K.EDGE_CAP] = records * 2;
  t[K.ARENA_CAP] = b.length;
  t[K.NEXT_ID] = 2;
  t[K.JOURNAL_FD] = -1;
  let refused = 0;
  const w = mirrorWriter(t, b, L);
  const { rec, findId, findEdge, removeId, removeEdge, dropName } = w;

  /** The main thread's table now holds what the mirror does not: no reader makes a node. */
  const refuse = (): void => {
    refused++;
    Atomics.store(t, K.INCOMPLETE, 1);
  };
  /** Under the lock: the live node of inode `ino` that (parent, bytes) leads to, or 0. */
  const madeFor = (parent: number, bytes: Buffer, ino: bigint): number => {
    const id = w.edgeId(parent, bytes);
    const { slot } = id === 0 ? { slot: 0 } : findId(id);
    if (slot === 0) return 0;
    const r = rec(slot);
    if ((Atomics.load(t, r + K.R_CELL) & K.LIVE) === 0) return 0;
    const lo = Number(ino & 0xffff_ffffn) | 0;
    const hi = Number((ino >> 32n) & 0xffff_ffffn) | 0;
    return t[r + K.R_INO_LO] === lo && t[r + K.R_INO_HI] === hi ? id : 0;
  };
  /** One change under the writers' lock; nothing once the lock was lost (DEAD). */
  const write = (fn: () => void): void => {
    if (Atomics.load(t, K.DEAD) === 1) return;
    if (!waitLock(t)) {
      // A reader gone while it held the lock: the mirror stays as it is, and unread.
      Atomics.store(t, K.DEAD, 1);
      refuse();
      return;
    }
    w.begin();
    try {
      fn();
    } finally {
      w.end();
      unlock(t);
    }
  };

  return {
    sab,
    locked(fn) {
      if (Atomics.load(t, K.DEAD) === 1) return fn();
      if (!waitLock(t)) {
        // As for a change (write): a reader gone while it held the lock; no reader gets it again.
        Atomics.store(t, K.DEAD, 1);
        refuse();
        return fn();
      }
      try {
        return fn();
      } finally {
        unlock(t);
      }
    },
    setJournalFd(fd) {
      Atomics.store(t, K.JOURNAL_FD, fd);
    },
    startIds(next) {
      if (next > Atomics.load(t, K.NEXT_ID))
        Atomics.store(t, K.NEXT_ID, Math.min(next, K.LAST_ID + 1));
    },
    nextId: () => nextNodeId(t),
    setPath(id, first) {
      const bytes = first === undefined ? undefined : encodeName(first.name);
      write(() => {
        const { slot } = findId(id);
        if (slot !== 0 && !w.writePath(slot, first?.parent ?? 0, bytes)) refuse();
      });
    },
    add(id, ino, parent, name, known) {
      if (!Number.isInteger(id) || id <= 1 || id > K.LAST_ID) {
        refuse();
        return 0;
      }
      // One encoding and one write for the record, its path name and its edge.
      const bytes = encodeName(name);
      let made = 0;
      write(() => {
        // The table adds a node only for a name it has no edge for: an edge here is a reader's.
        made = madeFor(parent, bytes, ino);
        if (made !== 0 && known?.(made) === true) made = 0;
        if (made !== 0) return;
        const slot = w.newRecord(id, ino, 0);
        if (slot === 0) return refuse();
        // Each counted: the path name and the edge are two things the readers lack.
        if (!w.writePath(slot, parent, bytes)) refuse();
        if (!w.writeEdge(parent, bytes, id)) refuse();
      });
      return made;
    },
    setEdge(parent, name, id) {
      const bytes = encodeName(name);
      write(() => {
        if (!w.writeEdge(parent, bytes, id)) refuse();
      });
    },
    dropEdge(parent, name) {
      const bytes = encodeName(name);
      write(() => {
        const i = findEdge(parent, bytes);
        if (t[L.edgeBase + i * K.E_INTS + K.E_ID] !== 0) removeEdge(i);
      });
    },
    take(id) {
      const { slot } = findId(id);
      if (slot === 0) return 0;
      const at = rec(slot) + K.R_CELL;
      for (;;) {
        const v = Atomics.load(t, at);
        if ((v & K.COUNT_MASK) === 0) return 0;
        if (Atomics.compareExchange(t, at, v, v & ~K.COUNT_MASK) === v) return v & K.COUNT_MASK;
      }
    },
    free(id) {
      const { slot } = findId(id);
      if (slot === 0) return true;
      const r = rec(slot);
      const v = Atomics.load(t, r + K.R_CELL);
      if ((v & K.COUNT_MASK) !== 0) return false;
      if (Atomics.compareExchange(t, r + K.R_CELL, v, v & K.GEN_MASK) !== v) return false;
      write(() => {
        // Found again under the lock: a reader's new node may have moved the index entry.
        const { at } = findId(id);
        removeId(at);
        t[r + K.R_ID] = 0;
        dropName(t[r + K.R_NAME_LEN]!);
        t[r + K.R_NAME_LEN] = -1;
        t[r + K.R_NEXT_FREE] = t[K.FREE_HEAD]!;
        t[K.FREE_HEAD] = slot;
        t[K.SIZE] = t[K.SIZE]! - 1;
      });
      return true;
    },
    get size() {
      return Atomics.load(t, K.SIZE);
    },
    get refused() {
      return refused;
    },
    get edges() {
      return Atomics.load(t, K.EDGES);
    },
    recheck(complete) {
      if (Atomics.load(t, K.INCOMPLETE) === 0) return true;
      if (Atomics.load(t, K.DEAD) === 1 || !waitLock(t)) return false;
      try {
        // Under the lock no reader writes: the edge count is the table's or it is not.
        if (!complete()) return false;
        Atomics.store(t, K.INCOMPLETE, 0);
        return true;
      } finally {
        unlock(t);
      }
    },
    get made() {
      return Atomics.load(t, K.MADE) >>> 0;
    },
  };
}
