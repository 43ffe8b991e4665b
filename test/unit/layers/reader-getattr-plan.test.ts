import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReaderTap } from '../../../src/vfs/reader-tap.js';
import { createStack, planOf } from '../../../src/vfs/stack.js';
import type { Layer } from '../../../src/vfs/types.js';
import { builtStack } from './build.js';
import { newBackend } from './fs-helpers.js';

/**
 * StackPlan.readerGetattr (issue 17): the reader threads answer GETATTR with a handle only when
 * no layer can act on getattr, or the only layers are content with the reader tap (metrics).
 * Asked of the built stack's plan: an inactive layer is left out of the chain, as at run time.
 */
const dir = mkdtempSync(join(tmpdir(), 'fsi-getattr-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readerGetattr(layersYaml: string, tap = true): Promise<boolean | undefined> {
  const stack = await builtStack(layersYaml, {
    volume: 'v',
    ...(tap && { readerTap: createReaderTap() }),
  });
  try {
    return planOf(stack).readerGetattr;
  } finally {
    await stack.close();
  }
}

describe('built layers', () => {
  it.each([
    ['  - {type: metrics}', true],
    // Configured but inactive: left out of the chain, nothing acts on getattr.
    ['  - {type: fault, rate: 0}\n  - {type: metrics}', true],
    ['  - {type: shuffle}', false],
    ['  - {type: shuffle, mtimeJitter: 5}\n  - {type: metrics}', false],
    ['  - {type: fault, rate: 100, scope: {ops: [getattr]}}', false],
    // Idle for the data path, not for getattr: the plan still keeps getattr on the main thread.
    ['  - {type: fault, rate: 50, scope: {ops: [open, getattr]}}', false],
    ['  - {type: latency, read: {fixed: 0}}', false],
    ['  - {type: latency, metadata: {fixed: 1ms}}', false],
    ['  - {type: throttle, opsPerSecond: 1000}', false],
    // trace samples metadata per op: the readers draw its sample (ADR 0087 step 5 for trace).
    ['  - {type: trace, sampleRatio: 0.5}\n  - {type: metrics}', true],
    ['  - {type: trace, sampleRatio: 0.1}', true],
    // Every op traced, or traced by path (the readers see no paths): nothing for the readers.
    ['  - {type: trace}\n  - {type: metrics}', false],
    ['  - {type: trace, sampleRatio: 0.5, paths: ["/db/**"]}', false],
    ['  - {type: trace, sampleRatio: 0.5}\n  - {type: latency, metadata: {fixed: 1ms}}', false],
    ['  - {type: quota, maxBytes: 1000000}', false],
    ['  - {type: powerloss}', false],
    [`  - {type: record, path: "${join(dir, 'rec.jsonl')}"}`, false],
  ])('%s: %p', async (yaml, expected) => {
    expect(await readerGetattr(yaml)).toBe(expected);
  });

  it('metrics without a reader tap keeps getattr on the main thread (nothing would count it)', async () => {
    expect(await readerGetattr('  - {type: metrics}', false)).toBe(false);
  });
});

describe('planOf', () => {
  const layer = (name: string, extra: Partial<Layer> = {}): Layer => ({
    name,
    around: (_c, next) => next(),
    ...extra,
  });
  const plan = (...layers: Layer[]) => planOf(createStack(layers, newBackend()));
  const throttle = { fail: false, read: true, write: true, bytesPerSecond: 1 };

  it('is true with no layer and with tapped layers only', () => {
    expect(plan().readerGetattr).toBe(true);
    expect(plan(layer('metrics', { readerTap: true })).readerGetattr).toBe(true);
  });

  it('is true beside one layer that samples metadata, whose share the readers draw', () => {
    const metrics = layer('metrics', { readerTap: true });
    const trace = layer('trace', { readerServes: () => true, readerMetaSample: 0.1 });
    expect(plan(trace, metrics)).toMatchObject({ readerGetattr: true, metaSample: 0.1 });
    expect(plan(metrics).metaSample).toBeUndefined();
  });

  it('is false beside any other layer, whatever it says of the data path', () => {
    const metrics = layer('metrics', { readerTap: true });
    expect(plan(metrics, layer('custom')).readerGetattr).toBe(false);
    expect(plan(metrics, layer('latency', { readerIdle: true })).readerGetattr).toBe(false);
    expect(plan(layer('throttle', { readerGate: { throttle } })).readerGetattr).toBe(false);
    expect(plan(layer('trace', { readerServes: () => true })).readerGetattr).toBe(false);
    // Two sampling layers: one draw cannot stand for both.
    const sampling = layer('trace', { readerServes: () => true, readerMetaSample: 0.1 });
    expect(plan(sampling, sampling).readerGetattr).toBe(false);
    // Those plans still let the readers serve data.
    expect(plan(metrics, layer('latency', { readerIdle: true })).readerData).toBe(true);
  });
});
