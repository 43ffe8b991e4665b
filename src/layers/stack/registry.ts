import type { LayerConfig, LayerType } from '../../config/types.js';
import type { Layer } from '../../vfs/types.js';
import type { LayerDeps } from './deps.js';
import { createFaultLayer } from '../fault/fault.js';
import { createLatencyLayer } from '../latency/latency.js';
import { createPowerlossLayer } from '../powerloss/powerloss.js';
import { createQuotaLayer } from '../quota/quota.js';
import { createShuffleLayer } from '../shuffle/shuffle.js';
import { createThrottleLayer } from '../throttle/throttle.js';

/** The configuration of one layer type, by type name. */
export type LayerConfigOf = { [C in LayerConfig as C['type']]: C };

export type LayerFactory<T extends LayerType> = (cfg: LayerConfigOf[T], deps: LayerDeps) => Layer;

/** Factories ready to build with, by layer type: what buildStack takes. */
export type LayerFactories = { readonly [T in LayerType]?: LayerFactory<T> };

/** A factory in this module's import graph, or one whose module is imported on demand. */
type Entry<T extends LayerType> =
  | { readonly create: LayerFactory<T> }
  | { readonly load: () => Promise<LayerFactory<T>> };

/**
 * Every layer type. trace, metrics and record are loaded when a configuration first names them:
 * their modules (the OpenTelemetry SDK above all) would otherwise cost every idle mount their
 * memory (docs/performance.md).
 */
const LAYERS = {
  fault: { create: createFaultLayer },
  latency: { create: createLatencyLayer },
  throttle: { create: createThrottleLayer },
  quota: { create: createQuotaLayer },
  powerloss: { create: createPowerlossLayer },
  shuffle: { create: createShuffleLayer },
  trace: { load: async () => (await import('../trace/trace-factory.js')).traceLayerFactory },
  metrics: { load: async () => (await import('../metrics/metrics-factory.js')).metricsLayerFactory },
  record: { load: async () => (await import('../record/record-factory.js')).recordLayerFactory },
} satisfies { readonly [T in LayerType]: Entry<T> };

const entries: { readonly [T in LayerType]: Entry<T> } = LAYERS;
const TYPES = Object.keys(LAYERS) as LayerType[];

type Mutable = { [T in LayerType]?: LayerFactory<T> };

function addBuiltin<T extends LayerType>(out: Mutable, type: T): void {
  const entry: Entry<T> = entries[type];
  const slot: { [K in T]?: LayerFactory<K> } = out;
  if ('create' in entry) slot[type] = entry.create;
}

async function addLoaded<T extends LayerType>(out: Mutable, type: T): Promise<void> {
  const entry: Entry<T> = entries[type];
  const slot: { [K in T]?: LayerFactory<K> } = out;
  slot[type] = 'create' in entry ? entry.create : await entry.load();
}

/** The factories that need no import: every layer but trace, metrics and record. */
export function builtinFactories(): LayerFactories {
  const out: Mutable = {};
  for (const type of TYPES) addBuiltin(out, type);
  return out;
}

/** The factories a configuration needs, importing the modules of those not imported yet. */
export async function loadLayerFactories(config: {
  readonly layers: readonly { readonly type: LayerType }[];
}): Promise<LayerFactories> {
  const out: Mutable = { ...builtinFactories() };
  for (const type of new Set(config.layers.map((l) => l.type))) await addLoaded(out, type);
  return out;
}

/** Build one layer with the factory of its type; undefined when that factory is not loaded. */
export function createLayer<T extends LayerType>(
  factories: LayerFactories,
  cfg: LayerConfigOf[T] & { readonly type: T },
  deps: LayerDeps,
): Layer | undefined {
  const factory: LayerFactory<T> | undefined = factories[cfg.type];
  return factory?.(cfg, deps);
}
