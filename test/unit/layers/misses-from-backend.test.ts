import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAYER_TYPES } from '../../../src/config/schema/layers.js';
import { createStack, planOf } from '../../../src/vfs/stack.js';
import type { Layer } from '../../../src/vfs/types.js';
import { builtStack } from './build.js';
import { newBackend } from './fs-helpers.js';

/**
 * missesFromBackend: a layer that can never make up a LOOKUP's ENOENT nor change a backend name
 * lets `-o exclusive` answer misses as negative entries the kernel keeps (StackPlan
 * `cacheMisses`). Asked of the built stack's plan, so an inactive layer (left out of the chain)
 * counts as it does at run time.
 */
const dir = mkdtempSync(join(tmpdir(), 'fsi-misses-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const built = (layersYaml: string) => builtStack(layersYaml);

const cacheMisses = async (layerYaml: string): Promise<boolean> => {
  const stack = await built(`  - ${layerYaml}`);
  try {
    return planOf(stack).cacheMisses;
  } finally {
    await stack.close();
  }
};

describe('fault: misses are the backend s unless LOOKUP is in its errno table', () => {
  it.each([
    ['{type: fault, rate: 0}', true],
    ['{type: fault, rate: 50, scope: {ops: [mkdir, open, create]}}', true],
    // No realistic ENOSPC for LOOKUP: the table leaves it out.
    ['{type: fault, rate: 50, errnos: [ENOSPC]}', true],
    ['{type: fault, shortIo: {rate: 10}, corrupt: {rate: 1}}', true],
    ['{type: fault, rate: 50}', false],
    ['{type: fault, rate: 100, errnos: [ENOENT], scope: {ops: [lookup]}}', false],
    // An EIO-only lookup fault still forbids it: a replayed decision log may give back any
    // errno its recorded run drew, and the rule stays one a reader can check at a glance.
    ['{type: fault, rate: 100, errnos: [EIO], scope: {ops: [lookup]}}', false],
    ['{type: fault, rate: 100, scope: {ops: [lookup], paths: ["/elsewhere/**"]}}', false],
    ['{type: fault, nth: 3, scope: {ops: [lookup]}}', false],
    ['{type: fault, window: {up: 100, down: 100}}', false],
    ['{type: fault, rate: 5, perOp: {lookup: {ENOENT: 1}}}', false],
  ])('%s: %p', async (yaml, keep) => {
    expect(await cacheMisses(yaml)).toBe(keep);
  });
});

describe('the other layers never make up a LOOKUP ENOENT nor change a name', () => {
  it.each([
    ['{type: latency, metadata: {fixed: 5ms}, read: {fixed: 1ms}}'],
    ['{type: throttle, opsPerSecond: 10, mode: fail}'],
    ['{type: throttle, bytesPerSecond: 1000000, per: file}'],
    ['{type: quota, maxBytes: 1000, maxInodes: 3}'],
    ['{type: powerloss}'],
    ['{type: shuffle, mtimeJitter: 5}'],
    ['{type: metrics}'],
    ['{type: trace, sampleRatio: 0.5}'],
    [`{type: record, path: "${join(dir, 'rec.jsonl')}"}`],
  ])('%s', async (yaml) => {
    expect(await cacheMisses(yaml)).toBe(true);
  });

  it('every layer type decides for itself (a new type must say, not inherit the default)', async () => {
    const yaml: Record<string, string> = {
      fault: '{type: fault, rate: 1}',
      latency: '{type: latency, metadata: {fixed: 1ms}}',
      throttle: '{type: throttle, opsPerSecond: 10}',
      quota: '{type: quota, maxInodes: 10}',
      powerloss: '{type: powerloss}',
      shuffle: '{type: shuffle}',
      metrics: '{type: metrics}',
      trace: '{type: trace}',
      record: `{type: record, path: "${join(dir, 'all.jsonl')}"}`,
    };
    expect(Object.keys(yaml).sort()).toEqual([...LAYER_TYPES].sort());
    for (const type of LAYER_TYPES) {
      const stack = await built(`  - ${yaml[type]}`);
      expect([type, typeof stack.layers[0]?.missesFromBackend]).toEqual([type, 'boolean']);
      await stack.close();
    }
  });
});

describe('planOf', () => {
  const layer = (name: string, extra: Partial<Layer> = {}): Layer => ({
    name,
    around: (_c, next) => next(),
    ...extra,
  });
  const plan = (...layers: Layer[]) => planOf(createStack(layers, newBackend()));

  it('keeps misses with no layer, or when every layer says so; a layer that does not say forbids it', () => {
    expect(plan().cacheMisses).toBe(true);
    const observer = layer('metrics', { missesFromBackend: true });
    expect(plan(observer, layer('trace', { missesFromBackend: true })).cacheMisses).toBe(true);
    expect(plan(observer, layer('custom')).cacheMisses).toBe(false);
    expect(plan(observer, layer('fault', { missesFromBackend: false })).cacheMisses).toBe(false);
  });

  it('a stack that keeps misses for one fault forbids them with a second fault on lookups', async () => {
    const stack = await built(
      '  - {type: fault, rate: 50, scope: {ops: [mkdir]}}\n  - {type: fault, rate: 50, scope: {ops: [lookup]}}',
    );
    expect(stack.layers.map((l) => l.missesFromBackend)).toEqual([true, false]);
    expect(planOf(stack).cacheMisses).toBe(false);
    await stack.close();
  });
});
