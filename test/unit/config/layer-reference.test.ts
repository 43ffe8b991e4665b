import { describe, expect, it } from '@jest/globals';
import {
  listLayers,
  listStackOptions,
  parseConfigFile,
  parseLayerSpec,
} from '../../../src/config/index.js';
import { layerSchemas } from '../../../src/config/schema/layers.js';

const HEAD = 'apiVersion: fs-interposer/v1\nkind: LayerStack\n';

describe('compact forms in the schema (x-compact) parse as they say', () => {
  const layers = listLayers();

  it.each(
    layers.flatMap((l) =>
      l.params.filter((p) => p.compact).flatMap((p) => p.compact!.map((f) => [l.name, p.name, f])),
    ),
  )('%s.%s: %s sets the option', (type, option, form) => {
    const spec = form.replace('=PATH', '=/tmp/x.jsonl');
    const r = parseLayerSpec(spec);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value.layers).toHaveLength(1);
    expect(r.value.layers[0]).toMatchObject({ type });
    expect(r.value.layers[0]).toHaveProperty(option);
  });

  it('a bare form parses exactly for the layers that list one', () => {
    for (const l of layers) {
      const bare =
        (layerSchemas[l.name] as { 'x-compact'?: string[] })['x-compact']?.includes(l.name) ===
        true;
      expect([l.name, parseLayerSpec(l.name).ok]).toEqual([l.name, bare]);
    }
  });

  it('every layer has a compact form', () => {
    for (const l of layers) expect([l.name, l.compact.length > 0]).toEqual([l.name, true]);
  });
});

describe('the observability options are in the schema', () => {
  it('trace: endpoint, protocol, paths, ops, rollover (durations with units)', () => {
    const r = parseConfigFile(
      `${HEAD}layers:\n  - type: trace\n    endpoint: http://collector:4318/v1/traces\n    protocol: grpc\n` +
        `    paths: ['/db/**']\n    ops: [read, write]\n    fileRollover: {maxDurationMs: 5s, maxOps: 100}\n` +
        `    volumeRollover: {maxOps: 10}\n    serviceName: svc\n    volume: data\n    sampleRatio: 0.5\n`,
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value.layers[0]).toMatchObject({
      protocol: 'grpc',
      fileRollover: { maxDurationMs: 5000, maxOps: 100 },
    });
  });

  it('record: maxFiles, ops, flushIntervalMs, maxBytes as a quantity', () => {
    const r = parseConfigFile(
      `${HEAD}layers:\n  - {type: record, path: /tmp/r.jsonl, maxFiles: 2, ops: [write], flushIntervalMs: 250ms, maxBytes: 1Mi}\n`,
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value.layers[0]).toEqual({
      type: 'record',
      path: '/tmp/r.jsonl',
      maxFiles: 2,
      ops: ['write'],
      flushIntervalMs: 250,
      maxBytes: 2 ** 20,
    });
  });

  it.each([
    ['  - {type: trace, endPoint: http://x}\n', "unknown property 'endPoint'", 'endpoint'],
    [
      '  - {type: trace, protocol: http/json}\n',
      'must be equal to one of the allowed values',
      'grpc',
    ],
    [
      '  - {type: record, path: /r, ops: ["@data"]}\n',
      'must be equal to one of the allowed values',
      'write',
    ],
    ['  - {type: metrics, volumes: x}\n', "unknown property 'volumes'", 'volume'],
  ])('refused, naming what is accepted: %s', (layer, message, accepted) => {
    const r = parseConfigFile(`${HEAD}layers:\n${layer}`);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors[0]?.message).toBe(message);
      expect(r.errors[0]?.accepted).toContain(accepted);
    }
  });
});

describe('listStackOptions', () => {
  it('the top level of the file form, nested options by their dotted path', () => {
    expect(listStackOptions().map((p) => p.name)).toEqual(
      expect.arrayContaining(['seed', 'decisionLog.path', 'decisionLog.maxBytes', 'replay.path']),
    );
  });
});
