import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { OpCall } from '../../vfs/types.js';
import type { Clock } from '../../vfs/clock.js';
import type { Decision, DecisionLog } from './decision-log.js';

/**
 * Every injected decision goes through `decide`. Decisions are keyed by (layer, kind, op, path,
 * n) where n counts that key's calls: unlike a position in one global random stream, this key
 * survives a different interleaving of concurrent calls, so a replay re-applies the decision to
 * the same call of the same file even when threads were scheduled differently.
 */
export interface LayerDecisions {
  /**
   * `draw()` returns the decision, or undefined for "no injection". Recording: draws and logs.
   * Replaying: returns the logged decision for this call (or undefined) without drawing.
   */
  decide<T>(call: OpCall, kind: string, draw: () => T | undefined): T | undefined;
}

export interface Decisions {
  forLayer(layer: string): LayerDecisions;
  readonly replaying: boolean;
}

export type ReplayIndex = ReadonlyMap<string, unknown>;

interface Where {
  op: string;
  path: string;
}

const keyOf = (layer: string, kind: string, at: Where, n: number): string =>
  `${layer}\u0000${kind}\u0000${at.op}\u0000${at.path}\u0000${n}`;

/** Parse a decision log (JSON lines) into a replay index; bad lines are errors, not skipped. */
export function loadReplay(text: string): ReplayIndex {
  const index = new Map<string, unknown>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let d: Decision;
    try {
      d = JSON.parse(line) as Decision;
    } catch {
      throw new Error(`decision log line ${i + 1}: not JSON`);
    }
    if (typeof d.layer !== 'string' || typeof d.n !== 'number' || typeof d.decision !== 'string') {
      throw new Error(`decision log line ${i + 1}: missing layer, n or decision`);
    }
    index.set(keyOf(d.layer, d.decision, d, d.n), d.value);
  });
  return index;
}

export const loadReplayFile = (path: string): ReplayIndex => loadReplay(readFileSync(path, 'utf8'));

export interface DecisionsOptions {
  clock: Clock;
  log?: DecisionLog;
  replay?: ReplayIndex;
  /** Distinct (layer, kind, op, path) counters kept; past it new keys are neither logged nor replayed. */
  maxKeys?: number;
  logger?: Logger;
}

export const DEFAULT_DECISION_KEYS = 1_000_000;

/** Neither logging nor replaying: decide is the draw itself, no counting, no allocation. */
const direct: LayerDecisions = { decide: (_call, _kind, draw) => draw() };

export function createDecisions(options: DecisionsOptions): Decisions {
  const { clock, log, replay } = options;
  if (log === undefined && replay === undefined)
    return { forLayer: () => direct, replaying: false };
  // One counter per distinct key, bounded: a workload touching millions of paths must not grow
  // this map without end. Past the bound, new keys get n = 0: drawn but not logged, not replayed.
  const maxKeys = options.maxKeys ?? DEFAULT_DECISION_KEYS;
  const counters = new Map<string, number>();
  let warned = false;
  const next = (key: string): number => {
    const seen = counters.get(key);
    if (seen === undefined && counters.size >= maxKeys) {
      if (!warned)
        options.logger?.error(
          { maxKeys },
          'decision counters full: new files are no longer logged or replayed',
        );
      warned = true;
      return 0;
    }
    const n = (seen ?? 0) + 1;
    counters.set(key, n);
    return n;
  };
  return {
    replaying: replay !== undefined,
    forLayer(layer) {
      return {
        decide<T>(call: OpCall, kind: string, draw: () => T | undefined): T | undefined {
          const n = next(keyOf(layer, kind, call, 0));
          if (replay !== undefined) {
            return n === 0 ? undefined : (replay.get(keyOf(layer, kind, call, n)) as T | undefined);
          }
          const value = draw();
          if (value !== undefined && n > 0) {
            log?.append({
              t: clock.now(),
              layer,
              op: call.op,
              path: call.path,
              n,
              decision: kind,
              value,
            });
          }
          return value;
        },
      };
    },
  };
}
