import { describe, expect, it } from '@jest/globals';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { createTraceLayer } from '../../../src/layers/trace/trace-layer.js';
import type { TraceLayerOptions } from '../../../src/layers/trace/trace-layer.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import { FsError } from '../../../src/vfs/errors.js';
import { createStack } from '../../../src/vfs/stack.js';
import type { Layer } from '../../../src/vfs/types.js';
import { createTinyBackend, opCall } from '../telemetry/fixtures.js';

function setup(options: Partial<TraceLayerOptions> = {}, below: Layer[] = []) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const clock = createFakeClock(Date.now());
  const tick: Layer = {
    name: 'tick',
    async around(_c, next) {
      clock.tick(2);
      return next();
    },
  };
  const backend = createTinyBackend();
  backend.files.set('/db/data.bin', Buffer.from('0123456789'));
  const layer = createTraceLayer({ tracerProvider, volume: 'data', clock, ...options });
  const stack = createStack([layer, tick, ...below], backend);
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const named = (name: string) => spans().filter((s) => s.name === name);
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
  // SimpleSpanProcessor exports asynchronously (sdk-trace 3): flush before looking.
  const flush = () => tracerProvider.forceFlush();
  return { stack, layer, clock, spans, named, parentOf, backend, flush, provider: tracerProvider };
}

const read = (fh: number, offset = 0, path = '/db/data.bin') =>
  opCall('read', { path, fh, buffer: Buffer.alloc(4), offset, flags: 0 });

describe('trace layer', () => {
  it('nests the ops of an open file under one file span with path, inode, flags and pid', async () => {
    const t = setup();
    const looked = await t.stack.run(opCall('lookup', { path: '/db/data.bin' }));
    const { fh } = await t.stack.run(opCall('open', { path: '/db/data.bin', flags: 2 }));
    await t.stack.run(read(fh, 6));
    await t.stack.run(
      opCall('write', {
        path: '/db/data.bin',
        fh,
        buffer: Buffer.from('ab'),
        offset: 10,
        flags: 2,
      }),
    );
    await t.flush();
    expect(t.named('file')).toHaveLength(0); // still open: not exported yet
    await t.stack.run(opCall('release', { path: '/db/data.bin', fh, flags: 2 }));
    await t.flush();

    const [file] = t.named('file');
    expect(file?.attributes).toMatchObject({
      'fs.path': '/db/data.bin',
      'fs.inode': Number(looked.ino),
      'fs.flags': 2,
      'process.pid': 4242,
      'fs.volume': 'data',
    });
    const id = file?.spanContext().spanId;
    for (const op of ['open', 'read', 'write', 'release']) {
      expect(t.named(op).map(t.parentOf)).toEqual([id]);
    }
    expect(t.named('read')[0]?.attributes).toMatchObject({
      'fs.offset': 6,
      'fs.size': 4,
      'fs.bytes': 4,
      'process.pid': 4242,
      'process.real_user.id': 1000,
    });
    expect(t.named('write')[0]?.attributes).toMatchObject({ 'fs.offset': 10, 'fs.bytes': 2 });
    // Durations come from the injected clock: the tick layer below costs 2 ms per op.
    expect(t.named('read')[0]?.duration).toEqual([0, 2_000_000]);
    // The lookup happened outside any open file: it hangs under the volume parent, still open.
    expect(t.parentOf(t.named('lookup')[0]!)).toBeDefined();
    expect(t.parentOf(t.named('lookup')[0]!)).not.toBe(id);
  });

  it('records errno on failed ops and on the file span of a failed open', async () => {
    const t = setup();
    await expect(t.stack.run(opCall('open', { path: '/nope', flags: 0 }))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(t.stack.run(opCall('rmdir', { path: '/nope' }))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await t.flush();
    const [file] = t.named('file');
    expect(file?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ENOENT' });
    expect(t.named('open')[0]?.attributes['fs.errno']).toBe('ENOENT');
    expect(t.named('rmdir')[0]?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('leaves the status unset on expected answers, with their errno', async () => {
    const t = setup();
    await expect(t.stack.run(opCall('lookup', { path: '/nope' }))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await t.flush();
    const [lookup] = t.named('lookup');
    expect(lookup?.attributes['fs.errno']).toBe('ENOENT');
    expect(lookup?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('names the layer that injected an error, and only on injected errors', async () => {
    const fault: Layer = {
      name: 'fault.2',
      around: (c, next) =>
        c.path === '/flaky'
          ? Promise.reject(new FsError('EIO', undefined, { injectedBy: 'fault.2' }))
          : next(),
    };
    const t = setup({}, [fault]);
    await expect(t.stack.run(opCall('getattr', { path: '/flaky' }))).rejects.toMatchObject({
      code: 'EIO',
    });
    await expect(t.stack.run(opCall('rmdir', { path: '/nope' }))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await t.flush();
    expect(t.named('getattr')[0]?.attributes).toMatchObject({
      'fs.errno': 'EIO',
      'fs.injected_by': 'fault.2',
    });
    expect(t.named('rmdir')[0]?.attributes).not.toHaveProperty('fs.injected_by');
  });

  it('rolls a busy file parent over after maxOps, linking each segment to the one before', async () => {
    const t = setup({ fileRollover: { maxOps: 3 } });
    const { fh } = await t.stack.run(opCall('open', { path: '/db/data.bin', flags: 0 }));
    for (let i = 0; i < 5; i++) await t.stack.run(read(fh, i));
    await t.stack.run(opCall('release', { path: '/db/data.bin', fh, flags: 0 }));
    await t.flush();
    const files = t.named('file');
    // open + 5 reads + release = 7 children, 3 per segment.
    expect(files.map((f) => f.attributes['fs.segment'] ?? 0)).toEqual([0, 1, 2]);
    expect(files[1]?.links[0]?.context.spanId).toBe(files[0]?.spanContext().spanId);
    expect(files[2]?.links[0]?.context.spanId).toBe(files[1]?.spanContext().spanId);
    expect(files[0]?.attributes['fs.segment.rolled_over']).toBe(true);
    const perParent = files.map(
      (f) => t.spans().filter((s) => t.parentOf(s) === f.spanContext().spanId).length,
    );
    expect(perParent).toEqual([3, 3, 1]);
  });

  it('rolls the volume parent over after maxDurationMs', async () => {
    const t = setup({ volumeRollover: { maxDurationMs: 1_000 } });
    await t.stack.run(opCall('getattr', { path: '/' }));
    t.clock.tick(1_500);
    await t.stack.run(opCall('getattr', { path: '/' }));
    await t.flush();
    const volumes = t.named('volume');
    expect(volumes).toHaveLength(1); // the first segment ended; the second is still open
    const getattrs = t.named('getattr');
    expect(t.parentOf(getattrs[0]!)).toBe(volumes[0]?.spanContext().spanId);
    expect(t.parentOf(getattrs[1]!)).not.toBe(volumes[0]?.spanContext().spanId);
    await t.layer.close?.();
    await t.flush();
    expect(t.named('volume')[1]?.links[0]?.context.spanId).toBe(volumes[0]?.spanContext().spanId);
  });

  it('samples whole files: an unsampled file costs no span at all, not even under the volume', async () => {
    const draws = [0.9, 0.1];
    const t = setup({ sampleRatio: 0.5, random: () => draws.shift() ?? 0 });
    for (let i = 0; i < 2; i++) {
      const { fh } = await t.stack.run(opCall('open', { path: '/db/data.bin', flags: 0 }));
      await t.stack.run(read(fh));
      await t.stack.run(opCall('release', { path: '/db/data.bin', fh, flags: 0 }));
    }
    await t.flush();
    expect(t.named('file')).toHaveLength(1);
    expect(t.named('read')).toHaveLength(1);
    expect(t.named('volume')).toHaveLength(0);
  });

  it('never fails an op because its result cannot be described', async () => {
    const t = setup();
    const odd: Layer = { name: 'odd', around: async () => undefined as never };
    const stack = createStack(
      [createTraceLayer({ tracerProvider: t.provider, volume: 'v' }), odd],
      t.backend,
    );
    await expect(stack.run(opCall('lookup', { path: '/x' }))).resolves.toBeUndefined();
    await stack.close();
    await t.flush();
    expect(t.named('lookup')[0]?.attributes['fs.result.undescribed']).toBe(true);
  });

  it('leaves forget out unless asked for', async () => {
    const t = setup();
    await t.stack.run(opCall('forget', { path: '/db/data.bin' })).catch(() => undefined);
    await t.layer.close?.();
    await t.flush();
    expect(t.spans()).toHaveLength(0);
    const asked = setup({ ops: ['forget'] });
    await asked.stack.run(opCall('forget', { path: '/db/data.bin' })).catch(() => undefined);
    await asked.flush();
    expect(asked.named('forget')).toHaveLength(1);
  });

  it('filters by path glob and by op', async () => {
    const t = setup({ paths: ['/db/**'], ops: ['read', 'mkdir'] });
    t.backend.files.set('/other', Buffer.from('x'));
    const a = await t.stack.run(opCall('open', { path: '/db/data.bin', flags: 0 }));
    const b = await t.stack.run(opCall('open', { path: '/other', flags: 0 }));
    await t.stack.run(read(a.fh));
    await t.stack.run(read(b.fh, 0, '/other'));
    await t.stack.run(opCall('mkdir', { path: '/db/sub', mode: 0o755, umask: 0 }));
    await t.stack.run(opCall('mkdir', { path: '/elsewhere', mode: 0o755, umask: 0 }));
    await t.stack.run(opCall('getattr', { path: '/' }));
    await t.layer.close?.();
    await t.flush();
    expect(t.named('read').map((s) => s.attributes['fs.path'])).toEqual(['/db/data.bin']);
    expect(t.named('mkdir').map((s) => s.attributes['fs.path'])).toEqual(['/db/sub']);
    expect(t.named('open')).toHaveLength(0);
    expect(t.named('getattr')).toHaveLength(0);
    expect(t.named('file').map((s) => s.attributes['fs.path'])).toEqual(['/db/data.bin']);
  });

  it('traces a metadata op a reader thread drew into its sample, without drawing again', async () => {
    // sampleRatio 0: the layer itself never draws one in; the reader's mark decides.
    const t = setup({ sampleRatio: 0 });
    expect(t.layer.readerMetaSample).toBe(0);
    await t.stack.run(opCall('lookup', { path: '/db/data.bin' }));
    await t.stack.run({ ...opCall('lookup', { path: '/db/data.bin' }), sampled: true });
    await t.stack.run({ ...opCall('getattr', { path: '/db/data.bin' }), sampled: true });
    await t.flush();
    expect(t.named('lookup')).toHaveLength(1);
    expect(t.named('getattr')).toHaveLength(1);
  });

  it('offers the readers its metadata sample only when it samples and does not filter by path', () => {
    expect(setup({ sampleRatio: 0.1 }).layer.readerMetaSample).toBe(0.1);
    expect(setup().layer.readerMetaSample).toBeUndefined();
    expect(setup({ sampleRatio: 0.1, paths: ['/db/**'] }).layer.readerMetaSample).toBeUndefined();
    // Every op traced but none of those the readers answer: nothing to hand over.
    expect(setup({ ops: ['open', 'read'] }).layer.readerMetaSample).toBe(0);
    expect(setup({ ops: ['open', 'lookup'] }).layer.readerMetaSample).toBeUndefined();
    // UNLINK and SETATTR are the readers' too: a trace of them alone keeps its share.
    for (const op of ['unlink', 'setattr'] as const) {
      expect(setup({ ops: [op], sampleRatio: 0.5 }).layer.readerMetaSample).toBe(0.5);
      expect(setup({ ops: [op] }).layer.readerMetaSample).toBeUndefined();
    }
  });
});
