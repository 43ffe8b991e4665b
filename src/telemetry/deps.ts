import type { TracerProvider } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from './clock.js';

/**
 * What the observability layer factories may receive from `buildStack(config, backend, deps)`.
 * Every field is optional so that the config engineer's deps type can carry more than this.
 */
export interface ObservabilityDeps {
  /** The volume the stack serves (label `volume`, resource attribute `fs_interposer.volume`). */
  volume?: string;
  /** Required by the metrics layer: the registry that `/metrics` serves. */
  registry?: Registry;
  /** For the trace layer; without one it builds its own OTLP pipeline from OTEL_* env. */
  tracerProvider?: TracerProvider;
  logger?: Logger;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Bad observability options; `path` names the offending option. */
export class ObservabilityConfigError extends Error {
  readonly code = 'EOBSCONFIG';
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ObservabilityConfigError';
    this.path = path;
  }
}
