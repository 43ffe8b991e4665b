import type { TreeBackend, TreeBackendOptions } from '../memory/tree-backend.js';
import { createTreeBackend } from '../memory/tree-backend.js';
import { createNullData } from './null-data.js';

export type NullBackendOptions = TreeBackendOptions;

/**
 * A sink: the namespace, attributes, xattrs and locks are kept in memory (the memory backend's
 * metadata code) so that tools work, but file contents are discarded. Sizes grow as if the data
 * were written; reads return zeros. `limits.maxBytes` bounds only metadata (names, xattrs,
 * symlink targets), since no data is held.
 */
export function createNullBackend(options: NullBackendOptions = {}): TreeBackend {
  return createTreeBackend('null', () => createNullData(), options);
}
