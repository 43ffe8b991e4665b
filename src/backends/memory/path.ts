import { FsError } from '../../vfs/errors.js';
import { nameByteLength } from '../../vfs/names.js';
import { NAME_MAX } from './constants.js';

export const joinPath = (dir: string, name: string): string =>
  dir === '/' ? `/${name}` : `${dir}/${name}`;

export function splitPath(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf('/');
  return { dir: slash <= 0 ? '/' : path.slice(0, slash), name: path.slice(slash + 1) };
}

/**
 * The engine hands us normalised volume paths; anything else ('//x', '/x/', '.', '..',
 * relative) is a bug upstream or an escape attempt and is refused with EINVAL. A component over
 * NAME_MAX bytes is ENAMETOOLONG. Only paths that miss the path map are checked, so the cost
 * stays off the lookup fast path (a malformed path is never a key). Names are kept as the strings
 * they are, never normalised (docs/adr/0075: invalid UTF-8 bytes arrive escaped); a string that
 * stands for no byte string is EILSEQ, so it can never alias a name a client can reach.
 */
export function checkPath(path: string): void {
  if (path === '/') return;
  if (!path.startsWith('/') || path.endsWith('/')) throw new FsError('EINVAL');
  for (const part of path.slice(1).split('/')) {
    if (part === '' || part === '.' || part === '..') throw new FsError('EINVAL');
    if (nameByteLength(part) > NAME_MAX) throw new FsError('ENAMETOOLONG');
  }
}
