import type { DelayConfig } from '../../config/types.js';
import type { Random } from '../stack/random.js';

/** z of the 99th percentile of the standard normal distribution. */
const Z99 = 2.3263478740408408;

/** Milliseconds to delay, drawn from `cfg`; `fixed` never touches the generator. */
export type DelaySampler = (random: Random) => number;

export function createDelaySampler(cfg: DelayConfig): DelaySampler {
  if ('fixed' in cfg) {
    const ms = cfg.fixed;
    return () => ms;
  }
  if ('min' in cfg) {
    const { min, max } = cfg;
    return (r) => min + r.next() * (max - min);
  }
  // Lognormal from its median and p99: mu = ln(median), sigma = (ln(p99) - mu) / z99.
  const mu = Math.log(Math.max(cfg.median, 1e-6));
  const sigma = Math.max(0, (Math.log(Math.max(cfg.p99, 1e-6)) - mu) / Z99);
  return (r) => {
    // Box-Muller; 1 - next() keeps the log argument in (0, 1].
    const z = Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
    return Math.exp(mu + sigma * z);
  };
}

export const isRandomDelay = (cfg: DelayConfig): boolean => !('fixed' in cfg);
