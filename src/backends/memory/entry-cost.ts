import type { DirInode, Inode } from './inode.js';
import { joinPath } from './path.js';

/**
 * A directory entry costs heap beyond its name: Map slots, and its full path as a key of the
 * path map (long paths deep in a tree add up). All of it is charged, so that neither hard links
 * nor deep trees can exhaust the heap behind the limits' back.
 */
export const ENTRY_OVERHEAD = 64;
const entryCost = (name: string, path: string): number =>
  ENTRY_OVERHEAD + Buffer.byteLength(name) + path.length;

/** Bytes of path-map keys below a directory if it sat at `prefix`. */
function subtreeKeyBytes(dir: DirInode, prefix: string): number {
  let total = 0;
  for (const [name, child] of dir.entries) {
    const path = joinPath(prefix, name);
    total += path.length;
    if (child.kind === 'dir') total += subtreeKeyBytes(child, path);
  }
  return total;
}

/** What linking `node` at `path` costs, its subtree's path keys included. */
export const attachCost = (node: Inode, name: string, path: string): number =>
  entryCost(name, path) + (node.kind === 'dir' ? subtreeKeyBytes(node, path) : 0);
