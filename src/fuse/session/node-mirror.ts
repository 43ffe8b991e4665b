import { encodeName } from '../../vfs/names.js';
import { createMirrorStore } from './node-mirror-store.js';
import type { NodeMirror, NodeMirrorOptions } from './node-types.js';
import {
  ARENA_CAP,
  COUNT_MASK,
  EDGE_CAP,
  E_ID,
  E_INTS,
  E_NAME_LEN,
  E_NAME_OFF,
  E_PARENT,
  FREE_HEAD,
  GEN_BITS,
  GEN_MASK,
  GEN_SHIFT,
  ID_CAP,
  LIVE,
  R_CELL,
  R_ID,
  R_INO_HI,
  R_INO_LO,
  R_NAME_LEN,
  R_NAME_OFF,
  R_NEXT_FREE,
  R_PARENT,
  REC_CAP,
  REC_NEXT,
  SEQ,
  layoutFor,
} from './node-mirror-layout.js';

export type { NodeMirror, NodeMirrorOptions } from './node-types.js';

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
  let refused = 0;

  const begin = (): void => void Atomics.add(t, SEQ, 1);
  const end = (): void => void Atomics.add(t, SEQ, 1);

  const { rec, findId, findEdge, removeId, removeEdge, putName, dropName } = createMirrorStore(
    t,
    b,
    L,
  );

  const setPath = (id: number, first: { parent: number; name: string } | undefined): void => {
    const { slot } = findId(id);
    if (slot === 0) return;
    const bytes = first === undefined ? undefined : encodeName(first.name);
    begin();
    try {
      const r = rec(slot);
      dropName(t[r + R_NAME_LEN]!);
      t[r + R_NAME_LEN] = -1;
      if (first === undefined || bytes === undefined) return;
      const off = putName(bytes);
      if (off < 0) {
        refused++;
        return;
      }
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
        } else {
          refused++;
          return;
        }
        const r = rec(slot);
        const gen = (t[r + R_CELL]! & GEN_MASK) >>> GEN_SHIFT;
        t[r + R_ID] = id;
        t[r + R_INO_LO] = Number(ino & 0xffff_ffffn) | 0;
        t[r + R_INO_HI] = Number((ino >> 32n) & 0xffff_ffffn) | 0;
        t[r + R_NAME_LEN] = -1;
        Atomics.store(t, r + R_CELL, LIVE | (((gen + 1) & GEN_BITS) << GEN_SHIFT));
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
        const off = edges >= edgeCap * 0.75 ? -1 : putName(bytes);
        if (off < 0) {
          refused++;
          return;
        }
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
        removeEdge(i);
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
        removeId(at);
        t[r + R_ID] = 0;
        dropName(t[r + R_NAME_LEN]!);
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
    get refused() {
      return refused;
    },
  };
}
