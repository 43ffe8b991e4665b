import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import { backoffExporter, exportTarget, reportingExporter } from './export-reporter.js';
import { createResource } from './resource.js';
import type { ResourceOptions } from './resource.js';

export type OtlpProtocol = 'http/protobuf' | 'grpc';

export interface TraceProviderOptions extends ResourceOptions {
  /** Overrides OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL; default http/protobuf. */
  protocol?: OtlpProtocol;
  /** Overrides OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT (a local-mode flag). */
  endpoint?: string;
  /** Replace the OTLP exporter (tests: InMemorySpanExporter). */
  exporter?: SpanExporter;
  logger?: Logger;
}

export class TraceConfigError extends Error {
  readonly code = 'ETRACECONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'TraceConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function resolveProtocol(env: Env, explicit?: OtlpProtocol): OtlpProtocol {
  if (explicit !== undefined) return explicit;
  const raw = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (raw === undefined || raw === '' || raw === 'http/protobuf') return 'http/protobuf';
  if (raw === 'grpc') return 'grpc';
  throw new TraceConfigError(`OTLP protocol ${raw} is not supported: use http/protobuf or grpc`);
}

function envInt(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new TraceConfigError(`${name}=${raw}: want a positive integer`);
  return n;
}

/**
 * The exporter reads the OTEL_EXPORTER_OTLP_* endpoint, headers, timeout and compression from
 * process.env itself; an explicit endpoint is a signal-specific URL and is used as given.
 */
function createExporter(options: TraceProviderOptions, env: Env): SpanExporter | undefined {
  if (options.exporter !== undefined) return options.exporter;
  const log = options.logger?.child({ component: 'trace-provider' });
  if (env.OTEL_TRACES_EXPORTER?.trim() === 'none') {
    log?.info('spans are not exported (OTEL_TRACES_EXPORTER=none; in a cluster: the chart value tracing.otlpEndpoint is empty)');
    return undefined;
  }
  const protocol = resolveProtocol(env, options.protocol);
  const url = options.endpoint;
  const exporter =
    protocol === 'grpc'
      ? new OtlpGrpcExporter(url === undefined ? {} : { url })
      : new OtlpProtoExporter(url === undefined ? {} : { url });
  const paced = backoffExporter(exporter);
  if (log === undefined) return paced;
  const target = exportTarget(env, protocol, url);
  log.info({ target, protocol }, `spans are exported to ${target} (${protocol})`);
  return reportingExporter(paced, { logger: log, target });
}

/** The OTEL_BSP_* batching settings, which sdk-trace no longer reads by itself. */
function batchProcessor(exporter: SpanExporter, env: Env): SpanProcessor {
  const o: ConstructorParameters<typeof BatchSpanProcessor>[0] = { exporter };
  const delay = envInt(env, 'OTEL_BSP_SCHEDULE_DELAY');
  const timeout = envInt(env, 'OTEL_BSP_EXPORT_TIMEOUT');
  const queue = envInt(env, 'OTEL_BSP_MAX_QUEUE_SIZE');
  const batch = envInt(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE');
  if (delay !== undefined) o.scheduledDelayMillis = delay;
  if (timeout !== undefined) o.exportTimeoutMillis = timeout;
  if (queue !== undefined) o.maxQueueSize = queue;
  if (batch !== undefined) o.maxExportBatchSize = Math.min(batch, queue ?? 2048);
  return new BatchSpanProcessor(o);
}

/**
 * A TracerProvider for the trace layer, never registered globally: each volume's stack gets the
 * provider it was built with, and shutting it down flushes what is queued.
 */
export function createTraceProvider(options: TraceProviderOptions = {}): TracerProvider {
  const env = options.env ?? {};
  const exporter = createExporter(options, env);
  return new TracerProvider({
    resource: createResource(options),
    spanProcessors: exporter === undefined ? [] : [batchProcessor(exporter, env)],
  });
}
