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

/** The crash-custody journal as the absorber compacts it (the readers append to it too). */
export interface ReadersJournal {
  /** The journal outgrew the table (open-custody.ts). */
  due(): boolean;
  /** Under the mirror's writers' lock: no reader appends meanwhile. */
  locked<T>(fn: () => T): T;
  /** Rewrite it from the table, then `after`, and hand the readers the new fd. */
  compact(after: readonly string[]): void;
}

export function journalOf(custody: Custody, mirror: NodeMirror): ReadersJournal {
  return {
    due: () => custody.compactionDue,
    locked: (fn) => mirror.locked(fn),
    compact(after) {
      custody.compact(after);
      mirror.setJournalFd(custody.journal.fd);
    },
  };
}

/** The journal line of a change the table has not taken in yet. */
const lineOf = (r: RingMiss): string =>
  r.kind === MADE
    ? addedLine(r.value, r.parent, r.name, r.ino)
    : unlinkedLine(r.value, r.parent, r.name);

export function removalsAbsorber(
  ring: Pick<MissRing, 'drain'>,
  ctx: Pick<SessionContext, 'nodes' | 'invalidateAttrs' | 'logger'>,
  journal?: ReadersJournal,
): () => void {
  const apply = applier(ctx);
  return () => {
    apply(ring.drain());
    if (journal?.due() !== true) return;
    // Under the lock every line a reader appended to the old file is of an entry published by
    // now: one the table has taken in (in the snapshot) or one drained here (written after it).
    const pending = journal.locked(() => {
      const list = ring.drain();
      journal.compact(list.map(lineOf));
      return list;
    });
    apply(pending);
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
