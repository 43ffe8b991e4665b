import { describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { listLayers, stackConfigSchema } from '../../../src/config/index.js';

describe('stackConfigSchema', () => {
  it('compiles in a plain strict ajv that does not know our x-unit keyword (as Helm would see it)', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(stackConfigSchema);
    expect(
      validate({
        apiVersion: 'fs-interposer/v1',
        kind: 'LayerStack',
        layers: [{ type: 'throttle', bytesPerSecond: '5MB' }],
      }),
    ).toBe(true);
    expect(
      validate({
        apiVersion: 'fs-interposer/v1',
        kind: 'LayerStack',
        layers: [{ type: 'throttle', bytesPerSecond: '5 MB' }],
      }),
    ).toBe(false);
  });
});

describe('listLayers', () => {
  const layers = listLayers();
  it('lists every layer type from the schema, observability slots included', () => {
    expect(layers.map((l) => l.name)).toEqual([
      'trace',
      'metrics',
      'record',
      'fault',
      'latency',
      'throttle',
      'quota',
      'powerloss',
      'shuffle',
    ]);
    for (const l of layers) expect(l.description.length).toBeGreaterThan(10);
  });

  it('derives parameter types, descriptions and defaults', () => {
    const throttle = layers.find((l) => l.name === 'throttle')!;
    expect(throttle.params.find((p) => p.name === 'mode')).toEqual({
      name: 'mode',
      type: 'block|fail',
      description: 'block until tokens arrive, or fail fast with EAGAIN',
      default: 'block',
    });
    expect(throttle.params.find((p) => p.name === 'bytesPerSecond')?.type).toBe('size');
    const fault = layers.find((l) => l.name === 'fault')!;
    expect(fault.params.find((p) => p.name === 'errnos')?.type).toBe('errno[]');
    expect(fault.params.find((p) => p.name === 'window')?.type).toBe('{up,down,offset}');
  });
});
