import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createMetricsLayer } from '../../../src/layers/metrics/metrics-layer.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import { recordThrottleWait } from '../../../src/telemetry/fs-metrics.js';
import { createTelemetryRegistry } from '../../../src/telemetry/registry.js';
import { FsError } from '../../../src/vfs/errors.js';
import { createStack } from '../../../src/vfs/stack.js';
import {
  TAP_FLUSH,
  TAP_FSYNC,
  TAP_GETATTR,
  createReaderTap,
  tapServed,
} from '../../../src/vfs/reader-tap.js';
import type { Layer } from '../../../src/vfs/types.js';
import { createTinyBackend, opCall } from '../telemetry/fixtures.js';

async function value(registry: Registry, name: string, labels: Record<string, string>) {
  const base = name.replace(/_(sum|count|bucket)$/, '');
  const metric = await (registry.getSingleMetric(name) ?? registry.getSingleMetric(base))?.get();
  const found = metric?.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? metric.name) === name &&
      Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  );
  return found?.value;
}

/** A layer below metrics that takes `ms` of fake time, like a slow disk. */
const slow = (clock: ReturnType<typeof createFakeClock>, ms: number): Layer => ({
  name: 'slow',
  async around(_c, next) {
    clock.tick(ms);
    return next();
  },
});

function setup() {
  const registry = new Registry();
  const clock = createFakeClock();
  const backend = createTinyBackend();
  const stack = createStack(
    [createMetricsLayer({ registry, volume: 'data', clock }), slow(clock, 3)],
    backend,
  );
  return { registry, clock, backend, stack };
}

describe('metrics layer', () => {
  it('counts ops, bytes, open files and directories from real results', async () => {
    const { registry, stack } = setup();
    const { fh } = await stack.run(
      opCall('create', { path: '/a', flags: 0, mode: 0o644, umask: 0 }),
    );
    await stack.run(
      opCall('write', { path: '/a', fh, buffer: Buffer.from('hello world'), offset: 0, flags: 0 }),
    );
    expect(await value(registry, 'fs_interposer_open_files', { volume: 'data' })).toBe(1);
    const buf = Buffer.alloc(100);
    await expect(
      stack.run(opCall('read', { path: '/a', fh, buffer: buf, offset: 6, flags: 0 })),
    ).resolves.toBe(5);
    await stack.run(opCall('release', { path: '/a', fh, flags: 0 }));
    await stack.run(opCall('mkdir', { path: '/d', mode: 0o755, umask: 0 }));
    await stack.run(opCall('mkdir', { path: '/e', mode: 0o755, umask: 0 }));
    await stack.run(opCall('rmdir', { path: '/d' }));

    expect(await value(registry, 'fs_interposer_written_bytes_total', { volume: 'data' })).toBe(11);
    expect(await value(registry, 'fs_interposer_read_bytes_total', { volume: 'data' })).toBe(5);
    expect(await value(registry, 'fs_interposer_open_files', { volume: 'data' })).toBe(0);
    expect(await value(registry, 'fs_interposer_directories', { volume: 'data' })).toBe(1);
    expect(
      await value(registry, 'fs_interposer_directories_created_total', { volume: 'data' }),
    ).toBe(2);
    expect(
      await value(registry, 'fs_interposer_directories_removed_total', { volume: 'data' }),
    ).toBe(1);
    expect(await value(registry, 'fs_interposer_ops_total', { op: 'mkdir', result: 'ok' })).toBe(2);
  });

  it('counts failures by errno without counting them as successes', async () => {
    const { registry, stack } = setup();
    await expect(stack.run(opCall('rmdir', { path: '/nope' }))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(stack.run(opCall('open', { path: '/nope', flags: 0 }))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(
      await value(registry, 'fs_interposer_errors_total', { op: 'rmdir', errno: 'ENOENT' }),
    ).toBe(1);
    expect(await value(registry, 'fs_interposer_ops_total', { op: 'open', result: 'error' })).toBe(
      1,
    );
    expect(
      await value(registry, 'fs_interposer_ops_total', { op: 'open', result: 'ok' }),
    ).toBeUndefined();
    expect(await value(registry, 'fs_interposer_directories', { volume: 'data' })).toBe(0);
    expect(await value(registry, 'fs_interposer_open_files', { volume: 'data' })).toBe(0);
  });

  it('counts expected answers apart from failures, unless a layer injected them', async () => {
    const registry = new Registry();
    const injecting: Layer = {
      name: 'fault',
      around: (c, next) =>
        c.path === '/injected'
          ? Promise.reject(new FsError('ENOENT', undefined, { injectedBy: 'fault' }))
          : next(),
    };
    const stack = createStack(
      [createMetricsLayer({ registry, volume: 'v' }), injecting],
      createTinyBackend(),
    );
    for (const path of ['/missing', '/missing', '/injected']) {
      await expect(stack.run(opCall('lookup', { path }))).rejects.toMatchObject({
        code: 'ENOENT',
      });
    }
    await expect(stack.run(opCall('getattr', { path: '/vanished' }))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    const ops = (op: string, result: string) =>
      value(registry, 'fs_interposer_ops_total', { op, result });
    expect(await ops('lookup', 'expected')).toBe(2);
    expect(await ops('lookup', 'error')).toBe(1);
    expect(await ops('getattr', 'error')).toBe(1);
    expect(await ops('getattr', 'expected')).toBeUndefined();
    expect(
      await value(registry, 'fs_interposer_expected_errnos_total', {
        op: 'lookup',
        errno: 'ENOENT',
      }),
    ).toBe(2);
    expect(
      await value(registry, 'fs_interposer_errors_total', { op: 'lookup', errno: 'ENOENT' }),
    ).toBe(1);
    expect(
      await value(registry, 'fs_interposer_errors_total', { op: 'getattr', errno: 'ENOENT' }),
    ).toBe(1);
  });

  it('counts errors that a layer below injected as injected faults, by layer and errno', async () => {
    const registry = new Registry();
    const injecting: Layer = {
      name: 'chaos',
      around: (c, next) => {
        if (c.path === '/eio')
          return Promise.reject(new FsError('EIO', undefined, { injectedBy: 'fault' }));
        if (c.path === '/nospc')
          return Promise.reject(new FsError('ENOSPC', undefined, { injectedBy: 'fault.2' }));
        // Neither a message nor an ad-hoc property makes an error injected: only the marker.
        if (c.path === '/says-injected')
          return Promise.reject(
            Object.assign(new FsError('EIO', 'injected EIO'), { injected: true }),
          );
        return next();
      },
    };
    const stack = createStack(
      [createMetricsLayer({ registry, volume: 'v' }), injecting],
      createTinyBackend(),
    );
    for (const path of ['/eio', '/eio', '/nospc', '/real-enoent', '/says-injected']) {
      await stack.run(opCall('getattr', { path })).catch(() => undefined);
    }
    expect(
      await value(registry, 'fs_interposer_injected_faults_total', { layer: 'fault', kind: 'EIO' }),
    ).toBe(2);
    expect(
      await value(registry, 'fs_interposer_injected_faults_total', {
        layer: 'fault.2',
        kind: 'ENOSPC',
      }),
    ).toBe(1);
    expect(
      await value(registry, 'fs_interposer_injected_faults_total', { kind: 'ENOENT' }),
    ).toBeUndefined();
    expect(await value(registry, 'fs_interposer_errors_total', { errno: 'ENOENT' })).toBe(1);
  });

  it('folds FSYNC and FLUSH served by the reader threads, failures by errno, at the scrape', async () => {
    const registry = new Registry();
    const sab = createReaderTap();
    const tap = new BigInt64Array(sab);
    createMetricsLayer({ registry, volume: 'data', readerTap: sab });
    tapServed(tap, TAP_FSYNC, 0, 20_000n);
    tapServed(tap, TAP_FSYNC, 0, 30_000n, 5); // EIO: a writeback error
    tapServed(tap, TAP_FSYNC, 0, 30_000n, 38); // ENOSYS: an expected answer of fsync
    tapServed(tap, TAP_FLUSH, 0, 1_000n);
    await registry.metrics(); // the scrape folds the tap
    const ops = (op: string, result: string) =>
      value(registry, 'fs_interposer_ops_total', { volume: 'data', op, result });
    expect(await ops('fsync', 'ok')).toBe(1);
    expect(await ops('fsync', 'error')).toBe(1);
    expect(await ops('fsync', 'expected')).toBe(1);
    expect(await ops('flush', 'ok')).toBe(1);
    expect(
      await value(registry, 'fs_interposer_errors_total', { volume: 'data', op: 'fsync', errno: 'EIO' }),
    ).toBe(1);
    expect(
      await value(registry, 'fs_interposer_op_duration_seconds_count', { volume: 'data', op: 'fsync' }),
    ).toBe(3);
    // No bytes for them.
    expect(await value(registry, 'fs_interposer_read_bytes_total', { volume: 'data' })).toBe(0);
  });

  it('folds GETATTR served by the reader threads into the getattr series', async () => {
    const registry = new Registry();
    const sab = createReaderTap();
    const tap = new BigInt64Array(sab);
    createMetricsLayer({ registry, volume: 'data', readerTap: sab });
    for (let i = 0; i < 3; i++) tapServed(tap, TAP_GETATTR, 0, 2_000n);
    tapServed(tap, TAP_GETATTR, 0, 2_000n, 5);
    await registry.metrics();
    const ops = (result: string) =>
      value(registry, 'fs_interposer_ops_total', { volume: 'data', op: 'getattr', result });
    expect([await ops('ok'), await ops('error')]).toEqual([3, 1]);
    expect(
      await value(registry, 'fs_interposer_op_duration_seconds_count', { volume: 'data', op: 'getattr' }),
    ).toBe(4);
  });

  it('does not fail a read whose answer is not a byte count', async () => {
    const registry = new Registry();
    const odd: Layer = { name: 'odd', around: async () => undefined as never };
    const stack = createStack(
      [createMetricsLayer({ registry, volume: 'v' }), odd],
      createTinyBackend(),
    );
    const read = opCall('read', {
      path: '/f',
      fh: 1,
      buffer: Buffer.alloc(1),
      offset: 0,
      flags: 0,
    });
    await expect(stack.run(read)).resolves.toBeUndefined();
    expect(await value(registry, 'fs_interposer_read_bytes_total', { volume: 'v' })).toBe(0);
  });

  it('observes latency in seconds into the 10us..10s buckets', async () => {
    const { registry, stack } = setup();
    await stack.run(opCall('getattr', { path: '/' }));
    expect(
      await value(registry, 'fs_interposer_op_duration_seconds_sum', { op: 'getattr' }),
    ).toBeCloseTo(0.003);
    expect(
      await value(registry, 'fs_interposer_op_duration_seconds_bucket', {
        op: 'getattr',
        le: '0.0025',
      }),
    ).toBe(0);
    expect(
      await value(registry, 'fs_interposer_op_duration_seconds_bucket', {
        op: 'getattr',
        le: '0.005',
      }),
    ).toBe(1);
    expect(
      await value(registry, 'fs_interposer_op_duration_seconds_bucket', {
        op: 'getattr',
        le: '0.00001',
      }),
    ).toBe(0);
    expect(
      await value(registry, 'fs_interposer_op_duration_seconds_bucket', {
        op: 'getattr',
        le: '10',
      }),
    ).toBe(1);
  });

  it('keeps volumes apart in one registry', async () => {
    const registry = new Registry();
    const a = createStack([createMetricsLayer({ registry, volume: 'a' })], createTinyBackend());
    const b = createStack([createMetricsLayer({ registry, volume: 'b' })], createTinyBackend());
    await a.run(opCall('mkdir', { path: '/x', mode: 0o755, umask: 0 }));
    expect(await value(registry, 'fs_interposer_directories', { volume: 'a' })).toBe(1);
    expect(await value(registry, 'fs_interposer_directories', { volume: 'b' })).toBe(0);
    await b.run(opCall('getattr', { path: '/' }));
    expect(await value(registry, 'fs_interposer_ops_total', { volume: 'b', op: 'getattr' })).toBe(
      1,
    );
  });

  it('produces an exposition that promtool accepts, pod and namespace included', async () => {
    const registry = createTelemetryRegistry({ identity: { pod: 'app-0', namespace: 'ns1' } });
    const injectEio: Layer = {
      name: 'fault',
      around: (call, next) =>
        call.op === 'fsync' ? Promise.reject(new FsError('EIO', 'injected', { injectedBy: 'fault' })) : next(),
    };
    const stack = createStack(
      [createMetricsLayer({ registry, volume: 'data' }), injectEio],
      createTinyBackend(),
    );
    await stack.run(opCall('getattr', { path: '/' }));
    await stack.run(opCall('rmdir', { path: '/missing' })).catch(() => undefined);
    await stack.run(opCall('fsync', { path: '/', fh: 1, datasync: false })).catch(() => undefined);
    recordThrottleWait(registry, { volume: 'data', layer: 'throttle' }, 0.25);
    const text = await registry.metrics();
    expect(text).toContain(
      'fs_interposer_injected_faults_total{volume="data",layer="fault",kind="EIO",pod="app-0",namespace="ns1"} 1',
    );
    expect(text).toContain(
      'fs_interposer_throttle_wait_seconds_total{volume="data",layer="throttle",pod="app-0",namespace="ns1"} 0.25',
    );
    // promtool lints from stdin and exits non-zero on any problem.
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(out).toBe('');
  });
});
