import type { RangeLock } from '../../sys/locks.js';
import { F_UNLCK } from '../../sys/constants.js';

/**
 * The byte ranges one lock owner holds, mirrored from what the kernel granted. The kernel keeps
 * the truth; this copy only exists to name the holder's pid in getlk (OFD locks report -1).
 */
export function applyLock(held: readonly RangeLock[], lock: RangeLock): RangeLock[] {
  const out: RangeLock[] = [];
  for (const r of held) {
    if (r.end < lock.start || r.start > lock.end) {
      out.push(r);
      continue;
    }
    if (r.start < lock.start) out.push({ ...r, end: lock.start - 1 });
    if (r.end > lock.end) out.push({ ...r, start: lock.end + 1 });
  }
  if (lock.type !== F_UNLCK) out.push({ ...lock });
  return out.sort((a, b) => a.start - b.start);
}

export function overlaps(held: readonly RangeLock[], probe: RangeLock): RangeLock | undefined {
  return held.find((r) => r.start <= probe.end && probe.start <= r.end);
}
