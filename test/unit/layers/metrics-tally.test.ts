import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createMetricsLayer } from '../../../src/layers/metrics/metrics-layer.js';
import { createOpTally } from '../../../src/layers/metrics/op-tally.js';
import { LATENCY_BUCKETS_SECONDS } from '../../../src/telemetry/fs-metrics.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import { createStack } from '../../../src/vfs/stack.js';
import type { Layer } from '../../../src/vfs/types.js';
import { createTinyBackend, opCall } from '../telemetry/fixtures.js';

/** A layer below metrics that takes the next of `delays` (ms of fake time) per op. */
const delaying = (clock: ReturnType<typeof createFakeClock>, delays: number[]): Layer => {
  let i = 0;
  return {
    name: 'slow',
    async around(_c, next) {
      clock.tick(delays[i++ % delays.length]!);
      return next();
    },
  };
};

/** The `fs_interposer_op_duration_seconds` lines of an exposition for one op. */
const durationLines = (text: string, op: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('fs_interposer_op_duration_seconds') && l.includes(`op="${op}"`));

describe('metrics layer: successes counted between scrapes', () => {
  it('give the exposition that one observe per op gives, every bucket and the sum', async () => {
    // Delays on both sides of bucket bounds (0.01 ms .. 12 s), several per bucket; not on a bound
    // (the clock difference is a float: an exact bound may land in either bucket, both ways).
    const delays = [
      0.005, 0.0099, 0.02, 0.0251, 0.3, 0.49, 0.7, 1.001, 2, 7, 30, 99, 249.9, 600, 2600, 12_000,
    ];
    const registry = new Registry();
    // From 0: a clock at an epoch in ms cannot carry the sub-µs differences of these delays.
    const clock = createFakeClock(0);
    const stack = createStack(
      [createMetricsLayer({ registry, volume: 'v', clock }), delaying(clock, delays)],
      createTinyBackend(),
    );
    for (let k = 0; k < 3; k++)
      for (let i = 0; i < delays.length; i++) await stack.run(opCall('getattr', { path: '/' }));

    const reference = new Registry();
    const { Histogram } = await import('prom-client');
    const h = new Histogram({
      name: 'fs_interposer_op_duration_seconds',
      help: 'x',
      labelNames: ['volume', 'op'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers: [reference],
    });
    for (let k = 0; k < 3; k++)
      for (const d of delays) h.observe({ volume: 'v', op: 'getattr' }, d / 1000);

    const got = durationLines(await registry.metrics(), 'getattr');
    const want = durationLines(await reference.metrics(), 'getattr');
    const sum = (ls: string[]): number =>
      Number(
        ls
          .find((l) => l.includes('_sum'))!
          .split(' ')
          .pop(),
      );
    expect(got.filter((l) => !l.includes('_sum'))).toEqual(want.filter((l) => !l.includes('_sum')));
    expect(sum(got)).toBeCloseTo(sum(want), 9);
    expect(got).toHaveLength(LATENCY_BUCKETS_SECONDS.length + 3);
  });

  it('are taken once: a second scrape adds only what came after the first', async () => {
    const registry = new Registry();
    const stack = createStack([createMetricsLayer({ registry, volume: 'v' })], createTinyBackend());
    const okLine = async (): Promise<string | undefined> =>
      (await registry.metrics())
        .split('\n')
        .find((l) => l.startsWith('fs_interposer_ops_total{') && l.includes('op="getattr"'));
    for (let i = 0; i < 5; i++) await stack.run(opCall('getattr', { path: '/' }));
    expect(await okLine()).toMatch(/ 5$/);
    expect(await okLine()).toMatch(/ 5$/);
    await stack.run(opCall('getattr', { path: '/' }));
    expect(await okLine()).toMatch(/ 6$/);
  });

  it('are folded in when the layer closes (a swap), not lost', async () => {
    const registry = new Registry();
    const layer = createMetricsLayer({ registry, volume: 'v' });
    const stack = createStack([layer], createTinyBackend());
    const { fh } = await stack.run(
      opCall('create', { path: '/a', flags: 0, mode: 0o644, umask: 0 }),
    );
    expect(fh).toBeDefined();
    await layer.close?.();
    // A successor layer on the same registry; the first no longer folds (unregistered).
    createMetricsLayer({ registry, volume: 'v' });
    const text = await registry.metrics();
    expect(text).toMatch(/fs_interposer_ops_total\{volume="v",op="create",result="ok"\} 1/);
    expect(text).toMatch(/fs_interposer_open_files\{volume="v"\} 1/);
  });

  it('keep the gauges as deltas: an open file released by a failed release is gone', () => {
    const t = createOpTally();
    t.ok('open', 0.001, 0);
    t.ok('create', 0.001, 0);
    t.released();
    t.ok('mkdir', 0.001, 0);
    t.ok('rmdir', 0.001, 0);
    t.ok('rmdir', 0.001, 0);
    t.ok('read', 0.001, 4096);
    t.ok('copyFileRange', 0.001, 10);
    const taken = t.take();
    expect(taken.volume).toEqual({
      readBytes: 4106,
      writtenBytes: 10,
      dirsCreated: 1,
      dirsRemoved: 2,
      dirs: -1,
      openFiles: 1,
    });
    expect(taken.ops.get('rmdir')?.ok).toBe(2);
    expect(t.take().ops.size).toBe(0);
  });
});
