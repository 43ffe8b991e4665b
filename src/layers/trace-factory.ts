import type { ObservabilityDeps } from '../telemetry/deps.js';
import { ObservabilityConfigError } from '../telemetry/deps.js';
import { podIdentityFromEnv } from '../telemetry/registry.js';
import { createTraceProvider } from '../telemetry/trace-provider.js';
import type { OtlpProtocol } from '../telemetry/trace-provider.js';
import type { FsOp, Layer } from '../vfs/types.js';
import type { RolloverLimits } from './trace-rolling-span.js';
import { createTraceLayer } from './trace-layer.js';

/** Options of the `trace` layer in the configuration file (all optional). */
export interface TraceLayerConfig {
  volume?: string;
  sampleRatio?: number;
  paths?: string[];
  ops?: FsOp[];
  fileRollover?: Partial<RolloverLimits>;
  volumeRollover?: Partial<RolloverLimits>;
  /** Export settings, used only when the host gives no TracerProvider. */
  protocol?: OtlpProtocol;
  endpoint?: string;
  serviceName?: string;
}

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

type Check = [field: keyof TraceLayerConfig, ok: (v: unknown) => boolean, message: string];
const CHECKS: readonly Check[] = [
  ['sampleRatio', (v) => typeof v === 'number' && v >= 0 && v <= 1, 'must be a number from 0 to 1'],
  ['paths', Array.isArray, 'must be a list of globs'],
  ['ops', Array.isArray, 'must be a list of op names'],
  ['protocol', (v) => v === 'grpc' || v === 'http/protobuf', 'must be http/protobuf or grpc'],
  ['endpoint', (v) => typeof v === 'string', 'must be a URL'],
];

function validate(cfg: unknown): TraceLayerConfig {
  if (cfg === undefined || cfg === null) return {};
  if (typeof cfg !== 'object' || Array.isArray(cfg)) {
    throw new ObservabilityConfigError('trace', 'options must be an object');
  }
  const c = cfg as TraceLayerConfig;
  for (const [field, ok, message] of CHECKS) {
    if (c[field] !== undefined && !ok(c[field])) {
      throw new ObservabilityConfigError(`trace.${field}`, message);
    }
  }
  return c;
}

/** A stand-in when OTEL_SDK_DISABLED=true: configured, but costs one call per op. */
const disabledLayer = (): Layer => ({ name: 'trace', around: (_call, next) => next() });

export function traceLayerFactory(cfg: unknown, deps: ObservabilityDeps): Layer {
  const c = validate(cfg);
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
    async close() {
      await layer.close?.();
      // Flushes the batch queue: spans of files closed at shutdown still leave the process.
      await owned?.shutdown();
    },
  };
}
