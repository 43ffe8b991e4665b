/**
 * The readers' reads of a node's path name (its first name) in the node table's mirror: written
 * out for a GETATTR without a handle, matched against a LOOKUP's (parent, name).
 */
import { R_NAME_LEN, R_NAME_OFF, R_PARENT } from './node-mirror-layout.js';
import { arenaHolds } from './node-mirror-read.js';
import type { FoundNode, MirrorView } from './node-mirror-read.js';

/** Whether `found` has a name (its path's); unvalidated. */
export const hasName = (v: MirrorView, found: FoundNode): boolean =>
  v.t[found.rec + R_NAME_LEN]! > 0;

/**
 * The path name of `found` (its first name) written to `out` with a NUL after it: its parent
 * node ID, or -1 (no name left, or too long for `out`). Unvalidated: call inside `consistent`.
 */
export function nameOf(v: MirrorView, found: FoundNode, out: Uint8Array): number {
  const len = v.t[found.rec + R_NAME_LEN]!;
  const off = v.t[found.rec + R_NAME_OFF]!;
  if (len <= 0 || len >= out.length || off < 0 || off + len > v.b.length) return -1;
  out.set(v.b.subarray(off, off + len), 0);
  out[len] = 0;
  return v.t[found.rec + R_PARENT]!;
}

/**
 * Whether (parent, name) is `found`'s path name (its first): the main thread's LOOKUP makes the
 * name it was asked for the first one (nodes.ts lookedUp), a reader cannot. Unvalidated.
 */
export function isPathName(
  v: MirrorView,
  found: FoundNode,
  parent: number,
  name: Uint8Array,
  off: number,
  len: number,
): boolean {
  if (v.t[found.rec + R_PARENT] !== parent || v.t[found.rec + R_NAME_LEN] !== len) return false;
  return arenaHolds(v, v.t[found.rec + R_NAME_OFF]!, name, off, len);
}
