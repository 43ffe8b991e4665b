import type { ObservabilityDeps } from '../telemetry/deps.js';
import { ObservabilityConfigError } from '../telemetry/deps.js';
import type { Layer } from '../vfs/types.js';
import { createMetricsLayer } from './metrics-layer.js';

/**
 * Options of the `metrics` layer in the configuration file: `{ volume?: string }`. The volume
 * label defaults to deps.volume. The registry always comes from deps: metrics recorded into a
 * registry nobody serves would be lost silently, so a missing one is a configuration error.
 */
export interface MetricsLayerConfig {
  volume?: string;
}

export function metricsLayerFactory(cfg: unknown, deps: ObservabilityDeps): Layer {
  const options = (cfg ?? {}) as MetricsLayerConfig;
  if (typeof options !== 'object') {
    throw new ObservabilityConfigError('metrics', 'options must be an object');
  }
  if (options.volume !== undefined && typeof options.volume !== 'string') {
    throw new ObservabilityConfigError('metrics.volume', 'must be a string');
  }
  if (deps.registry === undefined) {
    throw new ObservabilityConfigError('metrics', 'no metrics registry was provided by the host');
  }
  const tap = (deps as { readerTap?: SharedArrayBuffer }).readerTap;
  return createMetricsLayer({
    registry: deps.registry,
    volume: options.volume ?? deps.volume ?? 'default',
    clock: deps.clock,
    ...(tap && { readerTap: tap }),
  });
}
