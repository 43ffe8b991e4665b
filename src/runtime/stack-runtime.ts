import { Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';
import type { StackConfig } from '../config/index.js';
import { buildStack } from '../layers/build-stack.js';
import type { BuiltStack, LayerFactory } from '../layers/build-stack.js';
import { metricsLayerFactory } from '../layers/metrics-factory.js';
import { recordLayerFactory } from '../layers/record-factory.js';
import { createStackHolder } from '../layers/stack-holder.js';
import type { StackHolder } from '../layers/stack-holder.js';
import { traceLayerFactory } from '../layers/trace-factory.js';
import type { Backend } from '../vfs/types.js';

/** trace, metrics and record take observability deps (registry, volume) from buildStack's extras. */
export const OBSERVABILITY_FACTORIES: Readonly<Record<string, LayerFactory>> = {
  trace: traceLayerFactory as unknown as LayerFactory,
  metrics: metricsLayerFactory as unknown as LayerFactory,
  record: recordLayerFactory as unknown as LayerFactory,
};

export interface StackRuntimeOptions {
  config: StackConfig;
  backend: Backend;
  logger: Logger;
  /** Volume name for labels and span attributes. */
  volume: string;
  registry?: Registry;
}

/**
 * The live layer stack of one mount, the same in local mode and in the sidecar: builds the
 * configured stack, swaps it atomically on reconfiguration (an invalid config leaves the old
 * stack in place), and offers the kill switch.
 */
export interface StackRuntime {
  readonly holder: StackHolder;
  readonly registry: Registry;
  current(): BuiltStack;
  readonly config: StackConfig;
  /** Build and swap in a new stack; throws (and keeps the old one) when it cannot be built. */
  reconfigure(config: StackConfig): Promise<void>;
  kill(): Promise<void>;
  close(): Promise<void>;
}

export function createStackRuntime(o: StackRuntimeOptions): StackRuntime {
  const registry = o.registry ?? new Registry();
  const logger = o.logger.child({ component: 'stack', volume: o.volume });
  const build = (config: StackConfig): BuiltStack =>
    buildStack(config, o.backend, {
      logger,
      layerFactories: OBSERVABILITY_FACTORIES,
      extras: { volume: o.volume, registry, logger },
    });
  let built = build(o.config);
  let config = o.config;
  const holder = createStackHolder(built, { logger });
  return {
    holder,
    registry,
    current: () => built,
    get config() {
      return config;
    },
    async reconfigure(next) {
      const stack = build(next);
      built = stack;
      config = next;
      await holder.swap(stack);
    },
    kill: () => holder.kill(),
    async close() {
      await holder.current().close();
    },
  };
}
