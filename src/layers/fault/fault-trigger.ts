import type { FaultConfig } from '../../config/types.js';
import type { Random } from '../stack/random.js';

/**
 * When an eligible call fails: `after` skips the first N, `nth` fires every nth after that,
 * otherwise `rate` percent; `window` gates all of it to the down phase of a dm-flakey style
 * up/down cycle (with a window and no rate or nth, every call in the down phase fails);
 * `oneShot` stops after the first. Counters are per layer instance.
 */
export interface Trigger {
  /** False when the config can never fire (the layer then takes its fast path). */
  readonly active: boolean;
  fire(now: number, random: Random): boolean;
}

export function createTrigger(cfg: FaultConfig, startMs: number): Trigger {
  const rate = cfg.rate ?? 0;
  const nth = cfg.nth;
  const after = cfg.after ?? 0;
  const window = cfg.window;
  const always = window !== undefined && nth === undefined && cfg.rate === undefined;
  let seen = 0;
  let spent = false;
  const inDown = (now: number): boolean => {
    if (window === undefined) return true;
    const t = now - startMs - (window.offset ?? 0);
    if (t < 0) return false;
    const period = window.up + window.down;
    return period > 0 && t % period >= window.up;
  };
  return {
    active: rate > 0 || nth !== undefined || always,
    fire(now, random) {
      if (spent) return false;
      seen++;
      if (seen <= after || !inDown(now)) return false;
      let hit: boolean;
      if (nth !== undefined) hit = (seen - after) % nth === 0;
      else if (always) hit = true;
      else hit = random.next() * 100 < rate;
      if (hit && cfg.oneShot === true) spent = true;
      return hit;
    },
  };
}
