/**
 * What a node table holds before its first request: the root, and the nodes a predecessor's
 * journal restores (crash custody, docs/fuse-engine.md).
 */
import { FUSE_ROOT_ID } from '../protocol/constants.js';
import type { NodeEdge, NodeEntry, NodeName } from './node-types.js';

/**
 * Nodes restored from a predecessor's journal: the kernel's lookup counts are unknown, so they
 * are pinned (never dropped on FORGET); a small leak per restart, bounded by the journal.
 */
const PINNED = 2 ** 40;

/** The node table's own maps and indexing (nodes.ts). */
export interface SeedTarget {
  nodes: Map<number, NodeEntry>;
  create(id: number, ino: bigint, nlookup: number, first: NodeName): NodeEntry;
  indexOf(n: NodeEntry, parent: number, name: string): number;
  setEdge(parent: number, name: string, id: number): void;
}

/** Add the root and the `restore` edges to an empty table: the next free node ID. */
export function seedNodes(t: SeedTarget, restore: readonly NodeEdge[], nextId: number): number {
  const { nodes, create, indexOf, setEdge } = t;
  // The root has no name and is never indexed by inode: nothing can be a link to it.
  nodes.set(FUSE_ROOT_ID, {
    id: FUSE_ROOT_ID,
    names: [],
    nlookup: 1,
    ino: 1n,
    orphan: false,
    cachedPath: '/',
    cachedGen: 0,
  });
  for (const r of restore) {
    if (r.id === FUSE_ROOT_ID) continue;
    const n = nodes.get(r.id);
    if (n === undefined) create(r.id, r.ino, PINNED, { parent: r.parent, name: r.name });
    else if (indexOf(n, r.parent, r.name) < 0) {
      n.names.push({ parent: r.parent, name: r.name });
      setEdge(r.parent, r.name, r.id);
    }
    nextId = Math.max(nextId, r.id + 1);
  }
  return nextId;
}
