import { FUSE_ROOT_ID } from './protocol/constants.js';

/**
 * Node IDs handed to the kernel, each a (parent, name) edge with a lookup count. Paths are
 * derived by walking parents and cached per rename generation. A node whose name was unlinked
 * or replaced stays valid (open files, pending FORGETs) but has no path of its own.
 *
 * Every change is reported to an optional journal so that a successor process can resolve the
 * IDs the kernel still holds (crash custody, docs/fuse-engine.md).
 */
export interface NodeEntry {
  readonly id: number;
  parent: number;
  name: string;
  nlookup: number;
  ino: bigint;
  /** Unlinked or replaced: kept only until the kernel forgets it. */
  orphan: boolean;
  cachedPath: string;
  cachedGen: number;
}

export interface NodeJournal {
  added(id: number, parent: number, name: string, ino: bigint): void;
  moved(id: number, parent: number, name: string): void;
  removed(id: number): void;
}

export interface NodeTable {
  get(id: number): NodeEntry | undefined;
  path(id: number): string | undefined;
  childPath(parentId: number, name: string): string | undefined;
  /** Register a successful lookup of (parent, name); returns the node ID (nlookup + 1). */
  lookedUp(parentId: number, name: string, ino: bigint): number;
  forget(id: number, nlookup: number): void;
  /** The name (parent, name) no longer exists (unlink, rmdir). */
  detach(parentId: number, name: string): void;
  rename(parentId: number, name: string, newParentId: number, newName: string): void;
  exchange(parentId: number, name: string, newParentId: number, newName: string): void;
  /** Every node ID the kernel may still hold. */
  ids(): IterableIterator<number>;
  /** The node ID of (parent, name), if the kernel was told of it. */
  lookupEdge(parentId: number, name: string): number | undefined;
  /** Node IDs whose inode is `ino` (hard links get one node ID per name). */
  sameInode(ino: bigint): number[];
  /** The named (not orphaned) nodes as journal entries, for compaction. */
  live(): Iterable<{ id: number; parent: number; name: string; ino: bigint }>;
  readonly size: number;
}

function edge(parent: number, name: string): string {
  return `${parent}/${name}`;
}

/**
 * Nodes restored from a predecessor's journal: the kernel's lookup counts are unknown, so they
 * are pinned (never dropped on FORGET); a small leak per restart, bounded by the journal.
 */
const PINNED = 2 ** 40;

export interface NodeTableOptions {
  journal?: NodeJournal;
  restore?: readonly { id: number; parent: number; name: string; ino: bigint }[];
}

export function createNodeTable(opts: NodeTableOptions = {}): NodeTable {
  const nodes = new Map<number, NodeEntry>();
  const byEdge = new Map<string, number>();
  const byIno = new Map<bigint, Set<number>>();
  const index = (id: number, ino: bigint): void => {
    let set = byIno.get(ino);
    if (set === undefined) byIno.set(ino, (set = new Set()));
    set.add(id);
  };
  const unindex = (id: number, ino: bigint): void => {
    const set = byIno.get(ino);
    set?.delete(id);
    if (set?.size === 0) byIno.delete(ino);
  };
  let nextId = 2;
  let gen = 0;
  const journal = opts.journal;
  nodes.set(FUSE_ROOT_ID, {
    id: FUSE_ROOT_ID,
    parent: 0,
    name: '',
    nlookup: 1,
    ino: 1n,
    orphan: false,
    cachedPath: '/',
    cachedGen: Number.MAX_SAFE_INTEGER,
  });
  for (const r of opts.restore ?? []) {
    if (r.id === FUSE_ROOT_ID) continue;
    nodes.set(r.id, { ...r, nlookup: PINNED, orphan: false, cachedPath: '', cachedGen: -1 });
    byEdge.set(edge(r.parent, r.name), r.id);
    index(r.id, r.ino);
    nextId = Math.max(nextId, r.id + 1);
  }

  const pathOf = (id: number): string | undefined => {
    const n = nodes.get(id);
    if (n === undefined || n.orphan) return undefined;
    if (n.cachedGen === gen || id === FUSE_ROOT_ID) return n.cachedPath;
    const parentPath = pathOf(n.parent);
    if (parentPath === undefined) return undefined;
    n.cachedPath = parentPath === '/' ? `/${n.name}` : `${parentPath}/${n.name}`;
    n.cachedGen = gen;
    return n.cachedPath;
  };

  const orphan = (key: string): void => {
    const id = byEdge.get(key);
    if (id === undefined) return;
    byEdge.delete(key);
    const n = nodes.get(id);
    if (n) n.orphan = true;
    gen++;
  };

  return {
    get: (id) => nodes.get(id),
    path: pathOf,
    childPath(parentId, name) {
      const p = pathOf(parentId);
      if (p === undefined) return undefined;
      return p === '/' ? `/${name}` : `${p}/${name}`;
    },
    lookedUp(parentId, name, ino) {
      const key = edge(parentId, name);
      const existing = byEdge.get(key);
      if (existing !== undefined) {
        const n = nodes.get(existing)!;
        if (n.ino === ino) {
          n.nlookup++;
          return existing;
        }
        // The name now points to another inode (replaced behind our back): new node.
        orphan(key);
      }
      const id = nextId++;
      nodes.set(id, { id, parent: parentId, name, nlookup: 1, ino, orphan: false, cachedPath: '', cachedGen: -1 });
      byEdge.set(key, id);
      index(id, ino);
      journal?.added(id, parentId, name, ino);
      return id;
    },
    forget(id, nlookup) {
      if (id === FUSE_ROOT_ID) return;
      const n = nodes.get(id);
      if (n === undefined) return;
      n.nlookup -= nlookup;
      if (n.nlookup > 0) return;
      nodes.delete(id);
      unindex(id, n.ino);
      const key = edge(n.parent, n.name);
      if (byEdge.get(key) === id) byEdge.delete(key);
      journal?.removed(id);
    },
    detach(parentId, name) {
      orphan(edge(parentId, name));
    },
    rename(parentId, name, newParentId, newName) {
      const from = edge(parentId, name);
      const to = edge(newParentId, newName);
      if (from === to) return;
      const id = byEdge.get(from);
      orphan(to);
      byEdge.delete(from);
      gen++;
      if (id === undefined) return;
      const n = nodes.get(id)!;
      n.parent = newParentId;
      n.name = newName;
      byEdge.set(to, id);
      journal?.moved(id, newParentId, newName);
    },
    exchange(parentId, name, newParentId, newName) {
      const a = edge(parentId, name);
      const b = edge(newParentId, newName);
      const idA = byEdge.get(a);
      const idB = byEdge.get(b);
      byEdge.delete(a);
      byEdge.delete(b);
      gen++;
      if (idA !== undefined) {
        const n = nodes.get(idA)!;
        n.parent = newParentId;
        n.name = newName;
        byEdge.set(b, idA);
        journal?.moved(idA, newParentId, newName);
      }
      if (idB !== undefined) {
        const n = nodes.get(idB)!;
        n.parent = parentId;
        n.name = name;
        byEdge.set(a, idB);
        journal?.moved(idB, parentId, name);
      }
    },
    ids: () => nodes.keys(),
    lookupEdge: (parentId, name) => byEdge.get(edge(parentId, name)),
    sameInode: (ino) => [...(byIno.get(ino) ?? [])],
    *live() {
      for (const n of nodes.values()) {
        if (!n.orphan && n.id !== FUSE_ROOT_ID) yield { id: n.id, parent: n.parent, name: n.name, ino: n.ino };
      }
    },
    get size() {
      return nodes.size;
    },
  };
}
