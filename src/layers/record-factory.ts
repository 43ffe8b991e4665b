import type { ObservabilityDeps } from '../telemetry/deps.js';
import { ObservabilityConfigError } from '../telemetry/deps.js';
import type { FsOp, Layer } from '../vfs/types.js';
import { createRecordLayer } from './record-layer.js';

/**
 * Options of the `record` layer (`--record FILE` is `record` with `{ path: FILE }`). The path
 * must be outside the mount being served.
 */
export interface RecordLayerConfig {
  path?: string;
  maxBytes?: number;
  maxFiles?: number;
  ops?: FsOp[];
  flushIntervalMs?: number;
  volume?: string;
  /** Add to an existing file of ours at `path` instead of refusing it. */
  append?: boolean;
}

const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

function check(c: RecordLayerConfig): string {
  if (typeof c.path !== 'string' || c.path === '') {
    throw new ObservabilityConfigError('record.path', 'a file outside the mount is required');
  }
  if (c.maxBytes !== undefined && !positiveInt(c.maxBytes)) {
    throw new ObservabilityConfigError('record.maxBytes', 'must be a positive integer');
  }
  if (c.maxFiles !== undefined && !(Number.isInteger(c.maxFiles) && c.maxFiles >= 0)) {
    throw new ObservabilityConfigError('record.maxFiles', 'must be an integer >= 0');
  }
  if (c.append !== undefined && typeof c.append !== 'boolean') {
    throw new ObservabilityConfigError('record.append', 'must be true or false');
  }
  if (c.ops !== undefined && !Array.isArray(c.ops)) {
    throw new ObservabilityConfigError('record.ops', 'must be a list of op names');
  }
  return c.path;
}

export function recordLayerFactory(cfg: unknown, deps: ObservabilityDeps): Layer {
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) {
    throw new ObservabilityConfigError('record', 'options must be an object with a path');
  }
  const c = cfg as RecordLayerConfig;
  const path = check(c);
  return createRecordLayer({
    path,
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
