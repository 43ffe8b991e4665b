/** The node table's keys and paths (nodes.ts): a node's path is its first name's. */
import { FUSE_ROOT_ID } from '../protocol/constants.js';
import type { NodeEntry } from './node-types.js';

export const edge = (parent: number, name: string): string => `${parent}/${name}`;
export const join = (dir: string, name: string): string =>
  dir === '/' ? `/${name}` : `${dir}/${name}`;

/**
 * The path of node `id`, derived by walking parents and cached per rename generation `gen`:
 * undefined when the node is unknown or has no name left.
 */
export function pathIn(
  nodes: ReadonlyMap<number, NodeEntry>,
  id: number,
  gen: number,
): string | undefined {
  const n = nodes.get(id);
  if (n === undefined) return undefined;
  if (id === FUSE_ROOT_ID) return '/';
  if (n.orphan) return undefined;
  if (n.cachedGen === gen) return n.cachedPath;
  // The first name whose directory still has a path (they differ only for hard links).
  for (const { parent, name } of n.names) {
    const dir = pathIn(nodes, parent, gen);
    if (dir === undefined) continue;
    n.cachedPath = join(dir, name);
    n.cachedGen = gen;
    return n.cachedPath;
  }
  return undefined;
}
