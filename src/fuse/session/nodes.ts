import { FUSE_ROOT_ID } from '../protocol/constants.js';
import type { NodeEntry, NodeName, NodeTable, NodeTableOptions } from './node-types.js';
import { edge, join, pathIn } from './node-paths.js';
import { seedNodes } from './node-seed.js';

export type { NodeEdge, NodeEntry, NodeJournal, NodeName, NodeTable } from './node-types.js';

/**
 * Node IDs handed to the kernel. The kernel keeps attributes, page cache and locks per node ID,
 * so one inode has one ID however many names it has: a hard link joins the node of its inode
 * (the caller proves it is the same inode, see same-inode.ts), a directory always has one name.
 * A node's path is its first name's, derived by walking parents and cached per rename
 * generation. A node with no name left (unlinked or replaced) stays valid for open files and
 * pending FORGETs but has no path.
 *
 * Every change is reported to an optional journal so that a successor process can resolve the
 * IDs the kernel still holds (crash custody, docs/fuse-engine.md).
 */
export function createNodeTable(opts: NodeTableOptions = {}): NodeTable {
  const nodes = new Map<number, NodeEntry>();
  const byEdge = new Map<string, number>();
  const byIno = new Map<bigint, Set<number>>();
  const journal = opts.journal;
  const mirror = opts.mirror;
  let nextId = 2;
  let gen = 0;
  const setEdge = (parent: number, name: string, id: number): void => {
    byEdge.set(edge(parent, name), id);
    mirror?.setEdge(parent, name, id);
  };
  const dropEdge = (parent: number, name: string): void => {
    byEdge.delete(edge(parent, name));
    mirror?.dropEdge(parent, name);
  };
  /** After any change of a node's names: the first is its path's. */
  const namesChanged = (n: NodeEntry): void => mirror?.setPath(n.id, n.names[0]);

  /** A new node in the table alone (a reader's is in the mirror already: adopt). */
  const enter = (id: number, ino: bigint, nlookup: number, first: NodeName): NodeEntry => {
    const n: NodeEntry = {
      id,
      names: [first],
      nlookup,
      ino,
      orphan: false,
      cachedPath: '',
      cachedGen: -1,
    };
    nodes.set(id, n);
    byEdge.set(edge(first.parent, first.name), id);
    let set = byIno.get(ino);
    if (set === undefined) byIno.set(ino, (set = new Set()));
    set.add(id);
    return n;
  };
  const create = (id: number, ino: bigint, nlookup: number, first: NodeName): NodeEntry => {
    // The mirror takes the node and its first name's edge at once, unless a reader made this
    // name's node meanwhile (not taken in yet): that one is the node, with its lookups pending.
    const made = mirror?.add(id, ino, first.parent, first.name, (x) => nodes.has(x)) ?? 0;
    return enter(made === 0 ? id : made, ino, nlookup, first);
  };
  const indexOf = (n: NodeEntry, parent: number, name: string): number =>
    n.names.findIndex((x) => x.parent === parent && x.name === name);
  /** The name no longer leads to this node's inode. */
  const dropName = (key: string, parent: number, name: string): void => {
    const id = byEdge.get(key);
    if (id === undefined) return;
    dropEdge(parent, name);
    gen++;
    const n = nodes.get(id)!;
    const i = indexOf(n, parent, name);
    if (i >= 0) n.names.splice(i, 1);
    n.orphan = n.names.length === 0;
    namesChanged(n);
    journal?.unlinked(id, parent, name);
  };
  /** One name of a node becomes another (rename, exchange). */
  const renameName = (id: number, from: NodeName, to: NodeName): void => {
    const n = nodes.get(id)!;
    const i = indexOf(n, from.parent, from.name);
    if (i >= 0) n.names[i] = to;
    else n.names.push(to);
    setEdge(to.parent, to.name, id);
    namesChanged(n);
    if (n.names.length === 1) journal?.moved(id, to.parent, to.name);
    else {
      journal?.unlinked(id, from.parent, from.name);
      journal?.linked(id, to.parent, to.name);
    }
  };

  nextId = seedNodes({ nodes, create, indexOf, setEdge }, opts.restore ?? [], nextId);
  mirror?.startIds(nextId);
  /** A new node ID: the mirror's (shared with the readers), then beyond its 31-bit range. */
  const newId = (): number => {
    const id = mirror?.nextId() ?? 0;
    if (id !== 0) return id;
    nextId = Math.max(nextId, mirror === undefined ? 0 : 0x8000_0000);
    return nextId++;
  };

  const pathOf = (id: number): string | undefined => pathIn(nodes, id, gen);

  return {
    get: (id) => nodes.get(id),
    path: pathOf,
    childPath(parentId, name) {
      const p = pathOf(parentId);
      return p === undefined ? undefined : join(p, name);
    },
    lookedUp(parentId, name, ino, alias) {
      const key = edge(parentId, name);
      const existing = byEdge.get(key);
      if (existing !== undefined) {
        const n = nodes.get(existing)!;
        if (n.ino === ino) {
          // With the readers' lookups since the last take: their pending count stays small.
          n.nlookup += 1 + (mirror?.take(existing) ?? 0);
          // The name the kernel just used is the one to take the path from.
          const i = indexOf(n, parentId, name);
          if (i > 0) {
            n.names.unshift(...n.names.splice(i, 1));
            n.cachedGen = -1;
            namesChanged(n);
          }
          return existing;
        }
        // The name now points to another inode (replaced behind our back).
        dropName(key, parentId, name);
      }
      const same = alias === undefined ? undefined : nodes.get(alias);
      if (same !== undefined && same.ino === ino && same.names.length > 0) {
        same.nlookup++;
        same.names.unshift({ parent: parentId, name });
        same.cachedGen = -1;
        setEdge(parentId, name, same.id);
        namesChanged(same);
        journal?.linked(same.id, parentId, name);
        return same.id;
      }
      const fresh = newId();
      const { id } = create(fresh, ino, 1, { parent: parentId, name });
      // A reader's node (create found it) was journaled by the reader (direct-journal.ts).
      if (id === fresh) journal?.added(id, parentId, name, ino);
      return id;
    },
    forget(id, nlookup) {
      if (id === FUSE_ROOT_ID) return;
      const n = nodes.get(id);
      if (n === undefined) return;
      // Lookups the readers answered count as the main thread's (node-mirror-layout.ts).
      n.nlookup += mirror?.take(id) ?? 0;
      n.nlookup -= nlookup;
      while (n.nlookup <= 0 && mirror?.free(id) === false) n.nlookup += mirror.take(id);
      if (n.nlookup > 0) return;
      nodes.delete(id);
      const set = byIno.get(n.ino);
      set?.delete(id);
      if (set?.size === 0) byIno.delete(n.ino);
      for (const { parent, name } of n.names) {
        if (byEdge.get(edge(parent, name)) === id) dropEdge(parent, name);
      }
      journal?.removed(id);
    },
    detach(parentId, name) {
      dropName(edge(parentId, name), parentId, name);
    },
    rename(parentId, name, newParentId, newName) {
      const from = edge(parentId, name);
      const to = edge(newParentId, newName);
      if (from === to) return;
      const id = byEdge.get(from);
      const target = byEdge.get(to);
      // Two names of one inode: rename(2) does nothing and succeeds.
      if (id !== undefined && target !== undefined && nodes.get(id)!.ino === nodes.get(target)!.ino)
        return;
      dropName(to, newParentId, newName);
      dropEdge(parentId, name);
      gen++;
      if (id !== undefined)
        renameName(id, { parent: parentId, name }, { parent: newParentId, name: newName });
    },
    exchange(parentId, name, newParentId, newName) {
      const a = edge(parentId, name);
      const b = edge(newParentId, newName);
      const idA = byEdge.get(a);
      const idB = byEdge.get(b);
      if (idA !== undefined && idA === idB) return;
      dropEdge(parentId, name);
      dropEdge(newParentId, newName);
      gen++;
      const na = { parent: parentId, name };
      const nb = { parent: newParentId, name: newName };
      if (idA !== undefined) renameName(idA, na, nb);
      if (idB !== undefined) renameName(idB, nb, na);
    },
    adopt(id, ino, parent, name) {
      // Taken in already: the main thread's own LOOKUP or READDIRPLUS of the name found it.
      if (nodes.has(id)) return;
      const key = edge(parent, name);
      const existing = byEdge.get(key);
      // Not expected (the reader found no edge under the mirror's lock, and the kernel sends no
      // second LOOKUP of a new name before the first is answered): the reader's node wins, as a
      // LOOKUP that finds a name replaced does.
      if (existing !== undefined && existing !== id) {
        dropName(key, parent, name);
        setEdge(parent, name, id);
      }
      // Its lookup is the reader's, pending in the mirror cell (taken at the next LOOKUP, FORGET).
      // Journaled by the reader before its reply (direct-journal.ts): a second line here could
      // come after the reader's own removal of the name, and a successor would restore it.
      enter(id, ino, 0, { parent, name });
    },
    ids: () => nodes.keys(),
    lookupEdge: (parentId, name) => byEdge.get(edge(parentId, name)),
    sameInode: (ino) => [...(byIno.get(ino) ?? [])],
    *live() {
      for (const n of nodes.values()) {
        if (n.id === FUSE_ROOT_ID) continue;
        for (const { parent, name } of n.names) yield { id: n.id, parent, name, ino: n.ino };
      }
    },
    get size() {
      return nodes.size;
    },
    get edges() {
      return byEdge.size;
    },
  };
}
