/**
 * The readers' side of the node table's mirror (node-mirror-layout.ts): consistent reads under
 * the sequence counter, and the one write a reader makes, counting a lookup it answered.
 */
import {
  COUNT_LIMIT,
  DEAD,
  COUNT_MASK,
  EDGE_CAP,
  E_ID,
  E_INTS,
  E_NAME_LEN,
  E_NAME_OFF,
  E_PARENT,
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
  R_PARENT,
  SEQ,
  edgeHash,
  idHash,
  layoutOf,
} from './node-mirror-layout.js';
import type { MirrorLayout } from './node-mirror-layout.js';

const ROOT = 1;
/** Names a path may have here (deeper ones go to the main thread). */
const MAX_DEPTH = 256;
/** Read attempts before a reader gives up on a table the main thread keeps changing. */
const TRIES = 4;

export interface MirrorView {
  readonly t: Int32Array;
  readonly b: Uint8Array;
  readonly L: MirrorLayout;
}

export function mirrorView(sab: SharedArrayBuffer): MirrorView {
  const head = new Int32Array(sab, 0, HEAD_INTS);
  const L = layoutOf(head);
  return { t: new Int32Array(sab, 0, L.arenaByte / 4), b: new Uint8Array(sab, L.arenaByte), L };
}

/** A node found by an edge: what the reader needs to answer for it and count the lookup. */
export interface FoundNode {
  id: number;
  ino: bigint;
  /** The record's int index and the lookup cell's value read with it. */
  rec: number;
  cell: number;
}

const recOf = (v: MirrorView, id: number): number => {
  const cap = v.t[ID_CAP]!;
  for (let i = idHash(id, cap), n = 0; n < cap; i = (i + 1) & (cap - 1), n++) {
    const s = v.t[v.L.idBase + i]!;
    if (s === 0) return -1;
    const r = HEAD_INTS + (s - 1) * R_INTS;
    if (v.t[r + R_ID] === id) return r;
  }
  return -1;
};

/** Whether the arena holds `name[off, off + len)` at `at` (an offset read unvalidated). */
export function arenaHolds(
  v: MirrorView,
  at: number,
  name: Uint8Array,
  off: number,
  len: number,
): boolean {
  if (at < 0 || at + len > v.b.length) return false;
  for (let k = 0; k < len; k++) if (v.b[at + k] !== name[off + k]) return false;
  return true;
}

const edgeOf = (
  v: MirrorView,
  parent: number,
  name: Uint8Array,
  off: number,
  len: number,
): number => {
  const cap = v.t[EDGE_CAP]!;
  for (
    let i = edgeHash(parent, name, off, len, cap), n = 0;
    n < cap;
    i = (i + 1) & (cap - 1), n++
  ) {
    const e = v.L.edgeBase + i * E_INTS;
    const id = v.t[e + E_ID]!;
    if (id === 0) return 0;
    if (v.t[e + E_PARENT] !== parent || v.t[e + E_NAME_LEN] !== len) continue;
    if (arenaHolds(v, v.t[e + E_NAME_OFF]!, name, off, len)) return id;
  }
  return 0;
};

/**
 * `fn` inside a consistent read: run again when the main thread wrote meanwhile, undefined
 * after TRIES such runs. `fn` must only read (what it reads may be torn until validated).
 */
export function consistent<T>(v: MirrorView, fn: () => T | undefined): T | undefined {
  // A mirror the main thread stopped writing (node-mirror.ts) is never read again.
  if (Atomics.load(v.t, DEAD) !== 0) return undefined;
  for (let n = 0; n < TRIES; n++) {
    const s = Atomics.load(v.t, SEQ);
    if ((s & 1) !== 0) continue;
    let r: T | undefined;
    try {
      r = fn();
    } catch {
      // A torn read may index out of range: the same as a changed table.
      r = undefined;
      if (Atomics.load(v.t, SEQ) === s)
        throw new Error('node mirror read failed on a stable table');
    }
    // A read-modify-write, not a load: a full barrier, so that no read of `fn` is performed
    // after this check on a weakly ordered CPU (arm64: a load-acquire would let them).
    if (Atomics.or(v.t, SEQ, 0) === s) return r;
  }
  return undefined;
}

/** The live node (parent, name) leads to, or undefined (unknown, freed, not mirrored). Unvalidated. */
export function nodeByEdge(
  v: MirrorView,
  parent: number,
  name: Uint8Array,
  off: number,
  len: number,
): FoundNode | undefined {
  const id = edgeOf(v, parent, name, off, len);
  if (id === 0) return undefined;
  return nodeById(v, id);
}

/** The live node `id`, or undefined. Unvalidated: call inside `consistent`. */
export function nodeById(v: MirrorView, id: number): FoundNode | undefined {
  const r = recOf(v, id);
  if (r < 0) return undefined;
  const cell = Atomics.load(v.t, r + R_CELL);
  if ((cell & LIVE) === 0) return undefined;
  const ino = (BigInt(v.t[r + R_INO_HI]! >>> 0) << 32n) | BigInt(v.t[r + R_INO_LO]! >>> 0);
  return { id, ino, rec: r, cell };
}

/**
 * The path of node `id` relative to the root (no leading slash; "" for the root) written at
 * the end of `out`: its start offset, or -1 (unknown, no name left, deeper or longer than
 * `out`). Unvalidated: call inside `consistent`.
 */
export function pathOf(v: MirrorView, id: number, out: Uint8Array): number {
  let at = out.length;
  let node = id;
  for (let depth = 0; node !== ROOT; depth++) {
    if (depth >= MAX_DEPTH) return -1;
    const r = recOf(v, node);
    if (r < 0) return -1;
    const len = v.t[r + R_NAME_LEN]!;
    const off = v.t[r + R_NAME_OFF]!;
    if (len <= 0 || off < 0 || off + len > v.b.length) return -1;
    const sep = at === out.length ? 0 : 1;
    if (at - len - sep < 0) return -1;
    if (sep) out[--at] = 0x2f;
    at -= len;
    out.set(v.b.subarray(off, off + len), at);
    node = v.t[r + R_PARENT]!;
  }
  return at;
}

/**
 * Count one lookup the reader answers for `found` (read inside a consistent read): false when
 * the node was freed or its slot taken since, or its pending count is high (hand it over).
 */
export function countLookup(v: MirrorView, found: FoundNode): boolean {
  const at = found.rec + R_CELL;
  const same = found.cell & ~COUNT_MASK;
  // Retried while only the count moved (other readers, the main thread's take): the node and
  // its slot generation are what the swap must not get past; the count may rise to its mask.
  for (let c = found.cell; (c & ~COUNT_MASK) === same && (c & COUNT_MASK) < COUNT_MASK;) {
    const seen = Atomics.compareExchange(v.t, at, c, c + 1);
    if (seen === c) return true;
    c = seen;
  }
  return false;
}

/**
 * Whether a lookup of `found` may be counted (its pending count below COUNT_LIMIT): asked before
 * the reader draws a sample, so that countLookup, half the count's range further, does not fail
 * after the draw (a request handed over undrawn would be drawn again on the main thread).
 */
export const lookupRoom = (found: FoundNode): boolean => (found.cell & COUNT_MASK) < COUNT_LIMIT;
