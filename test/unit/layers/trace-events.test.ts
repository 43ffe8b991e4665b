import { describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { loadLayerFactories } from '../../../src/layers/stack/registry.js';
import { fixture, yamlConfig } from './build.js';
import { createFile, readAt, writeAt } from './fs-helpers.js';

/** Faults, delays and throttle waits of the layers below a trace layer are events of the op's span. */
async function traced(layersYaml: string) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const config = yamlConfig(`  - {type: trace, sampleRatio: 1}\n${layersYaml}`);
  const f = fixture(config, { tracerProvider, volume: 'v', factories: await loadLayerFactories(config) });
  const spans = async (op: string): Promise<ReadableSpan[]> => {
    await tracerProvider.forceFlush();
    return exporter.getFinishedSpans().filter((s) => s.name === op);
  };
  const events = async (op: string) =>
    (await spans(op)).flatMap((s) => s.events.map((e): Record<string, unknown> => ({ name: e.name, ...e.attributes })));
  return { ...f, spans, events };
}

describe('trace layer: fault events', () => {
  it('an injected errno is one fault event with the layer, the errno and the request size', async () => {
    const t = await traced("  - {type: fault, name: disk, rate: 100, perOp: {write: {EIO: 1}}, scope: {ops: [write]}}");
    const fh = await createFile(t.stack, '/f');
    await expect(writeAt(t.stack, '/f', fh, Buffer.alloc(4096))).rejects.toMatchObject({ code: 'EIO' });
    expect(await t.events('write')).toEqual([{
      name: 'fault',
      'fs_interposer.layer': 'disk',
      'fs_interposer.fault.kind': 'EIO',
      'fs_interposer.fault.errno': 'EIO',
      'fs_interposer.fault.size': 4096,
    }]);
    expect(await t.events('create')).toEqual([]);
  });

  it('short, dropped and corrupted transfers are fault events with their sizes', async () => {
    const t = await traced([
      '  - {type: fault, name: drop, dropWrites: {rate: 100}, scope: {paths: [/dropped]}}',
      '  - {type: fault, name: short, shortIo: {rate: 100}, scope: {paths: [/short]}}',
      '  - {type: fault, name: flip, corrupt: {rate: 100, maxBytes: 8}, scope: {paths: [/bad]}}',
    ].join('\n'));
    for (const p of ['/dropped', '/short', '/bad']) await writeAt(t.stack, p, await createFile(t.stack, p), Buffer.alloc(100, 1));
    const byLayer = Object.fromEntries((await t.events('write')).map((e) => [String(e['fs_interposer.layer']), e]));
    expect(byLayer.drop).toEqual({ name: 'fault', 'fs_interposer.layer': 'drop', 'fs_interposer.fault.kind': 'dropped_write', 'fs_interposer.fault.size': 100 });
    expect(byLayer.short).toMatchObject({ name: 'fault', 'fs_interposer.fault.kind': 'short_write', 'fs_interposer.fault.requested_size': 100 });
    expect(byLayer.short?.['fs_interposer.fault.size']).toBeLessThan(100);
    expect(byLayer.flip).toMatchObject({ name: 'fault', 'fs_interposer.fault.kind': 'corrupt_write' });
    expect(byLayer.flip?.['fs_interposer.fault.size']).toBeLessThanOrEqual(8);
    expect(Object.keys(byLayer).sort()).toEqual(['drop', 'flip', 'short']);
  });

  it('a latency delay and a throttle wait are events with their milliseconds', async () => {
    const t = await traced([
      '  - {type: latency, read: {fixed: 7ms}}',
      '  - {type: throttle, bytesPerSecond: 1000, burstBytes: 1000}',
    ].join('\n'));
    const fh = await createFile(t.stack, '/f');
    await writeAt(t.stack, '/f', fh, Buffer.alloc(1000));
    const blocked = writeAt(t.stack, '/f', fh, Buffer.alloc(250));
    await t.clock.advance(250);
    await blocked;
    const read = readAt(t.stack, '/f', fh, 10);
    await t.clock.advance(20);
    await read;
    expect(await t.events('write')).toEqual([{ name: 'throttle.wait', 'fs_interposer.layer': 'throttle', 'fs_interposer.delay_ms': 250 }]);
    expect((await t.events('read'))[0]).toEqual({ name: 'delay', 'fs_interposer.layer': 'latency', 'fs_interposer.delay_ms': 7 });
  });

  it('throttle mode fail is a fault event (EAGAIN) on the refused op', async () => {
    const t = await traced('  - {type: throttle, bytesPerSecond: 1000, mode: fail}');
    const fh = await createFile(t.stack, '/f');
    await writeAt(t.stack, '/f', fh, Buffer.alloc(1000));
    await expect(writeAt(t.stack, '/f', fh, Buffer.alloc(10))).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(await t.events('write')).toEqual([{
      name: 'fault', 'fs_interposer.layer': 'throttle', 'fs_interposer.fault.kind': 'throttled',
      'fs_interposer.fault.errno': 'EAGAIN', 'fs_interposer.fault.size': 10,
    }]);
  });
});
