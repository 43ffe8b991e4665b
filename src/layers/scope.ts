import picomatch from 'picomatch';
import { expandOps } from '../config/ops.js';
import type { ScopeConfig } from '../config/types.js';
import type { FsOp, OpCall } from '../vfs/types.js';
import type { Random } from './random.js';

/**
 * The one scope filter every layer shares: path globs, op set, caller pid/uid/gid (static, cheap
 * checks) and a percent (a random draw, so it is asked separately, inside the layer's logged
 * decision, which keeps replays exact).
 */
export interface Scope {
  /** True when every call matches (no filter at all): layers skip the check. */
  readonly all: boolean;
  matches(call: OpCall): boolean;
  /** The percent draw; true without a percent. */
  sample(random: Random): boolean;
  /** Whether `op` can ever match (lets layers drop ops they do not handle at build time). */
  allowsOp(op: FsOp): boolean;
}

const glob = (patterns: readonly string[] | undefined): ((p: string) => boolean) | undefined =>
  patterns === undefined || patterns.length === 0
    ? undefined
    : picomatch([...patterns], { dot: true });

const idSet = (ids: readonly number[] | undefined): Set<number> | undefined =>
  ids === undefined || ids.length === 0 ? undefined : new Set(ids);

export function createScope(cfg: ScopeConfig | undefined): Scope {
  const include = glob(cfg?.paths);
  const exclude = glob(cfg?.excludePaths);
  const ops = cfg?.ops === undefined ? undefined : expandOps(cfg.ops);
  const pids = idSet(cfg?.pids);
  const uids = idSet(cfg?.uids);
  const gids = idSet(cfg?.gids);
  const percent = cfg?.percent ?? 100;
  const staticAll = [include, exclude, ops, pids, uids, gids].every((f) => f === undefined);
  return {
    all: staticAll && percent >= 100,
    allowsOp: (op) => ops === undefined || ops.has(op),
    matches(call) {
      if (staticAll) return true;
      if (ops !== undefined && !ops.has(call.op)) return false;
      if (pids !== undefined && !pids.has(call.caller.pid)) return false;
      if (uids !== undefined && !uids.has(call.caller.uid)) return false;
      if (gids !== undefined && !gids.has(call.caller.gid)) return false;
      if (include !== undefined && !include(call.path)) return false;
      return exclude === undefined || !exclude(call.path);
    },
    sample: (random) => percent >= 100 || random.next() * 100 < percent,
  };
}
