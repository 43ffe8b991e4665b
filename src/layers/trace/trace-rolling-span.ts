import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { Clock } from '../../vfs/clock.js';

export interface RolloverLimits {
  /** End the current segment and start a linked one after this long (ms). */
  maxDurationMs: number;
  /** ... or after this many child spans. */
  maxOps: number;
}

/**
 * A long-lived parent span (an open file, a volume's metadata ops) cut into bounded segments.
 * A database keeps its files open for days: one span for that would never be exported and would
 * collect millions of children. Each segment is a root span of its own trace, linked to the
 * segment before it, so backends can walk the chain.
 */
export interface RollingSpan {
  /** The context a child span starts under; rolls the segment over first when it is full. */
  childContext(): Context;
  readonly segment: number;
  readonly current: Span;
  /**
   * End the current segment. `errno` names how the file's last op ended; the span's status is
   * ERROR only when that was a failure, not an expected answer such as EEXIST on O_EXCL create.
   */
  end(errno?: string, failed?: boolean): void;
}

export interface RollingSpanOptions {
  tracer: Tracer;
  name: string;
  attributes: Attributes;
  limits: RolloverLimits;
  clock: Clock;
}

export function createRollingSpan(options: RollingSpanOptions): RollingSpan {
  const { tracer, name, attributes, limits, clock } = options;
  let segment = 0;
  let startedAt = clock.now();
  let ops = 0;
  let span = tracer.startSpan(name, { attributes, startTime: startedAt, root: true });
  // One context per segment, not one per child: it only changes when the segment does.
  let context = trace.setSpan(ROOT_CONTEXT, span);

  const roll = (now: number): void => {
    span.setAttribute('fs.segment.rolled_over', true);
    span.end(now);
    const previous = span.spanContext();
    segment += 1;
    startedAt = now;
    ops = 0;
    span = tracer.startSpan(name, {
      attributes: { ...attributes, 'fs.segment': segment },
      startTime: now,
      root: true,
      links: [{ context: previous, attributes: { 'fs.link.kind': 'previous_segment' } }],
    });
    context = trace.setSpan(ROOT_CONTEXT, span);
  };

  return {
    get segment() {
      return segment;
    },
    get current() {
      return span;
    },
    childContext() {
      const now = clock.now();
      if (ops >= limits.maxOps || now - startedAt >= limits.maxDurationMs) roll(now);
      ops += 1;
      return context;
    },
    end(errno, failed = true) {
      if (errno !== undefined) {
        if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: errno });
        span.setAttribute('fs.errno', errno);
      }
      span.end(clock.now());
    },
  };
}
