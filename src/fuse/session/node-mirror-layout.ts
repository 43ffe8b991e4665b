/**
 * The node table's mirror in shared memory (ADR 0087 step 1): what a reader thread needs to
 * answer a LOOKUP of a name the kernel already has a node for, or a GETATTR of such a node,
 * without the main thread. The main thread's table (nodes.ts) stays the truth and writes every
 * change here; the readers only read, except for the lookup counts below.
 *
 * One SharedArrayBuffer of Int32s, then a name arena of bytes:
 * - head: a sequence counter (odd while the main thread writes; a reader that sees it move
 *   reads again), capacities and the arena's fill.
 * - records, R_INTS each, slot 0 unused: node ID, parent node ID, the path name's arena offset
 *   and length (the node's first name, as nodes.ts's pathOf takes it; length -1: no name left),
 *   the lookup cell, the inode number in two halves, the next free slot.
 * - an ID index: open addressing by node ID, each entry a record slot + 1 (0: empty).
 * - an edge index: open addressing by (parent ID, name bytes), E_INTS each: parent ID, the
 *   name's arena offset and length, node ID (0: empty). Every name of every node.
 *
 * The lookup cell: bit 30 set while the node lives, 17 bits of slot generation, and 13 bits of
 * lookups the readers answered and the main thread has not yet taken into its count (it takes
 * them at every LOOKUP and FORGET it serves for the node, and a reader hands a LOOKUP over
 * before the count nears its limit). A reader
 * adds one with a compare-and-swap from a value it read inside a consistent read of the
 * record: a node the main thread freed (bit 30 clear) or whose slot a new node took since
 * (another generation) fails the swap, so a reader never revives a freed node nor counts a
 * lookup for another one. The main thread takes the readers' lookups into the node's count
 * before it subtracts a FORGET, and frees a node only by swapping (live, gen, 0) for
 * (dead, gen, 0): a lookup added in between makes that swap fail and the node live on.
 */
export const SEQ = 0;
export const REC_CAP = 1;
export const REC_NEXT = 2;
export const FREE_HEAD = 3;
export const ID_CAP = 4;
export const EDGE_CAP = 5;
export const ARENA_CAP = 6;
export const ARENA_TOP = 7;
/**
 * The writers' lock (ADR 0087 step 3): 0 free, 1 held. The main thread writes under it, and a
 * reader that makes a node for a LOOKUP (direct-new-node.ts) takes it without waiting (else it
 * hands the LOOKUP over). Nothing inside it can throw; the one system call inside is the write
 * of a journal line under crash custody (direct-journal.ts).
 */
export const WLOCK = 8;
/** The next node ID (nodes.ts allocates through the mirror: the readers' nodes come from it too). */
export const NEXT_ID = 9;
/** Nodes mirrored, edges in the edge index, name bytes in use (written under WLOCK). */
export const SIZE = 10;
export const EDGES = 11;
export const LIVE_BYTES = 12;
/**
 * Set once the main thread's table holds an edge or a node the mirror does not (no room, a node
 * ID beyond 31 bits): a reader may then not take a name missing here for a new one, and makes no
 * node from then on.
 */
export const INCOMPLETE = 13;
/** Nodes the readers made (ctl status: engine.directIo.nodesMade). */
export const MADE = 14;
/**
 * Set when the main thread could not take the lock for 2 s (a reader gone while holding it): it
 * writes the mirror no more, and every read of it fails (the readers hand everything over).
 */
export const DEAD = 15;
/**
 * The crash-custody journal's fd (-1: none): a reader that makes or removes a node appends its
 * line there under WLOCK, before its reply, as the main thread does (direct-journal.ts); the main
 * thread swaps it under WLOCK when it compacts the journal.
 */
export const JOURNAL_FD = 16;
/** Int index where the records start. */
export const HEAD_INTS = 24;
/** The last node ID the mirror hands out: IDs above it are the main thread's own, unmirrored. */
export const LAST_ID = 0x7fff_fffe;

export const R_INTS = 8;
export const R_ID = 0;
export const R_PARENT = 1;
export const R_NAME_OFF = 2;
export const R_NAME_LEN = 3;
export const R_CELL = 4;
export const R_INO_LO = 5;
export const R_INO_HI = 6;
export const R_NEXT_FREE = 7;

export const E_INTS = 4;
export const E_PARENT = 0;
export const E_NAME_OFF = 1;
export const E_NAME_LEN = 2;
export const E_ID = 3;

export const LIVE = 1 << 30;
/**
 * 17 bits: a reader's read and its compare-and-swap are a few µs apart; the slot would have to
 * be freed and taken again 131,072 times in between for the swap to hit another node.
 */
export const GEN_SHIFT = 13;
export const GEN_BITS = 0x1_ffff;
export const GEN_MASK = GEN_BITS << GEN_SHIFT;
export const COUNT_MASK = (1 << GEN_SHIFT) - 1;
/** A reader hands the LOOKUP over rather than let the pending count near its 13 bits. */
export const COUNT_LIMIT = 1 << 12;

export interface MirrorLayout {
  records: number;
  /** Int index of the ID index, of the edge index; byte offset of the arena. */
  idBase: number;
  edgeBase: number;
  arenaByte: number;
  bytes: number;
}

/** Where each region starts for `records` record slots (ID and edge indexes at twice that). */
export function layoutFor(records: number, arenaBytes: number): MirrorLayout {
  const idBase = HEAD_INTS + records * R_INTS;
  const edgeBase = idBase + records * 2;
  const arenaByte = (edgeBase + records * 2 * E_INTS) * 4;
  return { records, idBase, edgeBase, arenaByte, bytes: arenaByte + arenaBytes };
}

/** The same layout, from the capacities written in a mirror's head. */
export function layoutOf(t: Int32Array): MirrorLayout {
  return layoutFor(t[REC_CAP]!, t[ARENA_CAP]!);
}

/** Slot hash of a node ID in an index of `cap` (a power of two) entries. */
export const idHash = (id: number, cap: number): number =>
  (Math.imul(id, 0x9e3779b1) >>> 0) & (cap - 1);

/** FNV-1a over the name bytes, seeded with the parent ID. */
export function edgeHash(
  parent: number,
  b: Uint8Array,
  off: number,
  len: number,
  cap: number,
): number {
  let h = (0x811c9dc5 ^ Math.imul(parent, 0x9e3779b1)) >>> 0;
  for (let i = off; i < off + len; i++) h = Math.imul(h ^ b[i]!, 0x01000193) >>> 0;
  return h & (cap - 1);
}
