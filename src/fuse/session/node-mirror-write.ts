/**
 * Writing the node table's mirror (node-mirror-layout.ts), from the main thread (node-mirror.ts:
 * every change of its table) and from a reader that makes a node for a LOOKUP
 * (direct-new-node.ts). Writers take the lock WLOCK and bracket each change with the sequence
 * counter, so that a reader's consistent read (node-mirror-read.ts) never sees half of one.
 */
import { createMirrorStore } from './node-mirror-store.js';
import type { MirrorStore } from './node-mirror-store.js';
import * as K from './node-mirror-layout.js';
import type { MirrorLayout } from './node-mirror-layout.js';

export interface MirrorWriter extends MirrorStore {
  readonly t: Int32Array;
  readonly L: MirrorLayout;
  /** Open and close one change for the readers (the sequence counter odd in between). */
  begin(): void;
  end(): void;
  /** Inside a write: record `slot`'s path name is (parent, bytes), or none; false: no room. */
  writePath(slot: number, parent: number, bytes: Buffer | undefined): boolean;
  /** The node ID (parent, bytes) leads to in the edge index, or 0. */
  edgeId(parent: number, bytes: Buffer): number;
  /** Inside a write: (parent, bytes) leads to `id`; false: no room. */
  writeEdge(parent: number, bytes: Buffer, id: number): boolean;
  /**
   * Inside a write: a free record slot for `id`, indexed, live, with `lookups` readers' lookups
   * pending in its cell; 0 when full.
   */
  newRecord(id: number, ino: bigint, lookups: number): number;
}

export function mirrorWriter(t: Int32Array, b: Uint8Array, L: MirrorLayout): MirrorWriter {
  const store = createMirrorStore(t, b, L);
  const { rec, findId, findEdge, putName, dropName } = store;
  const edgeCap = L.records * 2;
  return {
    ...store,
    t,
    L,
    edgeId: (parent, bytes) => t[L.edgeBase + findEdge(parent, bytes) * K.E_INTS + K.E_ID]!,
    begin: () => void Atomics.add(t, K.SEQ, 1),
    end: () => void Atomics.add(t, K.SEQ, 1),
    writePath(slot, parent, bytes) {
      const r = rec(slot);
      dropName(t[r + K.R_NAME_LEN]!);
      t[r + K.R_NAME_LEN] = -1;
      if (bytes === undefined) return true;
      const off = putName(bytes);
      if (off < 0) return false;
      t[r + K.R_PARENT] = parent;
      t[r + K.R_NAME_OFF] = off;
      t[r + K.R_NAME_LEN] = bytes.length;
      return true;
    },
    writeEdge(parent, bytes, id) {
      const i = findEdge(parent, bytes);
      const e = L.edgeBase + i * K.E_INTS;
      if (t[e + K.E_ID] !== 0) {
        t[e + K.E_ID] = id;
        return true;
      }
      const off = t[K.EDGES]! >= edgeCap * 0.75 ? -1 : putName(bytes);
      if (off < 0) return false;
      // putName may have compacted the arena, which does not move index entries.
      t[e + K.E_PARENT] = parent;
      t[e + K.E_NAME_OFF] = off;
      t[e + K.E_NAME_LEN] = bytes.length;
      t[e + K.E_ID] = id;
      t[K.EDGES] = t[K.EDGES]! + 1;
      return true;
    },
    newRecord(id, ino, lookups) {
      let slot = t[K.FREE_HEAD]!;
      if (slot !== 0) t[K.FREE_HEAD] = t[rec(slot) + K.R_NEXT_FREE]!;
      else if (t[K.REC_NEXT]! < L.records) {
        slot = t[K.REC_NEXT]!;
        t[K.REC_NEXT] = slot + 1;
      } else return 0;
      const r = rec(slot);
      const gen = (t[r + K.R_CELL]! & K.GEN_MASK) >>> K.GEN_SHIFT;
      t[r + K.R_ID] = id;
      t[r + K.R_INO_LO] = Number(ino & 0xffff_ffffn) | 0;
      t[r + K.R_INO_HI] = Number((ino >> 32n) & 0xffff_ffffn) | 0;
      t[r + K.R_NAME_LEN] = -1;
      const cell = K.LIVE | (((gen + 1) & K.GEN_BITS) << K.GEN_SHIFT) | lookups;
      Atomics.store(t, r + K.R_CELL, cell);
      t[L.idBase + findId(id).at] = slot + 1;
      t[K.SIZE] = t[K.SIZE]! + 1;
      return slot;
    },
  };
}

/** Take the writers' lock: one try, then `spins` more; false if another writer holds it still. */
export function tryLock(t: Int32Array, spins = 0): boolean {
  for (let n = 0; n <= spins; n++) {
    if (Atomics.compareExchange(t, K.WLOCK, 0, 1) === 0) return true;
  }
  return false;
}

/**
 * The main thread's take of the lock, and a reader's that must journal an UNLINK it made: a
 * holder keeps it for a few µs (at most one write(2) of a journal line inside), so spin, then
 * sleep 1 ms at a time until an unlock wakes it (a holder preempted); false after `ms` (a reader
 * gone while holding it: the main thread stops using the mirror).
 */
export function waitLock(t: Int32Array, ms = 2000): boolean {
  if (tryLock(t, 200)) return true;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    Atomics.wait(t, K.WLOCK, 1, 1);
    // Spun again after each wake-up: other waiters woken by the same unlock compete for it.
    if (tryLock(t, 200)) return true;
  }
  return false;
}

export function unlock(t: Int32Array): void {
  Atomics.store(t, K.WLOCK, 0);
  // The main thread, and readers journaling an UNLINK, may sleep in waitLock: wake them all
  // (one woken reader could leave the main thread to its 1 ms sleep).
  Atomics.notify(t, K.WLOCK);
}

/**
 * The next node ID from the mirror's counter, or 0 once it passed LAST_ID (the caller then uses
 * IDs above the mirror's range, which it does not mirror).
 */
export function nextNodeId(t: Int32Array): number {
  for (;;) {
    const id = Atomics.load(t, K.NEXT_ID);
    if (id > K.LAST_ID || id < 2) return 0;
    if (Atomics.compareExchange(t, K.NEXT_ID, id, id + 1) === id) return id;
  }
}
