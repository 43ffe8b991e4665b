import { write } from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from '../../log/logger.js';
import type { StackPort } from '../../vfs/stack.js';
import type { DirectIoTable } from './direct-io-table.js';
import type { KeptMisses } from './kept-misses.js';
import type { NodeTable } from './node-types.js';
import { NotifyCode } from '../protocol/constants.js';
import { writeU64 } from '../protocol/decode.js';
import { encodeNotifyHeader } from '../protocol/encode.js';
import { OUT_HEADER_SIZE } from '../protocol/layout.js';

const writeAsync = promisify(write);

/**
 * FUSE_NOTIFY_INVAL_INODE: from `offset` on, the node's cached pages go (-1: none, attributes
 * only); its attributes always. Written from the threadpool: an invalidation can wait on a page
 * lock held by a READ that the main thread has yet to answer.
 */
export async function sendInvalInode(fd: number, nodeId: number, offset: bigint): Promise<void> {
  const msg = Buffer.alloc(OUT_HEADER_SIZE + 24);
  encodeNotifyHeader(msg, msg.length, NotifyCode.INVAL_INODE);
  writeU64(msg, OUT_HEADER_SIZE, nodeId);
  msg.writeBigInt64LE(offset, OUT_HEADER_SIZE + 8);
  msg.writeBigInt64LE(0n, OUT_HEADER_SIZE + 16); // length 0: to the end
  await writeAsync(fd, msg, 0, msg.length, null);
}

export interface InvalidateAllOptions {
  /** The /dev/fuse fd the notifications are written to. */
  fd: number;
  nodes: NodeTable;
  /** READ/WRITE served by the reader threads themselves (direct-io.ts); absent when off. */
  direct?: DirectIoTable;
  stack: StackPort;
  /** The negative entries handed out: taken back when the new plan forbids them. */
  misses?: KeptMisses;
  /** Take in what the readers changed in the node table (the session's ctx.absorb). */
  absorb?: () => void;
  logger: Logger;
}

/**
 * After a live stack swap: the reader threads stop serving READ/WRITE themselves if the new
 * stack has layers, and the kernel's cached data and attributes of every node go (so the new
 * layers see the next reads), and so do its negative entries when the new stack forbids them
 * (a fault on lookups must see the next lookup of a missing name). Positive entries stay: an
 * invalidation of those would detach mounts on them. Resolves with the number of nodes
 * invalidated.
 */
export async function invalidateAllNodes(o: InvalidateAllOptions): Promise<number> {
  // A stack with layers must see every READ and WRITE: the readers stop serving them at once.
  o.direct?.setPlan(o.stack.plan());
  // Nodes the readers made since the last request (removals.ts): in the table before the walk.
  o.absorb?.();
  let sent = 0;
  for (const id of [...o.nodes.ids()]) {
    try {
      await sendInvalInode(o.fd, id, 0n);
      sent++;
    } catch (err) {
      // ENOENT: the kernel no longer has that inode; anything else is worth a line.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        o.logger.debug({ err, id }, 'invalidation failed');
    }
  }
  const misses = o.stack.plan().cacheMisses ? 0 : await o.misses?.expireAll();
  if (misses) o.logger.debug({ misses }, 'negative entries taken back after a swap');
  return sent;
}
