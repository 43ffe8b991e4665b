import type { MetricsConfig } from '../../config/types.js';
import { ObservabilityConfigError } from '../../telemetry/config-error.js';
import type { Layer } from '../../vfs/types.js';
import type { LayerDeps } from '../stack/deps.js';
import { createMetricsLayer } from './metrics-layer.js';

/**
 * Builds the `metrics` layer. The volume label defaults to the host's volume. The registry
 * always comes from the host: metrics recorded into a registry nobody serves would be lost
 * silently, so a host without one is a configuration error.
 */
export function metricsLayerFactory(
  c: Omit<MetricsConfig, 'type'>,
  deps: Pick<LayerDeps, 'volume' | 'metrics' | 'clock' | 'readerTap'>,
): Layer {
  if (deps.metrics === undefined) {
    throw new ObservabilityConfigError('metrics', 'no metrics registry was provided by the host');
  }
  return createMetricsLayer({
    registry: deps.metrics.registry(),
    volume: c.volume ?? deps.volume,
    clock: deps.clock,
    readerTap: deps.readerTap,
  });
}
