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

export interface BackoffOptions {
  /** The first pause after a failed export, doubled after each failed one up to `maxMs`. */
  firstMs?: number;
  maxMs?: number;
  now?: () => number;
}

/**
 * Stops sending to a collector that failed: after a failed export the batches of the next
 * pause fail at once, neither serialized nor sent, and count as lost (reportingExporter says
 * so); the first batch after the pause is sent, and a success ends the pauses. The pause
 * starts at 1 s and doubles to 60 s. Without it an unreachable collector costs the serving
 * process a serialization and a connection attempt per batch, for spans that are dropped
 * either way: about 50 µs of CPU per span on the bench machine against about 10 µs with a
 * collector that answers (docs/performance.md, step 37). The exporter's own retries of one
 * batch (retryable failures) are unchanged: they come before a failure reaches this.
 */
export function backoffExporter(inner: SpanExporter, o: BackoffOptions = {}): SpanExporter {
  const now = o.now ?? Date.now;
  const first = o.firstMs ?? 1_000;
  const max = o.maxMs ?? 60_000;
  let pause = 0;
  let until = -Infinity;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      const left = until - now();
      if (left > 0) {
        const error = new Error(`the last span export failed: not sending for ${Math.ceil(left)} ms`);
        done({ code: ExportResultCode.FAILED, error });
        return;
      }
      inner.export(spans, (result) => {
        if (result.code === ExportResultCode.FAILED) {
          pause = pause === 0 ? first : Math.min(max, pause * 2);
          until = now() + pause;
        } else {
          pause = 0;
          until = -Infinity;
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush !== undefined && { forceFlush: () => inner.forceFlush!() }),
  };
}
