import { describe, expect, it } from '@jest/globals';
import { parseConfigFile } from '../../../src/config/index.js';

const FULL = `apiVersion: fs-interposer/v1
kind: LayerStack
seed: 42
decisionLog: { path: /tmp/decisions.jsonl, maxBytes: 1MiB }
layers:
  - type: latency
    read: { median: 5ms, p99: 50ms }
    metadata: { min: 100us, max: 1ms }
    scope: { paths: ['/db/**'], ops: ['@data', 'getattr'], percent: 50, uids: [1000] }
  - type: fault
    perOp: { write: { EIO: 1, ENOSPC: 2 } }
    window: { up: 1s, down: 200ms }
    corrupt: { rate: 1, fill: zero, maxBytes: 4KiB }
  - type: throttle
    bytesPerSecond: 5MiB
    per: file
    mode: fail
`;

describe('parseConfigFile', () => {
  it('parses YAML and converts units to bytes and milliseconds', () => {
    const r = parseConfigFile(FULL, 'x.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value.seed).toBe(42);
    expect(r.value.decisionLog).toEqual({ path: '/tmp/decisions.jsonl', maxBytes: 2 ** 20 });
    expect(r.value.layers[0]).toMatchObject({
      read: { median: 5, p99: 50 },
      metadata: { min: 0.1, max: 1 },
    });
    expect(r.value.layers[1]).toMatchObject({
      window: { up: 1000, down: 200 },
      corrupt: { maxBytes: 4096 },
    });
    expect(r.value.layers[2]).toMatchObject({
      bytesPerSecond: 5 * 2 ** 20,
      per: 'file',
      mode: 'fail',
    });
    expect(Object.isFrozen(r.value.layers[1])).toBe(true);
  });

  it('parses JSON', () => {
    const r = parseConfigFile(
      '{"apiVersion":"fs-interposer/v1","kind":"LayerStack","layers":[{"type":"quota","maxInodes":10}]}',
    );
    expect(r).toEqual({
      ok: true,
      value: expect.objectContaining({ layers: [{ type: 'quota', maxInodes: 10 }] }),
    });
  });

  it('reports every error with JSON pointer, line and accepted values', () => {
    const text = `apiVersion: fs-interposer/v1
kind: LayerStack
layers:
  - type: latency
    read: { fixed: 10ms, min: 1ms }
    bogus: 1
  - type: throttle
    bytesPerSecond: 5 MBps
    mode: maybe
  - type: nope
`;
    const r = parseConfigFile(text, 'bad.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPos = Object.fromEntries(r.errors.map((e) => [e.position, e]));
    expect(byPos['bad.yaml:6 /layers/0/bogus']).toMatchObject({
      message: "unknown property 'bogus'",
    });
    expect(byPos['bad.yaml:6 /layers/0/bogus']!.accepted).toEqual(
      expect.arrayContaining(['read', 'metadata']),
    );
    expect(byPos['bad.yaml:5 /layers/0/read']?.message).toMatch(/exactly one of/);
    expect(byPos['bad.yaml:8 /layers/1/bytesPerSecond']?.accepted).toEqual([
      'integer bytes',
      '5MB',
      '5MiB',
      '10Gi',
      '512M',
    ]);
    expect(byPos['bad.yaml:9 /layers/1/mode']?.accepted).toEqual(['block', 'fail']);
    expect(byPos['bad.yaml:10 /layers/2/type']?.accepted).toEqual(
      expect.arrayContaining(['fault', 'shuffle']),
    );
  });

  it('checks the options of trace, metrics and record like any other layer', () => {
    const good = parseConfigFile(`apiVersion: fs-interposer/v1
kind: LayerStack
layers:
  - type: trace
    sampleRatio: 0.5
    ops: [read, write, fsync]
    fileRollover: { maxDurationMs: 2s, maxOps: 10 }
    protocol: grpc
  - type: metrics
    volume: data
  - type: record
    path: /tmp/r.jsonl
    maxBytes: 1MiB
    flushIntervalMs: 250ms
`);
    if (!good.ok) throw new Error(JSON.stringify(good.errors));
    expect(good.value.layers[0]).toMatchObject({ fileRollover: { maxDurationMs: 2000 } });
    expect(good.value.layers[2]).toMatchObject({ maxBytes: 2 ** 20, flushIntervalMs: 250 });

    const bad = parseConfigFile(
      `apiVersion: fs-interposer/v1
kind: LayerStack
layers:
  - type: trace
    sampleRate: 0.5
    ops: [reads]
    protocol: udp
  - type: metrics
    registry: mine
  - type: record
    maxBytes: -1
    maxFiles: 1.5
`,
      'obs.yaml',
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    const byPos = Object.fromEntries(bad.errors.map((e) => [e.position, e]));
    expect(byPos['obs.yaml:5 /layers/0/sampleRate']?.accepted).toContain('sampleRatio');
    expect(byPos['obs.yaml:6 /layers/0/ops/0']?.accepted).toContain('read');
    expect(byPos['obs.yaml:7 /layers/0/protocol']?.accepted).toEqual(['http/protobuf', 'grpc']);
    expect(byPos['obs.yaml:9 /layers/1/registry']?.message).toBe("unknown property 'registry'");
    expect(byPos['obs.yaml:11 /layers/2/maxBytes']).toBeDefined();
    expect(byPos['obs.yaml:12 /layers/2/maxFiles']).toBeDefined();
  });

  it('requires apiVersion and kind', () => {
    const r = parseConfigFile('kind: Other\nlayers: []\n', 'k.yaml');
    expect(r.ok ? [] : r.errors.map((e) => `${e.position} ${e.message}`)).toEqual([
      "k.yaml:1 / missing required property 'apiVersion'",
      'k.yaml:1 /kind must be equal to constant',
    ]);
  });

  it('reports YAML syntax errors with a line', () => {
    const r = parseConfigFile('apiVersion: x\nlayers: [\n', 's.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.position).toMatch(/^s\.yaml:\d+$/);
  });
});

describe('seed project config.json', () => {
  it('maps every seed key (docs/adr/0021)', () => {
    const r = parseConfigFile(
      '{"file_fail_rate": 0.1, "directory_fail_rate": 0.25, "use_seednum": true, "seed": 7, "delay_time": 0.01, "local_log_path": "/tmp/l"}',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value.seed).toBe(7);
    expect(r.value.decisionLog).toEqual({ path: '/tmp/l' });
    const [latency, files, dirs] = r.value.layers;
    expect(latency).toMatchObject({
      type: 'latency',
      read: { fixed: 10 },
      metadata: { fixed: 10 },
    });
    expect(files).toMatchObject({
      type: 'fault',
      rate: 10,
      scope: { ops: ['open', 'read', 'write', 'flush'] },
    });
    expect(dirs).toMatchObject({ type: 'fault', rate: 25, scope: { ops: ['opendir', 'readdir'] } });
  });

  it('ignores the seed when use_seednum is false', () => {
    const r = parseConfigFile('{"file_fail_rate": 0, "use_seednum": false, "seed": 7}');
    expect(r.ok && r.value).toMatchObject({ layers: [] });
    expect(r.ok && r.value.seed).toBeUndefined();
  });

  it('reports bad seed values with their line', () => {
    const r = parseConfigFile('{\n"file_fail_rate": 5,\n"colour": "red"\n}', 'config.json');
    expect(r.ok ? [] : r.errors.map((e) => `${e.position} ${e.message}`)).toEqual([
      "config.json:2 /file_fail_rate 'file_fail_rate' must be a probability 0..1",
      "config.json:3 /colour unknown seed config key 'colour'",
    ]);
  });
});
