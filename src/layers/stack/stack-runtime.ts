import type { Registry } from 'prom-client';
import { createTelemetryRegistry, podIdentityFromEnv } from '../../telemetry/registry.js';
import type { Logger } from '../../log/logger.js';
import type { StackConfig } from '../../config/index.js';
import type { MetricsHost } from './deps.js';
import type { LayerFactories } from './registry.js';
import type { Backend } from '../../vfs/types.js';
import { createStackController } from './controller.js';
import { createReaderTap } from '../../vfs/reader-tap.js';
import type { StackController } from './controller.js';

export interface StackRuntimeOptions {
  config: StackConfig;
  /** The factories of the config's layers (loadLayerFactories, src/layers/stack/registry.ts). */
  factories: LayerFactories;
  backend: Backend;
  logger: Logger;
  /** Volume name for labels and span attributes. */
  volume: string;
  registry?: Registry;
  /**
   * The host serves a metrics endpoint: create the registry now, so that every layer that reports
   * (throttle waits, injected faults) finds it. Otherwise it is created by the first metrics layer.
   */
  serveMetrics?: boolean;
  /**
   * The volume's reader tap, when the host made it before the stack (the sidecar: a volume first
   * refused, then brought to life, keeps the tap its session was started with). Default: a new one.
   */
  readerTap?: SharedArrayBuffer;
}

/**
 * The live layer stack of one mount, the same in local mode and in the sidecar: the stack
 * controller (atomic swaps; the seed and decision log carry over) with every layer type,
 * observability included, and the metrics registry they report to.
 */
export interface StackRuntime {
  readonly controller: StackController;
  /** Created (with prom-client loaded) on first use: by a metrics layer or a metrics endpoint. */
  readonly registry: Registry;
  close(): Promise<void>;
}

export function createStackRuntime(o: StackRuntimeOptions): StackRuntime {
  // Every series carries the pod and namespace when the environment names them (the sidecar).
  const create = (): Registry => createTelemetryRegistry({ identity: podIdentityFromEnv(process.env) });
  let registry = o.registry ?? (o.serveMetrics === true ? create() : undefined);
  const metrics: MetricsHost = { registry: () => (registry ??= create()), existing: () => registry };
  const logger = o.logger.child({ component: 'stack', volume: o.volume });
  // One per volume for the mount's life: the readers count into it, metrics layers take from it.
  const readerTap = o.readerTap ?? createReaderTap();
  const controller = createStackController({
    backend: o.backend,
    initial: o.config,
    logger,
    readerTap,
    deps: { logger, factories: o.factories, volume: o.volume, metrics, readerTap },
  });
  return {
    controller,
    get registry() {
      return metrics.registry();
    },
    close: () => controller.holder.current().close(),
  };
}
