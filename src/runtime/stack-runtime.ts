import type { Registry } from 'prom-client';
import { createTelemetryRegistry, podIdentityFromEnv } from '../telemetry/registry.js';
import type { Logger } from '../log/logger.js';
import type { StackConfig } from '../config/index.js';
import type { LayerFactory } from '../layers/build-stack.js';
import type { Backend } from '../vfs/types.js';
import { createStackController } from '../layers/controller.js';
import { createReaderTap } from '../vfs/reader-tap.js';
import type { StackController } from '../layers/controller.js';

/**
 * trace, metrics and record take observability deps (registry, volume) from buildStack's extras.
 * Their modules (the OpenTelemetry SDK above all) are loaded only when a configuration asks for
 * them: an idle mount does not pay their memory. `OBSERVABILITY_FACTORIES` is the live table
 * buildStack reads at every build.
 */
const LOADERS: Readonly<Record<string, () => Promise<LayerFactory>>> = {
  trace: async () =>
    (await import('../layers/trace-factory.js')).traceLayerFactory as unknown as LayerFactory,
  metrics: async () => {
    const factory = (await import('../layers/metrics-factory.js'))
      .metricsLayerFactory as unknown as LayerFactory;
    // The runtime's registry is created when the first metrics layer is built (lazyRegistry).
    return ((config, deps) => {
      const lazy = (deps as { lazyRegistry?: () => Registry }).lazyRegistry;
      return factory(config, {
        ...deps,
        ...(deps.registry === undefined && lazy && { registry: lazy() }),
      });
    }) as LayerFactory;
  },
  record: async () =>
    (await import('../layers/record-factory.js')).recordLayerFactory as unknown as LayerFactory,
};

export const OBSERVABILITY_FACTORIES: Record<string, LayerFactory> = {};

/** Load the factories a configuration needs before building it. */
export async function loadLayerFactories(config: Pick<StackConfig, 'layers'>): Promise<void> {
  for (const { type } of config.layers) {
    const load = LOADERS[type];
    if (load !== undefined && OBSERVABILITY_FACTORIES[type] === undefined)
      OBSERVABILITY_FACTORIES[type] = await load();
  }
}

export interface StackRuntimeOptions {
  config: StackConfig;
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
  const lazyRegistry = (): Registry => (registry ??= create());
  const logger = o.logger.child({ component: 'stack', volume: o.volume });
  // One per volume for the mount's life: the readers count into it, metrics layers take from it.
  const readerTap = o.readerTap ?? createReaderTap();
  const controller = createStackController({
    backend: o.backend,
    initial: o.config,
    logger,
    readerTap,
    deps: {
      logger,
      layerFactories: OBSERVABILITY_FACTORIES,
      extras: {
        volume: o.volume,
        ...(registry && { registry }),
        lazyRegistry,
        logger,
        readerTap,
      },
    },
  });
  return {
    controller,
    get registry() {
      return lazyRegistry();
    },
    close: () => controller.holder.current().close(),
  };
}
