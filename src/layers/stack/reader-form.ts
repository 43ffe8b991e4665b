import type { ScopeConfig } from '../../config/types.js';
import { systemClock } from '../../vfs/clock.js';
import type { Clock } from '../../vfs/clock.js';

/**
 * Whether a layer's READ/WRITE behaviour can be served by the reader threads (ADR 0076): the
 * reader sees the request header and the file handle, not the path, and has no seeded generator
 * or decision log. So: a scope that filters by op at most (no path globs, caller ids or percent),
 * and the system clock (the readers' time base; a test's fake clock keeps the main thread).
 */
export function readerServable(scope: ScopeConfig | undefined, clock: Clock): boolean {
  if (clock !== systemClock) return false;
  if (scope === undefined) return true;
  const none = (l: readonly unknown[] | undefined): boolean => l === undefined || l.length === 0;
  return (
    none(scope.paths) &&
    none(scope.excludePaths) &&
    none(scope.pids) &&
    none(scope.uids) &&
    none(scope.gids) &&
    (scope.percent === undefined || scope.percent >= 100)
  );
}
