import picomatch from 'picomatch';
import { expandOps } from '../../config/ops.js';
import type { ScopeConfig } from '../../config/types.js';
import type { FsOp, OpCall } from '../../vfs/types.js';
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
  /** True when `sample` draws (a percent below 100): its outcome is a decision to log. */
  readonly sampled: boolean;
  /** Whether `op` can ever match (lets layers drop ops they do not handle at build time). */
  allowsOp(op: FsOp): boolean;
}

const glob = (patterns: readonly string[] | undefined): ((p: string) => boolean) | undefined =>
  patterns === undefined || patterns.length === 0
    ? undefined
    : picomatch([...patterns], { dot: true });

const idSet = (ids: readonly number[] | undefined): Set<number> | undefined =>
  ids === undefined || ids.length === 0 ? undefined : new Set(ids);

type Check = (call: OpCall) => boolean;

/** The static checks this config needs, cheapest first; none at all for an empty scope. */
function staticChecks(cfg: ScopeConfig): Check[] {
  const checks: Check[] = [];
  const ops = cfg.ops === undefined ? undefined : expandOps(cfg.ops);
  if (ops !== undefined) checks.push((c) => ops.has(c.op));
  const ids: [readonly number[] | undefined, (c: OpCall) => number][] = [
    [cfg.pids, (c) => c.caller.pid],
    [cfg.uids, (c) => c.caller.uid],
    [cfg.gids, (c) => c.caller.gid],
  ];
  for (const [list, get] of ids) {
    const set = idSet(list);
    if (set !== undefined) checks.push((c) => set.has(get(c)));
  }
  const include = glob(cfg.paths);
  if (include !== undefined) checks.push((c) => include(c.path));
  const exclude = glob(cfg.excludePaths);
  if (exclude !== undefined) checks.push((c) => !exclude(c.path));
  return checks;
}

export function createScope(cfg: ScopeConfig | undefined): Scope {
  const checks = staticChecks(cfg ?? {});
  const ops = cfg?.ops === undefined ? undefined : expandOps(cfg.ops);
  const percent = cfg?.percent ?? 100;
  return {
    all: checks.length === 0 && percent >= 100,
    sampled: percent < 100,
    allowsOp: (op) => ops === undefined || ops.has(op),
    matches: (call) => checks.length === 0 || checks.every((check) => check(call)),
    sample: (random) => percent >= 100 || random.next() * 100 < percent,
  };
}
