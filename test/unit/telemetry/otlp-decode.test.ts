import { describe, expect, it } from '@jest/globals';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { decodeExportTraceRequest } from '../../helpers/otlp/trace-decode.js';

/** The test receivers' decoder against the bytes the OpenTelemetry SDK's own serializer writes. */
describe('decodeExportTraceRequest (protobufjs, test/helpers/otlp/trace.proto)', () => {
  it('reads spans, parents, attributes of every type, events, links, status, scope and resource', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'fsi-test', 'k8s.pod.name': 'app-0' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('fs-interposer/trace', '1.2.3');
    const parent = tracer.startSpan('file', { kind: SpanKind.INTERNAL });
    parent.end();
    const ctx = trace.setSpan(context.active(), parent);
    const child = tracer.startSpan('read', {
      kind: SpanKind.SERVER,
      attributes: {
        'fs.path': '/logs/app.log', 'fs.bytes': 4096, 'fs.ratio': 0.25, 'fs.cached': true,
        'fs.ops': ['read', 'write'], 'fs.big': 2 ** 40,
      },
      links: [{ context: parent.spanContext(), attributes: { 'link.why': 'rollover' } }],
    }, ctx);
    child.addEvent('fault', { 'fault.errno': 'EIO', 'fault.code': 5 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'EIO' });
    child.end();
    await provider.forceFlush();

    const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
    const spans = decodeExportTraceRequest(bytes!);
    expect(spans.map((s) => s.name)).toEqual(['file', 'read']);
    const [file, read] = spans as [typeof spans[0], typeof spans[0]];
    expect(read).toMatchObject({
      traceId: file.traceId,
      parentSpanId: file.spanId,
      kind: 2, // SPAN_KIND_SERVER on the wire (the API's SERVER is 1: OTLP shifts it by one)
      scope: 'fs-interposer/trace',
      status: { code: 2, message: 'EIO' },
      attributes: {
        'fs.path': '/logs/app.log', 'fs.bytes': 4096, 'fs.ratio': 0.25, 'fs.cached': true,
        'fs.ops': ['read', 'write'], 'fs.big': 2 ** 40,
      },
      links: [{ traceId: file.traceId, spanId: file.spanId, attributes: { 'link.why': 'rollover' } }],
      resource: { 'service.name': 'fsi-test', 'k8s.pod.name': 'app-0' },
    });
    expect(read.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(read.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(file.parentSpanId).toBe('');
    expect(read.events).toEqual([{ name: 'fault', timeNs: expect.any(BigInt), attributes: { 'fault.errno': 'EIO', 'fault.code': 5 } }]);
    expect(read.endNs >= read.startNs && read.startNs > 1_600_000_000_000_000_000n).toBe(true);
    await provider.shutdown();
  });

  it('reads an empty request as no spans', () => {
    expect(decodeExportTraceRequest(new Uint8Array())).toEqual([]);
  });
});
