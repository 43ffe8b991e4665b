import type { DirEntry } from '../../vfs/types.js';
import { statxAt } from '../../sys/statx.js';
import type { MetaIoPolicy } from '../../sys/libc.js';

/** Enough to keep the default threadpool (4 threads) busy without flooding it. */
const CONCURRENCY = 8;

/**
 * Fill `attr` for each entry with an lstat relative to the already open directory fd: no path
 * resolution per entry, a few in parallel. READDIRPLUS then needs no LOOKUP per entry (the
 * engine's fallback, serial and one openat2 each). An entry that vanished since the listing
 * simply gets no attr.
 */
export async function attachAttrs(
  io: MetaIoPolicy,
  dirfd: number,
  entries: DirEntry[],
): Promise<DirEntry[]> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const e = entries[next++]!;
      try {
        e.attr = await statxAt(io, dirfd, e.name);
      } catch {
        // Gone since the listing was taken: the engine decides.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));
  return entries;
}
