import { encodeName } from '../../vfs/names.js';
import { createMirrorStore } from './node-mirror-store.js';
import type { NodeMirror, NodeMirrorOptions } from './node-types.js';
import * as K from './node-mirror-layout.js';

export function createNodeMirror(o: NodeMirrorOptions = {}): NodeMirror {
  const records = o.records ?? 65_536;
  const L = K.layoutFor(records, o.arenaBytes ?? records * 64);
  const sab = new SharedArrayBuffer(L.bytes);
  const t = new Int32Array(sab, 0, L.arenaByte / 4);
  const b = new Uint8Array(sab, L.arenaByte);
  const idCap = records * 2;
  const edgeCap = records * 2;
  t[K.REC_CAP] = records;
  t[K.REC_NEXT] = 1;
  t[K.ID_CAP] = idCap;
  t[K.EDGE_CAP] = edgeCap;
  t[K.ARENA_CAP] = b.length;
  let size = 0;
  let edges = 0;
  let refused = 0;

  const begin = (): void => void Atomics.add(t, K.SEQ, 1);
  const end = (): void => void Atomics.add(t, K.SEQ, 1);

  const { rec, findId, findEdge, removeId, removeEdge, putName, dropName } = createMirrorStore(
    t,
    b,
    L,
  );

  /** Inside a write: record `slot`'s path name is (parent, bytes), or none. */
  const writePath = (slot: number, parent: number, bytes: Buffer | undefined): void => {
    const r = rec(slot);
    dropName(t[r + K.R_NAME_LEN]!);
    t[r + K.R_NAME_LEN] = -1;
    if (bytes === undefined) return;
    const off = putName(bytes);
    if (off < 0) {
      refused++;
      return;
    }
    t[r + K.R_PARENT] = parent;
    t[r + K.R_NAME_OFF] = off;
    t[r + K.R_NAME_LEN] = bytes.length;
  };
  /** Inside a write: (parent, bytes) leads to `id`. */
  const writeEdge = (parent: number, bytes: Buffer, id: number): void => {
    const i = findEdge(parent, bytes);
    const e = L.edgeBase + i * K.E_INTS;
    if (t[e + K.E_ID] !== 0) {
      t[e + K.E_ID] = id;
      return;
    }
    const off = edges >= edgeCap * 0.75 ? -1 : putName(bytes);
    if (off < 0) {
      refused++;
      return;
    }
    // putName may have compacted the arena, which does not move index entries.
    t[e + K.E_PARENT] = parent;
    t[e + K.E_NAME_OFF] = off;
    t[e + K.E_NAME_LEN] = bytes.length;
    t[e + K.E_ID] = id;
    edges++;
  };
  /** Inside a write: a free record slot for `id`, indexed, live; 0 when full. */
  const newRecord = (id: number, ino: bigint): number => {
    let slot = t[K.FREE_HEAD]!;
    if (slot !== 0) t[K.FREE_HEAD] = t[rec(slot) + K.R_NEXT_FREE]!;
    else if (t[K.REC_NEXT]! < records) {
      slot = t[K.REC_NEXT]!;
      t[K.REC_NEXT] = slot + 1;
    } else return 0;
    const r = rec(slot);
    const gen = (t[r + K.R_CELL]! & K.GEN_MASK) >>> K.GEN_SHIFT;
    t[r + K.R_ID] = id;
    t[r + K.R_INO_LO] = Number(ino & 0xffff_ffffn) | 0;
    t[r + K.R_INO_HI] = Number((ino >> 32n) & 0xffff_ffffn) | 0;
    t[r + K.R_NAME_LEN] = -1;
    Atomics.store(t, r + K.R_CELL, K.LIVE | (((gen + 1) & K.GEN_BITS) << K.GEN_SHIFT));
    t[L.idBase + findId(id).at] = slot + 1;
    size++;
    return slot;
  };

  return {
    sab,
    setPath(id, first) {
      const { slot } = findId(id);
      if (slot === 0) return;
      const bytes = first === undefined ? undefined : encodeName(first.name);
      begin();
      try {
        writePath(slot, first?.parent ?? 0, bytes);
      } finally {
        end();
      }
    },
    add(id, ino, parent, name) {
      if (!Number.isInteger(id) || id <= 1 || id > 0x7fff_ffff) return;
      // One encoding and one write for the record, its path name and its edge.
      const bytes = encodeName(name);
      begin();
      try {
        const slot = newRecord(id, ino);
        if (slot === 0) refused++;
        if (slot === 0) return;
        writePath(slot, parent, bytes);
        writeEdge(parent, bytes, id);
      } finally {
        end();
      }
    },
    setEdge(parent, name, id) {
      const bytes = encodeName(name);
      begin();
      try {
        writeEdge(parent, bytes, id);
      } finally {
        end();
      }
    },
    dropEdge(parent, name) {
      const bytes = encodeName(name);
      begin();
      try {
        const i = findEdge(parent, bytes);
        if (t[L.edgeBase + i * K.E_INTS + K.E_ID] === 0) return;
        removeEdge(i);
        edges--;
      } finally {
        end();
      }
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
      const { slot, at } = findId(id);
      if (slot === 0) return true;
      const r = rec(slot);
      const v = Atomics.load(t, r + K.R_CELL);
      if ((v & K.COUNT_MASK) !== 0) return false;
      if (Atomics.compareExchange(t, r + K.R_CELL, v, v & K.GEN_MASK) !== v) return false;
      begin();
      try {
        removeId(at);
        t[r + K.R_ID] = 0;
        dropName(t[r + K.R_NAME_LEN]!);
        t[r + K.R_NAME_LEN] = -1;
        t[r + K.R_NEXT_FREE] = t[K.FREE_HEAD]!;
        t[K.FREE_HEAD] = slot;
        size--;
      } finally {
        end();
      }
      return true;
    },
    get size() {
      return size;
    },
    get refused() {
      return refused;
    },
  };
}
