/** The node table's shapes (nodes.ts) and its journal's (journal.ts). */
export interface NodeName {
  parent: number;
  name: string;
}

export interface NodeEntry {
  readonly id: number;
  /** The names the kernel knows, the one the path is taken from first. */
  readonly names: NodeName[];
  nlookup: number;
  ino: bigint;
  /** No name left: kept only until the kernel forgets it. */
  orphan: boolean;
  cachedPath: string;
  cachedGen: number;
}

export interface NodeJournal {
  added(id: number, parent: number, name: string, ino: bigint): void;
  /** A node got another name (a hard link of its inode). */
  linked(id: number, parent: number, name: string): void;
  /** The only name of a node moved. */
  moved(id: number, parent: number, name: string): void;
  /** One name of a node is gone (unlinked, renamed over, replaced). */
  unlinked(id: number, parent: number, name: string): void;
  removed(id: number): void;
}

/** One (id, name) edge: what the journal restores and compacts to. */
export interface NodeEdge {
  id: number;
  parent: number;
  name: string;
  ino: bigint;
}

export interface NodeTable {
  get(id: number): NodeEntry | undefined;
  path(id: number): string | undefined;
  childPath(parentId: number, name: string): string | undefined;
  /**
   * Register a successful lookup of (parent, name); returns the node ID (nlookup + 1). `alias`
   * names a node proven to be the same inode under another name: the name joins it.
   */
  lookedUp(parentId: number, name: string, ino: bigint, alias?: number): number;
  forget(id: number, nlookup: number): void;
  /** The name (parent, name) no longer exists (unlink, rmdir). */
  detach(parentId: number, name: string): void;
  rename(parentId: number, name: string, newParentId: number, newName: string): void;
  exchange(parentId: number, name: string, newParentId: number, newName: string): void;
  /** Every node ID the kernel may still hold. */
  ids(): IterableIterator<number>;
  /** The node ID of (parent, name), if the kernel was told of it. */
  lookupEdge(parentId: number, name: string): number | undefined;
  /** Node IDs whose inode number is `ino` (one per inode, more only across filesystems). */
  sameInode(ino: bigint): number[];
  /**
   * Take in node `id` a reader made for (parent, name) and wrote to the mirror, and journaled
   * (removals.ts): the readers' lookup of it is pending in its mirror cell.
   */
  adopt(id: number, ino: bigint, parent: number, name: string): void;
  /** Edges (parent, name) -> node: what the mirror must hold for the readers to make nodes. */
  readonly edges: number;
  /** Every name of every named node, for compaction. */
  live(): Iterable<NodeEdge>;
  readonly size: number;
}

/** The main thread's side of the node table's mirror (node-mirror-layout.ts). */
export interface NodeMirror {
  readonly sab: SharedArrayBuffer;
  /**
   * A new node with its first name (the path name and its edge). Without room it is not
   * mirrored: the readers hand its requests over. Returns 0, or the ID of the node of the same
   * inode a reader made for that name meanwhile (direct-new-node.ts: the main thread has not
   * taken it in yet, e.g. a READDIRPLUS beside a reader's LOOKUP), which is then the node:
   * nothing is written. `known`: whether the table has a node already (never that one).
   */
  add(
    id: number,
    ino: bigint,
    parent: number,
    name: string,
    known?: (id: number) => boolean,
  ): number;
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
  /**
   * `fn` while no reader writes the mirror or the journal (the writers' lock, without a change
   * of the mirror itself): the journal's compaction (direct-journal.ts).
   */
  locked<T>(fn: () => T): T;
  /** The crash-custody journal's fd the readers append to (-1: none; swapped under `locked`). */
  setJournalFd(fd: number): void;
  /** Node IDs from `next` on (after a restore): the counter only moves up. */
  startIds(next: number): void;
  /**
   * The next node ID, shared with the readers that make nodes (ADR 0087 step 3); 0 once the
   * mirror's 31-bit range is spent (the table then counts on by itself, unmirrored).
   */
  nextId(): number;
  /** Nodes mirrored now. */
  readonly size: number;
  /** Nodes the readers made (ctl status: engine.directIo.nodesMade). */
  readonly made: number;
  /**
   * Nodes and names it had no room for so far (records or name arena full): the readers hand
   * their requests to the main thread. Shown by `ctl status` (engine.directIo.unmirrored).
   */
  readonly refused: number;
  /** Edges mirrored now (nodes.ts's `edges` once every one is: see `recheck`). */
  readonly edges: number;
  /**
   * Let the readers make nodes again after a refusal (INCOMPLETE), when `complete()` says the
   * mirror holds every edge of the table again; asked under the writers' lock. Not once DEAD.
   */
  recheck(complete: () => boolean): boolean;
}

export interface NodeMirrorOptions {
  /** Record slots (a power of two; default 65,536): nodes beyond it are not mirrored. */
  records?: number;
  /** Bytes for names (default 64 per record). */
  arenaBytes?: number;
}

export interface NodeTableOptions {
  journal?: NodeJournal;
  restore?: readonly NodeEdge[];
  /** Written with every change, for the reader threads (node-mirror.ts, ADR 0087). */
  mirror?: NodeMirror;
}
