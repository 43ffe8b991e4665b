import type { RecordConfig } from '../../config/types.js';
import { ObservabilityConfigError } from '../../telemetry/config-error.js';
import type { Layer } from '../../vfs/types.js';
import type { LayerDeps } from '../stack/deps.js';
import { createRecordLayer } from './record-layer.js';

/**
 * Builds the `record` layer (`--record FILE` is `record` with `{ path: FILE }`). The schema
 * checks the options; only the path is checked here, because the compact `record` names none
 * and leaves it to the host. The path must be outside the mount being served.
 */
export function recordLayerFactory(
  c: Omit<RecordConfig, 'type'>,
  deps: Partial<Pick<LayerDeps, 'volume' | 'clock' | 'logger'>>,
): Layer {
  if (c.path === undefined || c.path === '') {
    throw new ObservabilityConfigError('record.path', 'a file outside the mount is required');
  }
  return createRecordLayer({
    path: c.path,
    volume: c.volume ?? deps.volume ?? 'default',
    maxBytes: c.maxBytes,
    maxFiles: c.maxFiles,
    ops: c.ops,
    flushIntervalMs: c.flushIntervalMs,
    append: c.append,
    clock: deps.clock,
    logger: deps.logger,
  });
}
