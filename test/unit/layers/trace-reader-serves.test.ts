import { describe, expect, it } from '@jest/globals';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { createStackHolder } from '../../../src/layers/stack/stack-holder.js';
import { traceLayerFactory } from '../../../src/layers/trace/trace-factory.js';
import { createTraceLayer } from '../../../src/layers/trace/trace-layer.js';
import { createStack, planOf, portOf } from '../../../src/vfs/stack.js';
import type { Layer } from '../../../src/vfs/types.js';
import { createTinyBackend, opCall } from '../telemetry/fixtures.js';

// Trace decides per open file whether it must see its data requests (ADR 0076): the readers
// serve the READ/WRITE/FSYNC/FLUSH of the files it did not sample, and no span changes.

const PATH = '/db/data.bin';

function setup(draws: number[], extra: { paths?: string[] } = {}) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const backend = createTinyBackend();
  backend.files.set(PATH, Buffer.from('0123456789'));
  backend.files.set('/other', Buffer.from('x'));
  const trace = createTraceLayer({
    tracerProvider,
    volume: 'v',
    sampleRatio: 0.5,
    random: () => draws.shift() ?? 0,
    ...extra,
  });
  const metrics: Layer = { name: 'metrics', readerTap: true, around: (_c, next) => next() };
  const stack = createStack([trace, metrics], backend);
  const open = async (path = PATH) => (await stack.run(opCall('open', { path, flags: 0 }))).fh;
  const names = async () => {
    await tracerProvider.forceFlush();
    return exporter.getFinishedSpans().map((s) => s.name);
  };
  return { trace, stack, open, names, backend };
}

describe('trace: which open files the readers may serve', () => {
  it('lets through the files it did not sample, never a sampled or unknown one', async () => {
    const t = setup([0.9, 0.1]);
    const unsampled = await t.open();
    const sampled = await t.open();
    expect(t.trace.readerServes?.(unsampled)).toBe(true);
    expect(t.trace.readerServes?.(sampled)).toBe(false);
    expect(t.trace.readerServes?.(12345)).toBe(false);
    expect(t.stack.readerServes(unsampled)).toBe(true);
    expect(t.stack.readerServes(sampled)).toBe(false);
    // After its release a handle is unknown again (the backend may reuse the number).
    await t.stack.run(opCall('release', { path: PATH, fh: unsampled, flags: 0 }));
    expect(t.trace.readerServes?.(unsampled)).toBe(false);
    await t.stack.run(opCall('release', { path: PATH, fh: sampled, flags: 0 }));
    expect(await t.names()).toEqual(['open', 'release', 'file']);
  });

  it('lets through a file its path filter leaves out, whatever the draw', async () => {
    const t = setup([0.1, 0.1], { paths: ['/db/**'] });
    expect(t.stack.readerServes(await t.open('/other'))).toBe(true);
    expect(t.stack.readerServes(await t.open())).toBe(false);
  });

  it('the factory keeps the answer (the layer it returns wraps the trace layer)', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const layer = traceLayerFactory({ sampleRatio: 0 }, { tracerProvider, env: {} });
    const backend = createTinyBackend();
    backend.files.set(PATH, Buffer.from('x'));
    const stack = createStack([layer], backend);
    const { fh } = await stack.run(opCall('open', { path: PATH, flags: 0 }));
    expect(layer.readerServes?.(fh)).toBe(true);
    expect(layer.readerServes?.(fh + 1)).toBe(false);
    await stack.close();
  });

  it('with OTEL_SDK_DISABLED=true the stand-in keeps the whole data path on the readers', () => {
    const layer = traceLayerFactory({}, { env: { OTEL_SDK_DISABLED: 'true' } });
    expect(layer.readerIdle).toBe(true);
    expect(planOf(createStack([layer], createTinyBackend()))).toMatchObject({ readerData: true });
  });
});

describe('a per-handle plan (planOf, ports, the direct I/O table)', () => {
  const backend = createTinyBackend();
  const layer = (name: string, extra: Partial<Layer> = {}): Layer => ({
    name,
    around: (_c, next) => next(),
    ...extra,
  });
  const yes = layer('a', { readerServes: () => true });
  const no = layer('b', { readerServes: () => false });

  it('allows reader data per handle when every other layer has a reader form', () => {
    const tap = layer('metrics', { readerTap: true });
    expect(planOf(createStack([yes, tap], backend))).toEqual({
      needsData: false,
      readerData: true,
      readerGetattr: false,
      readerPerHandle: true,
      tap: true,
      cacheMisses: false,
    });
    expect(planOf(createStack([yes, layer('plain')], backend)).readerData).toBe(false);
    expect(planOf(createStack([tap], backend)).readerPerHandle).toBeUndefined();
  });

  it('serves a handle only when every deciding layer lets it through', () => {
    expect(createStack([yes, yes], backend).readerServes(1)).toBe(true);
    expect(createStack([yes, no], backend).readerServes(1)).toBe(false);
    expect(portOf(createStack([yes, no], backend)).readerServes?.(1)).toBe(false);
  });

  it('the live holder answers for the stack current now', async () => {
    const holder = createStackHolder(createStack([yes], backend));
    expect(holder.readerServes?.(1)).toBe(true);
    await holder.swap(createStack([no], backend));
    expect(holder.readerServes?.(1)).toBe(false);
  });

  it('a per-handle plan clears the handles another stack let through', () => {
    const epoch = 9;
    const t = createDirectIoTable(epoch);
    t.setPlan({ readerData: true, tap: true });
    expect(t.register(epoch * 0x1_0000_0000 + 1, 0)).toBe(true);
    t.setPlan({ readerData: true, tap: true });
    expect(t.size).toBe(1);
    t.setPlan({ readerData: true, readerPerHandle: true, tap: true });
    expect(t.size).toBe(0);
    expect(t.enabled).toBe(true);
    expect(t.register(epoch * 0x1_0000_0000 + 2, 0)).toBe(true);
  });
});
