import type { StatFs } from '../../vfs/types.js';
import type { Usage } from './quota-usage.js';

/**
 * statfs as a quota-limited directory shows it (XFS project quotas do the same): the budget is
 * the size, what is left of it the free space, so `df` and apps that check free space before
 * writing see the limit the writes will meet. Never more than the backing filesystem has.
 * Sizes round to whole blocks: the size up, the room left down.
 */
export function budgetStatfs(fs: StatFs, u: Usage, maxBytes: number, maxInodes: number): StatFs {
  const unit = fs.frsize > 0 ? fs.frsize : fs.bsize;
  const out = { ...fs };
  if (maxBytes !== Infinity && unit > 0) {
    const room = Math.max(0, Math.floor((maxBytes - u.bytes) / unit));
    out.blocks = Math.min(fs.blocks, Math.ceil(maxBytes / unit));
    out.bfree = Math.min(fs.bfree, room);
    out.bavail = Math.min(fs.bavail, room);
  }
  if (maxInodes !== Infinity) {
    out.files = Math.min(fs.files, maxInodes);
    out.ffree = Math.min(fs.ffree, Math.max(0, maxInodes - u.inodes));
  }
  return out;
}
