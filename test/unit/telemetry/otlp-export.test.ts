import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { traceLayerFactory, sampleRatioFromEnv } from '../../../src/layers/trace/trace-factory.js';
import { startOtlpReceiver } from '../../helpers/otlp/receiver.js';
import type { OtlpReceiver } from '../../helpers/otlp/receiver.js';
import { parseResourceAttributes } from '../../../src/telemetry/resource.js';
import { resolveProtocol } from '../../../src/telemetry/trace-provider.js';
import { createStack } from '../../../src/vfs/stack.js';
import { createTinyBackend, opCall } from './fixtures.js';
import { startGrpcReceiver } from './otlp-grpc-receiver.js';

describe('trace export over OTLP/HTTP protobuf', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(() => receiver.close());

  it('sends nested spans with file paths and the pod resource, decoded from the real bytes', async () => {
    const env = {
      POD_NAME: 'app-0',
      POD_NAMESPACE: 'team-a',
      CONTAINER_NAME: 'fs-interposer',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,team=a%2Cb',
    };
    const layer = traceLayerFactory(
      { endpoint: receiver.tracesUrl, fileRollover: { maxOps: 2 } },
      { env, volume: 'data' },
    );
    const backend = createTinyBackend();
    backend.files.set('/logs/app.log', Buffer.from('hello'));
    const stack = createStack([layer], backend);
    await stack.run(opCall('mkdir', { path: '/logs/old', mode: 0o755, umask: 0 }));
    const { fh } = await stack.run(opCall('open', { path: '/logs/app.log', flags: 1 }));
    await stack.run(
      opCall('read', { path: '/logs/app.log', fh, buffer: Buffer.alloc(3), offset: 1, flags: 1 }),
    );
    await expect(stack.run(opCall('rmdir', { path: '/missing' }))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await stack.run(opCall('release', { path: '/logs/app.log', fh, flags: 1 }));
    await stack.close(); // ends the volume parent and flushes the batch processor

    // mkdir, rmdir, volume, open, read, release, file x2 (rolled over after 2 ops)
    const spans = await receiver.waitForSpans(8);
    expect(spans.map((s) => s.name).sort()).toEqual(
      ['file', 'file', 'mkdir', 'open', 'read', 'release', 'rmdir', 'volume'].sort(),
    );
    const byName = (n: string) => spans.filter((s) => s.name === n);
    const [file0, file1] = byName('file').sort((a, b) => Number(a.startNs - b.startNs));
    const read = byName('read')[0]!;
    expect(read.parentSpanId).toBe(file0!.spanId);
    expect(read.traceId).toBe(file0!.traceId);
    expect(read.attributes).toMatchObject({
      'fs.path': '/logs/app.log',
      'fs.offset': 1,
      'fs.bytes': 3,
      'process.pid': 4242,
    });
    expect(byName('release')[0]!.parentSpanId).toBe(file1!.spanId);
    expect(file1!.links[0]).toMatchObject({ spanId: file0!.spanId, traceId: file0!.traceId });
    expect(file0!.attributes).toMatchObject({
      'fs.path': '/logs/app.log',
      'fs.flags': 1,
      'fs.volume': 'data',
    });
    const volume = byName('volume')[0]!;
    expect(byName('mkdir')[0]!.parentSpanId).toBe(volume.spanId);
    expect(byName('rmdir')[0]!.status).toEqual({ code: 2, message: 'ENOENT' });
    expect(read.endNs - read.startNs).toBeGreaterThanOrEqual(0n);
    expect(read.scope).toBe('fs-interposer');
    expect(read.resource).toMatchObject({
      'service.name': 'fs-interposer',
      'k8s.pod.name': 'app-0',
      'k8s.namespace.name': 'team-a',
      'k8s.container.name': 'fs-interposer',
      'fs_interposer.volume': 'data',
      'deployment.environment': 'test',
      team: 'a,b',
    });
  });

  it('lets OTEL_SERVICE_NAME win and sends nothing when OTEL_SDK_DISABLED=true', async () => {
    const named = traceLayerFactory(
      { endpoint: receiver.tracesUrl },
      { env: { OTEL_SERVICE_NAME: 'billing-fs' } },
    );
    const stack = createStack([named], createTinyBackend());
    await stack.run(opCall('getattr', { path: '/' }));
    await stack.close();
    const [span] = await receiver.waitForSpans(2);
    expect(span?.resource['service.name']).toBe('billing-fs');

    const off = traceLayerFactory(
      { endpoint: receiver.tracesUrl },
      { env: { OTEL_SDK_DISABLED: 'true' } },
    );
    const quiet = createStack([off], createTinyBackend());
    await quiet.run(opCall('getattr', { path: '/' }));
    await quiet.close();
    expect(receiver.spans).toHaveLength(2);
  });
});

describe('trace export over OTLP/gRPC', () => {
  it('sends the same spans over gRPC when the protocol says so', async () => {
    const receiver = await startGrpcReceiver();
    try {
      const layer = traceLayerFactory(
        { protocol: 'grpc', endpoint: receiver.url },
        { env: { POD_NAME: 'grpc-pod' }, volume: 'v' },
      );
      const stack = createStack([layer], createTinyBackend());
      await stack.run(opCall('mkdir', { path: '/g', mode: 0o755, umask: 0 }));
      await stack.close();
      expect(receiver.spans.map((s) => s.name).sort()).toEqual(['mkdir', 'volume']);
      const mkdir = receiver.spans.find((s) => s.name === 'mkdir');
      expect(mkdir?.attributes['fs.path']).toBe('/g');
      expect(mkdir?.resource['k8s.pod.name']).toBe('grpc-pod');
      expect(mkdir?.parentSpanId).toBe(receiver.spans.find((s) => s.name === 'volume')?.spanId);
    } finally {
      await receiver.close();
    }
  });
});

describe('OTEL_* environment', () => {
  it.each([
    [{}, 'http/protobuf'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'grpc'],
    [
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' },
      'http/protobuf',
    ],
  ])('%p selects %s', (env, protocol) => {
    expect(resolveProtocol(env)).toBe(protocol);
  });

  it('rejects http/json by name', () => {
    expect(() => resolveProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toThrow(
      /http\/protobuf or grpc/,
    );
  });

  it.each([
    [{}, undefined],
    [{ OTEL_TRACES_SAMPLER: 'always_off' }, 0],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, 0.25],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'junk' }, 1],
  ])('sampler env %p -> ratio %p', (env, ratio) => {
    expect(sampleRatioFromEnv(env)).toBe(ratio);
  });

  it('parses OTEL_RESOURCE_ATTRIBUTES, skipping malformed entries', () => {
    expect(parseResourceAttributes('a=1, b = x%3Dy ,broken,=v,c=%E0')).toEqual({
      a: '1',
      b: 'x=y',
    });
  });
});
