import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where the OTLP exporter will send spans, resolved the way the exporters resolve it (the
 * signal-specific variable first, then the base endpoint with the signal path for HTTP, then the
 * spec's localhost default): for the one log line that tells an operator where to look.
 */
export function exportTarget(env: Env, protocol: 'http/protobuf' | 'grpc', explicit?: string): string {
  if (explicit !== undefined) return explicit;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (protocol === 'grpc') return base || 'http://localhost:4317';
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces';
}

export interface ReportingOptions {
  logger: Logger;
  /** For the messages: where the exporter sends. */
  target: string;
  /** At most one warning per interval; the failures in between are counted in the next one. */
  warnEveryMs?: number;
  now?: () => number;
}

/**
 * Wraps an exporter so that a failed export is said out loud, at most once per interval (an
 * unreachable collector fails every batch, every few seconds), with the number of batches and
 * spans lost since the previous warning. Results pass through unchanged.
 */
export function reportingExporter(inner: SpanExporter, o: ReportingOptions): SpanExporter {
  const now = o.now ?? Date.now;
  const every = o.warnEveryMs ?? 60_000;
  let lastWarn = -Infinity;
  let failedBatches = 0;
  let lostSpans = 0;
  const onResult = (spans: number, result: ExportResult): void => {
    if (result.code !== ExportResultCode.FAILED) return;
    failedBatches += 1;
    lostSpans += spans;
    if (now() - lastWarn < every) return;
    lastWarn = now();
    o.logger.warn(
      { target: o.target, err: result.error?.message, failedBatches, lostSpans },
      'span export failed: spans are being dropped (check the tracing endpoint)',
    );
    failedBatches = 0;
    lostSpans = 0;
  };
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      inner.export(spans, (result) => {
        onResult(spans.length, result);
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush !== undefined && { forceFlush: () => inner.forceFlush!() }),
  };
}
