import { describe, expect, it } from '@jest/globals';
import { parseLayerSpec } from '../../../src/config/index.js';

const ok = (spec: string) => {
  const r = parseLayerSpec(spec);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
};

describe('parseLayerSpec', () => {
  it('parses the annotation example with the meanings of ARCHITECTURE.md section 4', () => {
    expect(ok('trace,metrics,throttle=5MB,latency=10ms,fault=EIO@1%').layers).toEqual([
      { type: 'trace' },
      { type: 'metrics' },
      { type: 'throttle', bytesPerSecond: 5_000_000 },
      { type: 'latency', read: { fixed: 10 }, write: { fixed: 10 } },
      { type: 'fault', errnos: ['EIO'], rate: 1 },
    ]);
  });

  it('accepts the empty spec as no layers', () => {
    expect(ok('')).toEqual({ apiVersion: 'fs-interposer/v1', kind: 'LayerStack', layers: [] });
    expect(ok('   ').layers).toEqual([]);
  });

  it.each([
    ['throttle=5MiB', { type: 'throttle', bytesPerSecond: 5_242_880 }],
    ['throttle=5MB/s', { type: 'throttle', bytesPerSecond: 5_000_000 }],
    ['throttle=1.5GB', { type: 'throttle', bytesPerSecond: 1_500_000_000 }],
    ['throttle=200iops', { type: 'throttle', opsPerSecond: 200 }],
    ['latency=250us', { type: 'latency', read: { fixed: 0.25 }, write: { fixed: 0.25 } }],
    ['latency=2s', { type: 'latency', read: { fixed: 2000 }, write: { fixed: 2000 } }],
    [
      'latency=5ms..20ms',
      { type: 'latency', read: { min: 5, max: 20 }, write: { min: 5, max: 20 } },
    ],
    ['fault=ENOSPC@0.5%', { type: 'fault', errnos: ['ENOSPC'], rate: 0.5 }],
    ['fault=EIO|EDQUOT@2%', { type: 'fault', errnos: ['EIO', 'EDQUOT'], rate: 2 }],
    ['quota=1GiB', { type: 'quota', maxBytes: 2 ** 30 }],
    ['record', { type: 'record' }],
    ['record=/tmp/ops.jsonl', { type: 'record', path: '/tmp/ops.jsonl' }],
    ['powerloss', { type: 'powerloss' }],
    ['shuffle', { type: 'shuffle' }],
  ])('%s', (spec, layer) => {
    expect(ok(spec).layers).toEqual([layer]);
  });

  it('tolerates spaces around tokens', () => {
    expect(ok(' trace , latency = 10ms ').layers).toEqual([
      { type: 'trace' },
      { type: 'latency', read: { fixed: 10 }, write: { fixed: 10 } },
    ]);
  });

  it('reports every error at once, with token index, column and accepted values', () => {
    const r = parseLayerSpec('trace,bogus,throttle=5XB, latency=10,fault=EXX@1%,fault=EIO@200%');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.position, e.message])).toEqual([
      ["token 2 ('bogus'), column 7", "unknown layer 'bogus'"],
      [
        "token 3 ('throttle=5XB'), column 13",
        expect.stringMatching(/^bad throttle rate: '5XB' is not a size \(bytes, or a number with one of k M G .* MiB/),
      ],
      ["token 4 ('latency=10'), column 27", "bad latency '10'"],
      [
        "token 5 ('fault=EXX@1%'), column 38, at /errnos/0",
        'must be equal to one of the allowed values',
      ],
      ["token 6 ('fault=EIO@200%'), column 51, at /rate", 'must be <= 100'],
    ]);
    expect(r.errors[0]!.accepted).toEqual(expect.arrayContaining(['trace', 'fault', 'powerloss']));
    expect(r.errors[3]!.accepted).toEqual(expect.arrayContaining(['EIO', 'ENOSPC']));
  });

  it.each([
    ['trace,,metrics', 'empty layer'],
    ['trace=1', "layer 'trace' takes no value in the compact form"],
    ['latency', "layer 'latency' needs a value"],
    ['latency=20ms..5ms', "latency range '20ms..5ms' is reversed"],
    ['fault=EIO', "bad fault 'EIO'"],
    ['throttle=0', "bad throttle rate '0': must be above 0"],
  ])('rejects %s', (spec, message) => {
    const r = parseLayerSpec(spec);
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([message]);
  });

  it('returns a frozen value', () => {
    const v = ok('latency=10ms');
    expect(Object.isFrozen(v)).toBe(true);
    expect(Object.isFrozen(v.layers[0])).toBe(true);
  });
});
