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
import { MADE } from './miss-ring.js';
import type { MissRing } from './miss-ring.js';

export function removalsAbsorber(
  ring: Pick<MissRing, 'drain'>,
  ctx: Pick<SessionContext, 'nodes' | 'invalidateAttrs' | 'logger'>,
): () => void {
  return () => {
    for (const r of ring.drain()) {
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
