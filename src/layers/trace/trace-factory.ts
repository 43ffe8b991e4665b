import type { TraceConfig } from '../../config/types.js';
import { podIdentityFromEnv } from '../../telemetry/registry.js';
import { createTraceProvider } from '../../telemetry/trace-provider.js';
import type { Layer } from '../../vfs/types.js';
import type { LayerDeps } from '../stack/deps.js';
import { createTraceLayer } from './trace-layer.js';

type Env = Readonly<Record<string, string | undefined>>;

const FIXED_SAMPLERS: Readonly<Record<string, number>> = {
  always_off: 0,
  parentbased_always_off: 0,
  always_on: 1,
  parentbased_always_on: 1,
};
const RATIO_SAMPLERS = new Set(['traceidratio', 'parentbased_traceidratio']);

/** The standard sampler env, mapped onto our per-file sampling (OTEL_TRACES_SAMPLER(_ARG)). */
export function sampleRatioFromEnv(env: Env): number | undefined {
  const sampler = env.OTEL_TRACES_SAMPLER?.trim() ?? '';
  if (sampler in FIXED_SAMPLERS) return FIXED_SAMPLERS[sampler];
  if (!RATIO_SAMPLERS.has(sampler)) return undefined;
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  return Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
}

/**
 * A stand-in when OTEL_SDK_DISABLED=true: configured, but costs one call per op, and none for
 * the data requests the reader threads serve (it has nothing to do for them: readerIdle).
 */
const disabledLayer = (): Layer => ({
  name: 'trace',
  around: (_call, next) => next(),
  readerIdle: true,
  missesFromBackend: true,
});

/** What the trace layer takes from the host; `env` replaces process.env (tests). */
export type TraceDeps = Partial<
  Pick<LayerDeps, 'volume' | 'tracerProvider' | 'clock' | 'logger'>
> & {
  readonly env?: Env;
};

/** Builds the `trace` layer from its (schema-checked) options. */
export function traceLayerFactory(c: Omit<TraceConfig, 'type'>, deps: TraceDeps): Layer {
  const env: Env = deps.env ?? process.env;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return disabledLayer();
  const volume = c.volume ?? deps.volume ?? 'default';
  // A provider the host gave us is the host's to shut down; one we build is ours.
  const owned =
    deps.tracerProvider === undefined
      ? createTraceProvider({
          identity: podIdentityFromEnv(env),
          volume,
          env,
          protocol: c.protocol,
          endpoint: c.endpoint,
          serviceName: c.serviceName,
          logger: deps.logger,
        })
      : undefined;
  const layer = createTraceLayer({
    tracerProvider: deps.tracerProvider ?? owned!,
    volume,
    sampleRatio: c.sampleRatio ?? sampleRatioFromEnv(env),
    paths: c.paths,
    ops: c.ops,
    fileRollover: c.fileRollover,
    volumeRollover: c.volumeRollover,
    clock: deps.clock,
  });
  return {
    name: layer.name,
    around: layer.around.bind(layer),
    missesFromBackend: layer.missesFromBackend === true,
    readerServes: (fh) => layer.readerServes?.(fh) ?? false,
    readerLists: (fh) => layer.readerLists?.(fh) ?? false,
    readerServed: layer.readerServed!.bind(layer),
    ...(layer.readerMetaSample !== undefined && { readerMetaSample: layer.readerMetaSample }),
    async close() {
      await layer.close?.();
      // Flushes the batch queue: spans of files closed at shutdown still leave the process.
      await owned?.shutdown();
    },
  };
}
