import { encodeName } from '../../vfs/names.js';
import {
  ARENA_CAP,
  ARENA_TOP,
  COUNT_MASK,
  EDGE_CAP,
  E_ID,
  E_INTS,
  E_NAME_LEN,
  E_NAME_OFF,
  E_PARENT,
  FREE_HEAD,
  GEN_MASK,
  GEN_SHIFT,
  HEAD_INTS,
  ID_CAP,
  LIVE,
  R_CELL,
  R_ID,
  R_INO_HI,
  R_INO_LO,
  R_INTS,
  R_NAME_LEN,
  R_NAME_OFF,
  R_NEXT_FREE,
  R_PARENT,
  REC_CAP,
  REC_NEXT,
  SEQ,
  edgeHash,
  idHash,
  layoutFor,
} from './node-mirror-layout.js';

/** The main thread's side of the node table's mirror (node-mirror-layout.ts). */
export interface NodeMirror {
  readonly sab: SharedArrayBuffer;
  /** A new node. Without room it is not mirrored: the readers hand its requests over. */
  add(id: number, ino: bigint, parent: number, name: string): void;
  /** (parent, name) leads to node `id` now (a new name, a moved one, another hard link). */
  setEdge(parent: number, name: string, id: number): void;
  dropEdge(parent: number, name: string): void;
  /** The node's path name (its first name), or undefined when it has none left. */
  setPath(id: number, first: { parent: number; name: string } | undefined): void;
  /** Take the lookups the readers answered for `id` since the last take (0: none, or unknown). */
  take(id: number): number;
  /**
   * Mark `id` freed, with its slot: false when a reader counted a lookup since the last take
   * (take again: the node lives on).
   */
  free(id: number): boolean;
  /** Nodes mirrored now. */
  readonly size: number;
}

export interface NodeMirrorOptions {
  /** Record slots (a power of two; default 65,536): nodes beyond it are not mirrored. */
  records?: number;
  /** Bytes for names (default 64 per record). */
  arenaBytes?: number;
}

export function createNodeMirror(o: NodeMirrorOptions = {}): NodeMirror {
  const records = o.records ?? 65_536;
  const L = layoutFor(records, o.arenaBytes ?? records * 64);
  const sab = new SharedArrayBuffer(L.bytes);
  const t = new Int32Array(sab, 0, L.arenaByte / 4);
  const b = new Uint8Array(sab, L.arenaByte);
  const idCap = records * 2;
  const edgeCap = records * 2;
  t[REC_CAP] = records;
  t[REC_NEXT] = 1;
  t[ID_CAP] = idCap;
  t[EDGE_CAP] = edgeCap;
  t[ARENA_CAP] = b.length;
  let size = 0;
  let edges = 0;

  const begin = (): void => void Atomics.add(t, SEQ, 1);
  const end = (): void => void Atomics.add(t, SEQ, 1);
  const rec = (slot: number): number => HEAD_INTS + slot * R_INTS;

  /** The record slot of `id`, or 0; `at`: its ID index entry. */
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

  /** Room for `n` name bytes, compacting the arena when it is full; -1: none. */
  const alloc = (n: number): number => {
    if (t[ARENA_TOP]! + n > b.length) compact();
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
    if (off >= 0) b.set(name, off);
    return off;
  };

  const setPath = (id: number, first: { parent: number; name: string } | undefined): void => {
    const { slot } = findId(id);
    if (slot === 0) return;
    const bytes = first === undefined ? undefined : encodeName(first.name);
    begin();
    try {
      const r = rec(slot);
      t[r + R_NAME_LEN] = -1;
      if (first === undefined || bytes === undefined) return;
      const off = putName(bytes);
      if (off < 0) return;
      t[r + R_PARENT] = first.parent;
      t[r + R_NAME_OFF] = off;
      t[r + R_NAME_LEN] = bytes.length;
    } finally {
      end();
    }
  };

  return {
    sab,
    setPath,
    add(id, ino, parent, name) {
      if (!Number.isInteger(id) || id <= 1 || id > 0x7fff_ffff) return;
      begin();
      try {
        let slot = t[FREE_HEAD]!;
        if (slot !== 0) t[FREE_HEAD] = t[rec(slot) + R_NEXT_FREE]!;
        else if (t[REC_NEXT]! < records) {
          slot = t[REC_NEXT]!;
          t[REC_NEXT] = slot + 1;
        } else return;
        const r = rec(slot);
        const gen = (t[r + R_CELL]! & GEN_MASK) >>> GEN_SHIFT;
        t[r + R_ID] = id;
        t[r + R_INO_LO] = Number(ino & 0xffff_ffffn) | 0;
        t[r + R_INO_HI] = Number((ino >> 32n) & 0xffff_ffffn) | 0;
        t[r + R_NAME_LEN] = -1;
        Atomics.store(t, r + R_CELL, LIVE | (((gen + 1) & 0xff) << GEN_SHIFT));
        t[L.idBase + findId(id).at] = slot + 1;
        size++;
      } finally {
        end();
      }
      setPath(id, { parent, name });
    },
    setEdge(parent, name, id) {
      const bytes = encodeName(name);
      begin();
      try {
        const i = findEdge(parent, bytes);
        const e = L.edgeBase + i * E_INTS;
        if (t[e + E_ID] !== 0) {
          t[e + E_ID] = id;
          return;
        }
        if (edges >= edgeCap * 0.75) return;
        const off = putName(bytes);
        if (off < 0) return;
        // putName may have compacted the arena, which does not move index entries.
        t[e + E_PARENT] = parent;
        t[e + E_NAME_OFF] = off;
        t[e + E_NAME_LEN] = bytes.length;
        t[e + E_ID] = id;
        edges++;
      } finally {
        end();
      }
    },
    dropEdge(parent, name) {
      const bytes = encodeName(name);
      begin();
      try {
        const i = findEdge(parent, bytes);
        if (t[L.edgeBase + i * E_INTS + E_ID] === 0) return;
        shiftOut(L.edgeBase, E_INTS, edgeCap, i, edgeHome);
        edges--;
      } finally {
        end();
      }
    },
    take(id) {
      const { slot } = findId(id);
      if (slot === 0) return 0;
      const at = rec(slot) + R_CELL;
      for (;;) {
        const v = Atomics.load(t, at);
        if ((v & COUNT_MASK) === 0) return 0;
        if (Atomics.compareExchange(t, at, v, v & ~COUNT_MASK) === v) return v & COUNT_MASK;
      }
    },
    free(id) {
      const { slot, at } = findId(id);
      if (slot === 0) return true;
      const r = rec(slot);
      const v = Atomics.load(t, r + R_CELL);
      if ((v & COUNT_MASK) !== 0) return false;
      if (Atomics.compareExchange(t, r + R_CELL, v, v & GEN_MASK) !== v) return false;
      begin();
      try {
        shiftOut(L.idBase, 1, idCap, at, idHome);
        t[r + R_ID] = 0;
        t[r + R_NAME_LEN] = -1;
        t[r + R_NEXT_FREE] = t[FREE_HEAD]!;
        t[FREE_HEAD] = slot;
        size--;
      } finally {
        end();
      }
      return true;
    },
    get size() {
      return size;
    },
  };
}
