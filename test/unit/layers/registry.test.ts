import { describe, expect, it } from '@jest/globals';
import type { LayerType } from '../../../src/config/index.js';
import { LAYER_TYPES } from '../../../src/config/schema/layers.js';
import { builtinFactories, loadLayerFactories } from '../../../src/layers/stack/registry.js';

const OBSERVERS: readonly LayerType[] = ['trace', 'metrics', 'record'];
const isObserver = (t: string): boolean => OBSERVERS.some((o) => o === t);

describe('layer registry', () => {
  it('has a factory for every layer type of the schema', async () => {
    const all = await loadLayerFactories({ layers: OBSERVERS.map((type) => ({ type })) });
    expect(Object.keys(all).sort()).toEqual([...LAYER_TYPES].sort());
  });

  it('builds the disturbance layers without importing the observers, and imports only those named', async () => {
    expect(Object.keys(builtinFactories()).sort()).toEqual(
      LAYER_TYPES.filter((t) => !isObserver(t)).sort(),
    );
    const loaded = await loadLayerFactories({ layers: [{ type: 'metrics' }, { type: 'fault' }] });
    expect(loaded.metrics).toBeInstanceOf(Function);
    expect(loaded.trace).toBeUndefined();
    expect(loaded.record).toBeUndefined();
  });
});
