/**
 * The sidecar says where its spans go, once, and warns (at most once a minute) when they cannot
 * get there: through the real trace layer and OTLP exporter, against a port nothing listens on
 * and then against a real receiver.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { traceLayerFactory } from '../../../src/layers/trace/trace-factory.js';
import {
  backoffExporter,
  exportTarget,
  reportingExporter,
} from '../../../src/telemetry/export-reporter.js';
import { startOtlpReceiver } from '../../helpers/otlp/receiver.js';
import { createStack } from '../../../src/vfs/stack.js';
import { createTinyBackend, opCall } from './fixtures.js';

interface Line {
  level: number;
  msg: string;
  [k: string]: unknown;
}

function capture(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  return { logger, lines };
}

/** A TCP port that was free a moment ago: connections to it are refused. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function traceSomeOps(env: Record<string, string>, logger: Logger): Promise<void> {
  const layer = traceLayerFactory({}, { env, volume: 'data', logger });
  const stack = createStack([layer], createTinyBackend());
  await stack.run(opCall('mkdir', { path: '/d', mode: 0o755, umask: 0 }));
  // Flushes: the export happens (and fails or succeeds) before this settles. A flush that could
  // not deliver rejects the close too, which the stack holder logs; the warning is what we test.
  await stack.close().catch(() => undefined);
}

describe('span export reporting', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it.each([
    [{}, 'http/protobuf', undefined, 'http://localhost:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'http/protobuf', undefined, 'http://c:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }, 'grpc', undefined, 'http://c:4317'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' }, 'http/protobuf', undefined, 'http://t/x'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' }, 'http/protobuf', 'http://flag/v1/traces', 'http://flag/v1/traces'],
  ] as const)('target for %j over %s (flag %s) is %s', (env, protocol, flag, want) => {
    expect(exportTarget(env, protocol, flag)).toBe(want);
  });

  it('logs where spans go, and warns when the collector cannot be reached', async () => {
    const port = await deadPort();
    // The exporter reads its endpoint from process.env, as in the sidecar.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
    const { logger, lines } = capture();
    await traceSomeOps({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }, logger);
    const target = `http://127.0.0.1:${port}/v1/traces`;
    expect(lines.filter((l) => l.msg.startsWith('spans are exported to'))).toEqual([
      expect.objectContaining({ level: 30, target, protocol: 'http/protobuf' }),
    ]);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toEqual([expect.objectContaining({ target, failedBatches: 1, lostSpans: expect.any(Number) })]);
    expect(warnings[0]!.msg).toContain('span export failed');
  }, 30_000);

  it('says nothing more when spans arrive', async () => {
    const receiver = await startOtlpReceiver();
    try {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
      const { logger, lines } = capture();
      await traceSomeOps({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, logger);
      expect(receiver.spans.length).toBeGreaterThan(0);
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('OTEL_TRACES_EXPORTER=none: one line saying spans are not exported, and why', async () => {
    const { logger, lines } = capture();
    await traceSomeOps({ OTEL_TRACES_EXPORTER: 'none' }, logger);
    expect(lines.map((l) => l.msg)).toContainEqual(expect.stringContaining('spans are not exported (OTEL_TRACES_EXPORTER=none'));
  });

  it('rate-limits the warning and counts what was lost in between', () => {
    let t = 0;
    const failing: SpanExporter = {
      export: (_spans, done) => done({ code: ExportResultCode.FAILED, error: new Error('ECONNREFUSED') }),
      shutdown: () => Promise.resolve(),
    };
    const { logger, lines } = capture();
    const exporter = reportingExporter(failing, { logger, target: 'http://c', warnEveryMs: 60_000, now: () => t });
    const results: ExportResult[] = [];
    const batch = (n: number) => exporter.export(new Array<ReadableSpan>(n), (r) => results.push(r));
    batch(3); // warns at once
    t = 10_000;
    batch(4);
    t = 59_999;
    batch(5);
    t = 60_000;
    batch(6); // the next warning carries the three batches since the first
    expect(results.every((r) => r.code === ExportResultCode.FAILED)).toBe(true);
    expect(lines.map((l) => [l.failedBatches, l.lostSpans, l.err])).toEqual([
      [1, 3, 'ECONNREFUSED'],
      [3, 15, 'ECONNREFUSED'],
    ]);
  });

  it('pauses a collector that failed, doubling the pause, and sends again after a success', () => {
    let t = 0;
    let fail = true;
    let sent = 0;
    const inner: SpanExporter = {
      export: (_spans, done) => {
        sent++;
        done(fail ? { code: ExportResultCode.FAILED, error: new Error('ECONNREFUSED') } : { code: ExportResultCode.SUCCESS });
      },
      shutdown: () => Promise.resolve(),
    };
    const exporter = backoffExporter(inner, { firstMs: 1_000, maxMs: 4_000, now: () => t });
    const codes: number[] = [];
    const batch = () => exporter.export([], (r) => codes.push(r.code));
    batch(); // sent, fails: paused 1 s
    t = 999;
    batch(); // not sent
    t = 1_000;
    batch(); // sent, fails: paused 2 s
    t = 2_999;
    batch(); // not sent
    t = 3_000;
    batch(); // sent, fails: 4 s
    t = 7_000;
    batch(); // sent, fails: 4 s (the maximum)
    t = 11_000;
    fail = false;
    batch(); // sent, succeeds: no pause
    batch();
    expect(sent).toBe(6);
    const F = ExportResultCode.FAILED;
    const S = ExportResultCode.SUCCESS;
    expect(codes).toEqual([F, F, F, F, F, F, S, S]);
    // A failure after the success pauses from the first pause again.
    fail = true;
    batch();
    t = 11_999;
    batch();
    expect(sent).toBe(7);
  });

  it('counts what a pause drops as lost, through the reporting exporter', () => {
    const failing: SpanExporter = {
      export: (_spans, done) => done({ code: ExportResultCode.FAILED, error: new Error('ECONNREFUSED') }),
      shutdown: () => Promise.resolve(),
    };
    const { logger, lines } = capture();
    let t = 0;
    const exporter = reportingExporter(backoffExporter(failing, { now: () => t }), {
      logger,
      target: 'http://c',
      warnEveryMs: 60_000,
      now: () => t,
    });
    exporter.export(new Array<ReadableSpan>(3), () => undefined);
    t = 500;
    exporter.export(new Array<ReadableSpan>(4), () => undefined);
    t = 60_000;
    exporter.export(new Array<ReadableSpan>(5), () => undefined);
    expect(lines.map((l) => [l.failedBatches, l.lostSpans])).toEqual([
      [1, 3],
      [2, 9],
    ]);
    expect(lines[1]!.err).toBe('ECONNREFUSED');
  });
});
