import { createChunkedData } from './chunked-data.js';
import type { TreeBackend, TreeBackendOptions } from './tree-backend.js';
import { createTreeBackend } from './tree-backend.js';

export type MemoryBackendOptions = TreeBackendOptions;

/**
 * A complete POSIX filesystem in this process's heap: sparse chunked file data, bounded by
 * `limits` (ENOSPC, never an OOM). Contents vanish with the process.
 */
export function createMemoryBackend(options: MemoryBackendOptions = {}): TreeBackend {
  return createTreeBackend('memory', createChunkedData, options);
}
