import type { DelayConfig, StackConfig } from './types.js';
import type { Violation } from './validate.js';

const CLASSES = ['read', 'write', 'flush', 'metadata'] as const;

/**
 * What the schema cannot say about a latency distribution: a uniform range must not be reversed
 * and a lognormal p99 must not be below its median (the sampler would clamp the spread to zero
 * and delay every call by the median: a fixed delay the user did not ask for). The compact form
 * refuses a reversed `latency=A..B` the same way.
 */
export function delayRangeViolations(config: StackConfig): Violation[] {
  const out: Violation[] = [];
  config.layers.forEach((layer, i) => {
    if (layer.type !== 'latency') return;
    for (const cls of CLASSES) {
      const d: DelayConfig | undefined = layer[cls];
      const pointer = `/layers/${i}/${cls}`;
      if (d !== undefined && 'min' in d && d.max < d.min)
        out.push({
          pointer,
          message: `max (${d.max}ms) is below min (${d.min}ms)`,
          accepted: ['{min: 5ms, max: 20ms}'],
        });
      if (d !== undefined && 'median' in d && d.p99 < d.median)
        out.push({
          pointer,
          message: `p99 (${d.p99}ms) is below median (${d.median}ms)`,
          accepted: ['{median: 5ms, p99: 50ms}'],
        });
    }
  });
  return out;
}
