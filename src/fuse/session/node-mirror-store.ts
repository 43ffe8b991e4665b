import {
  ARENA_TOP,
  EDGES,
  E_ID,
  E_INTS,
  E_NAME_LEN,
  E_NAME_OFF,
  E_PARENT,
  HEAD_INTS,
  LIVE_BYTES,
  R_ID,
  R_INTS,
  R_NAME_LEN,
  R_NAME_OFF,
  REC_NEXT,
  edgeHash,
  idHash,
} from './node-mirror-layout.js';
import type { MirrorLayout } from './node-mirror-layout.js';

/**
 * The writers' primitives over the mirror's regions (node-mirror-layout.ts): the two
 * open-addressing indexes (linear probing, backward-shift deletion so that a probe stops at the
 * first empty entry and no tombstones build up) and the name arena (bump allocation, compacted
 * in place when full). The caller holds the writers' lock and brackets every change with the
 * sequence counter; what the writers count (edges, name bytes in use) is in the head, since a
 * reader making a node writes too (node-mirror-write.ts).
 */
export interface MirrorStore {
  /** The int index of record `slot`. */
  rec(slot: number): number;
  /** The record slot of `id`, or 0; `at`: its ID index entry (the free one where it would go). */
  findId(id: number): { slot: number; at: number };
  /** The edge index entry of (parent, name), or the free one where it would go. */
  findEdge(parent: number, name: Buffer): number;
  removeId(at: number): void;
  removeEdge(i: number): void;
  /** The arena offset of a copy of `name`, or -1 when even a compacted arena has no room. */
  putName(name: Buffer): number;
  /** A name of `len` bytes put there is no longer used (its record or edge dropped it). */
  dropName(len: number): void;
}

export function createMirrorStore(t: Int32Array, b: Uint8Array, L: MirrorLayout): MirrorStore {
  const idCap = L.records * 2;
  const edgeCap = L.records * 2;
  const rec = (slot: number): number => HEAD_INTS + slot * R_INTS;
  const findId = (id: number): { slot: number; at: number } => {
    for (let i = idHash(id, idCap); ; i = (i + 1) & (idCap - 1)) {
      const s = t[L.idBase + i]!;
      if (s === 0) return { slot: 0, at: i };
      if (t[rec(s - 1) + R_ID] === id) return { slot: s - 1, at: i };
    }
  };
  const findEdge = (parent: number, name: Buffer): number => {
    for (let i = edgeHash(parent, name, 0, name.length, edgeCap); ; i = (i + 1) & (edgeCap - 1)) {
      const e = L.edgeBase + i * E_INTS;
      if (t[e + E_ID] === 0) return i;
      if (t[e + E_PARENT] === parent && t[e + E_NAME_LEN] === name.length) {
        const off = t[e + E_NAME_OFF]!;
        if (name.equals(b.subarray(off, off + name.length))) return i;
      }
    }
  };
  /** Backward-shift deletion: no tombstones, so a probe stops at the first empty entry. */
  const shiftOut = (
    base: number,
    ints: number,
    cap: number,
    at: number,
    home: (i: number) => number,
  ): void => {
    let i = at;
    for (let j = (i + 1) & (cap - 1); ; j = (j + 1) & (cap - 1)) {
      const ej = base + j * ints;
      if (ints === 1 ? t[ej] === 0 : t[ej + E_ID] === 0) break;
      const k = home(j);
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (between) continue;
      t.copyWithin(base + i * ints, ej, ej + ints);
      i = j;
    }
    t.fill(0, base + i * ints, base + (i + 1) * ints);
  };
  const idHome = (i: number): number => idHash(t[rec(t[L.idBase + i]! - 1) + R_ID]!, idCap);
  const edgeHome = (i: number): number => {
    const e = L.edgeBase + i * E_INTS;
    const off = t[e + E_NAME_OFF]!;
    return edgeHash(t[e + E_PARENT]!, b, off, t[e + E_NAME_LEN]!, edgeCap);
  };

  /**
   * Room for `n` name bytes, compacting the arena when it is full and a compaction frees enough
   * (at least a quarter of it): a scan of every record and edge, never once per new node; -1:
   * none (the name is not mirrored: its requests take the main thread).
   */
  const alloc = (n: number): number => {
    const live = t[LIVE_BYTES]!;
    if (t[ARENA_TOP]! + n > b.length && b.length - live >= Math.max(n, b.length / 4)) compact();
    if (t[ARENA_TOP]! + n > b.length) return -1;
    const off = t[ARENA_TOP]!;
    t[ARENA_TOP] = off + n;
    return off;
  };
  /** Copy every live name to the front of the arena (inside a write: readers retry). */
  const compact = (): void => {
    const live: { at: number; off: number; len: number }[] = [];
    for (let s = 1; s < t[REC_NEXT]!; s++) {
      const r = rec(s);
      if (t[r + R_ID] !== 0 && t[r + R_NAME_LEN]! > 0)
        live.push({ at: r + R_NAME_OFF, off: t[r + R_NAME_OFF]!, len: t[r + R_NAME_LEN]! });
    }
    for (let i = 0; i < edgeCap; i++) {
      const e = L.edgeBase + i * E_INTS;
      if (t[e + E_ID] !== 0)
        live.push({ at: e + E_NAME_OFF, off: t[e + E_NAME_OFF]!, len: t[e + E_NAME_LEN]! });
    }
    const copy = Buffer.from(b.subarray(0, t[ARENA_TOP]!));
    let top = 0;
    for (const x of live) {
      b.set(copy.subarray(x.off, x.off + x.len), top);
      t[x.at] = top;
      top += x.len;
    }
    t[ARENA_TOP] = top;
  };
  const putName = (name: Buffer): number => {
    const off = alloc(name.length);
    if (off < 0) return off;
    b.set(name, off);
    t[LIVE_BYTES] = t[LIVE_BYTES]! + name.length;
    return off;
  };
  const removeEdge = (i: number): void => {
    t[LIVE_BYTES] = t[LIVE_BYTES]! - t[L.edgeBase + i * E_INTS + E_NAME_LEN]!;
    shiftOut(L.edgeBase, E_INTS, edgeCap, i, edgeHome);
    t[EDGES] = t[EDGES]! - 1;
  };

  return {
    rec,
    findId,
    findEdge,
    removeId: (at) => shiftOut(L.idBase, 1, idCap, at, idHome),
    removeEdge,
    putName,
    dropName: (len) => {
      if (len > 0) t[LIVE_BYTES] = t[LIVE_BYTES]! - len;
    },
  };
}
