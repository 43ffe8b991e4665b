import type { TracerProvider } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Backend } from '../../vfs/types.js';
import type { Clock } from '../../vfs/clock.js';
import type { LayerDecisions } from './decisions.js';
import type { Random } from './random.js';

/**
 * The host's Prometheus registry. It is created on first demand, so that a mount whose layers
 * report nothing never loads the metrics machinery.
 */
export interface MetricsHost {
  /** The registry `/metrics` serves, created now if it does not exist yet. */
  registry(): Registry;
  /** The registry if one exists: layers that only add to it (throttle waits) never create it. */
  existing(): Registry | undefined;
}

/** A MetricsHost over a registry that exists already. */
export const metricsHostOf = (registry: Registry): MetricsHost => ({
  registry: () => registry,
  existing: () => registry,
});

/** What the host that serves a stack gives every layer of it, beside the stack's own deps. */
export interface HostDeps {
  /** The volume the stack serves (the `volume` label, the `fs.volume` attribute). */
  readonly volume: string;
  readonly metrics?: MetricsHost;
  /** For the trace layer; without one it builds its own OTLP pipeline from OTEL_* env. */
  readonly tracerProvider?: TracerProvider;
  /**
   * Shared memory the reader threads count the READ/WRITE they serve into (ADR 0076): a metrics
   * layer that reads it keeps those requests off the main thread.
   */
  readonly readerTap?: SharedArrayBuffer;
}

/** What buildStack hands each layer factory. */
export interface LayerDeps extends HostDeps {
  /** Instance name (config `name` or the type). */
  readonly name: string;
  readonly clock: Clock;
  /** This layer's own stream, forked from the stack seed by layer name and position. */
  readonly random: Random;
  readonly decisions: LayerDecisions;
  readonly logger?: Logger;
  /**
   * The backend under the whole stack, for side calls a layer makes on its own behalf (quota's
   * usage scan, powerloss's undo reads and writes); those bypass the layers below it.
   */
  readonly backend: Backend;
}
