import type { TracerProvider } from '@opentelemetry/api';
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

/** The standard sampler env, mapped onto our per-file sampling (OTEL_TRACES_SAMPLER(_ARG)). */
export function sampleRatioFromEnv(env: Env): number | undefined {
  const sampler = env.OTEL_TRACES_SAMPLER?.trim();
  if (sampler === 'always_off' || sampler === 'parentbased_always_off') return 0;
  if (sampler === 'always_on' || sampler === 'parentbased_always_on') return 1;
  if (sampler === 'traceidratio' || sampler === 'parentbased_traceidratio') {
    const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
    return Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  }
  return undefined;
}

function validate(cfg: unknown): TraceLayerConfig {
  if (cfg === undefined || cfg === null) return {};
  if (typeof cfg !== 'object' || Array.isArray(cfg)) {
    throw new ObservabilityConfigError('trace', 'options must be an object');
  }
  const c = cfg as TraceLayerConfig;
  if (c.sampleRatio !== undefined && !(c.sampleRatio >= 0 && c.sampleRatio <= 1)) {
    throw new ObservabilityConfigError('trace.sampleRatio', 'must be a number from 0 to 1');
  }
  if (c.paths !== undefined && !Array.isArray(c.paths)) {
    throw new ObservabilityConfigError('trace.paths', 'must be a list of globs');
  }
  if (c.ops !== undefined && !Array.isArray(c.ops)) {
    throw new ObservabilityConfigError('trace.ops', 'must be a list of op names');
  }
  if (c.protocol !== undefined && c.protocol !== 'grpc' && c.protocol !== 'http/protobuf') {
    throw new ObservabilityConfigError('trace.protocol', 'must be http/protobuf or grpc');
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
  let owned: { shutdown(): Promise<void> } | undefined;
  let provider: TracerProvider | undefined = deps.tracerProvider;
  if (provider === undefined) {
    const sdkProvider = createTraceProvider({
      identity: podIdentityFromEnv(env),
      volume,
      env,
      ...(c.protocol !== undefined && { protocol: c.protocol }),
      ...(c.endpoint !== undefined && { endpoint: c.endpoint }),
      ...(c.serviceName !== undefined && { serviceName: c.serviceName }),
      ...(deps.logger !== undefined && { logger: deps.logger }),
    });
    owned = sdkProvider;
    provider = sdkProvider;
  }
  const sampleRatio = c.sampleRatio ?? sampleRatioFromEnv(env);
  const layer = createTraceLayer({
    tracerProvider: provider,
    volume,
    ...(sampleRatio !== undefined && { sampleRatio }),
    ...(c.paths !== undefined && { paths: c.paths }),
    ...(c.ops !== undefined && { ops: c.ops }),
    ...(c.fileRollover !== undefined && { fileRollover: c.fileRollover }),
    ...(c.volumeRollover !== undefined && { volumeRollover: c.volumeRollover }),
    ...(deps.clock !== undefined && { clock: deps.clock }),
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
