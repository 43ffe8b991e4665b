/**
 * The main thread's side of the UNLINKs the reader threads answer (direct-unlink.ts): the names
 * they removed, taken out of the node table as the main thread's own UNLINK does (ops/entry.ts
 * removal: the edge goes, other nodes of the same inode get their attributes invalidated), each
 * only while the name still leads to the node the reader removed it from; and the nodes they
 * made for a LOOKUP (direct-new-node.ts), taken into the table as they are in the mirror.
 * `absorb` runs before the server serves any request (server.ts), so a request the kernel sent
 * after a reader's reply finds the table as that reply left it.
 */
import { otherNodesChanged } from '../ops/same-inode.js';
import type { SessionContext } from './context.js';
import { addedLine, unlinkedLine } from '../custody/journal.js';
import type { Custody } from '../custody/open-custody.js';
import { MADE } from './miss-ring.js';
import type { MissRing, RingMiss } from './miss-ring.js';
import type { NodeMirror } from './node-types.js';

/** The crash-custody journal as the absorber keeps it (the readers append to it too). */
export interface ReadersJournal {
  /** The journal outgrew the table (open-custody.ts). */
  due(): boolean;
  /** Lines the readers appended: one per entry of theirs taken in. */
  noted(lines: number): void;
  /**
   * Compact it: the table's snapshot written aside, then, while no reader appends (the mirror's
   * writers' lock), `drain` and the lines of what it returns written after the snapshot, and
   * the readers handed the new fd. Returns what `drain` returned, for the table to take in.
   */
  compact(drain: () => readonly RingMiss[]): readonly RingMiss[];
  /** A compaction threw: tried again later. */
  failed(): void;
}

export function journalOf(custody: Custody, mirror: NodeMirror): ReadersJournal {
  return {
    due: () => custody.compactionDue,
    noted: (lines) => custody.noted(lines),
    compact(drain) {
      // Written outside the lock (it may take a while): only this thread changes the table, and
      // what the readers publish meanwhile is drained below.
      const staged = custody.stage();
      try {
        return mirror.locked(() => {
          const list = drain();
          staged.finish(list.map(lineOf));
          mirror.setJournalFd(custody.journal.fd);
          return list;
        });
      } finally {
        // Closes the snapshot's fd if finish did not run (a throw before it).
        staged.abort();
      }
    },
    failed: () => custody.failed(),
  };
}

/** The journal line of a change the table has not taken in yet. */
const lineOf = (r: RingMiss): string =>
  r.kind === MADE
    ? addedLine(r.value, r.parent, r.name, r.ino)
    : unlinkedLine(r.value, r.parent, r.name);

/**
 * The absorber (see above); with `mirror`, once a second at most, it also lets the readers make
 * nodes again after the mirror had no room for one (INCOMPLETE: a tree larger than the mirror,
 * forgotten since), once the mirror holds every edge of the table again.
 */
export function removalsAbsorber(
  ring: Pick<MissRing, 'drain' | 'idle'>,
  ctx: Pick<SessionContext, 'nodes' | 'invalidateAttrs' | 'logger'>,
  journal?: ReadersJournal,
  mirror?: Pick<NodeMirror, 'recheck' | 'edges'>,
): () => void {
  const apply = applier(ctx);
  let recheckAt = 0;
  return () => {
    const list = ring.drain();
    journal?.noted(list.length);
    apply(list);
    if (mirror !== undefined && Date.now() >= recheckAt) {
      recheckAt = Date.now() + 1000;
      // Equal counts mean equal sets: the mirror holds no edge the table lacks once no reader's
      // entry is on its way (its edges are the table's, or readers' nodes not yet taken in).
      mirror.recheck(() => ring.idle && mirror.edges === ctx.nodes.edges);
    }
    if (journal?.due() !== true) return;
    // Under the lock every line a reader appended to the old file is of an entry published by
    // now: one the table has taken in (in the snapshot) or one drained there (written after it).
    let drained: readonly RingMiss[] = [];
    try {
      journal.compact(() => (drained = ring.drain()));
    } catch (err) {
      // Called outside any request's error handling (server.ts): the journal stays as it was.
      journal.noted(drained.length);
      journal.failed();
      ctx.logger.warn({ err }, 'compacting the node journal failed; trying again in a minute');
    } finally {
      apply(drained);
    }
  };
}

function applier(
  ctx: Pick<SessionContext, 'nodes' | 'invalidateAttrs' | 'logger'>,
): (list: readonly RingMiss[]) => void {
  return (list) => {
    for (const r of list) {
      if (r.kind === MADE) {
        try {
          ctx.nodes.adopt(r.value, r.ino, r.parent, r.name);
        } catch (err) {
          ctx.logger.warn({ err, node: r.value }, 'taking in a node the readers made failed');
        }
        continue;
      }
      // Only from the node the reader removed it from (a name made again since is another's).
      const id = ctx.nodes.lookupEdge(r.parent, r.name);
      if (id !== r.value) continue;
      const ino = ctx.nodes.get(id)?.ino;
      try {
        ctx.nodes.detach(r.parent, r.name);
        otherNodesChanged(ctx, ino, id);
      } catch (err) {
        // Called outside any request's error handling (server.ts): one entry fails, not the server.
        ctx.logger.warn({ err, node: id }, 'taking in a removal the readers made failed');
      }
    }
  };
}
