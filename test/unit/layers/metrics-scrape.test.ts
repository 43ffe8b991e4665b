import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createMetricsLayer } from '../../../src/layers/metrics/metrics-layer.js';
import { onCollect } from '../../../src/telemetry/fs-metrics.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import { createStack } from '../../../src/vfs/stack.js';
import { TAP_READ, createReaderTap, tapServed } from '../../../src/vfs/reader-tap.js';
import type { Layer } from '../../../src/vfs/types.js';
import { createTinyBackend, opCall } from '../telemetry/fixtures.js';

const value = (text: string, prefix: string, needle: string): number =>
  text
    .split('\n')
    .filter((l) => l.startsWith(prefix) && l.includes(needle))
    .reduce((s, l) => s + Number(l.split(' ').pop()), 0);

/**
 * A scrape reads every fs_interposer instrument, and each folds what was counted elsewhere (the
 * reader tap, the main thread's tally) when read alone; within one scrape the folds run once, so
 * that its series come from one take (prom-client's histogram copies its values when its own
 * collect runs, the counters are read later): before, ops_total and the duration histogram's
 * count of one exposition differed in 299 of 300 scrapes while a reader thread counted.
 */
describe('metrics: one scrape, one snapshot of what was counted elsewhere', () => {
  it('ops_total{op=read} equals op_duration_seconds_count{op=read} in the same exposition', async () => {
    const registry = new Registry();
    const sab = createReaderTap();
    const tap = new BigInt64Array(sab);
    createMetricsLayer({ registry, volume: 'v', readerTap: sab });
    // Stands for a reader thread that counts one READ while the scrape is past the histogram's
    // collect (it copies its values) and before the last instrument's (the readers run beside
    // the main thread; prom-client's counters hand out their live entries, serialised later).
    let calls = 0;
    onCollect(registry, () => {
      if (calls++ === 4) tapServed(tap, TAP_READ, 4096, 20_000n);
    });
    tapServed(tap, TAP_READ, 4096, 20_000n);
    const text = await registry.metrics();
    const ops = value(text, 'fs_interposer_ops_total{', 'op="read"');
    const count = value(text, 'fs_interposer_op_duration_seconds_count{', 'op="read"');
    const bytes = value(text, 'fs_interposer_read_bytes_total{', 'volume="v"');
    expect(count).toBe(ops);
    expect(bytes).toBe(ops * 4096);
  });
});

/** Folded bucket counts land in their own bucket even when every value sits on its bound. */
describe('metrics: successes exactly on a bucket bound', () => {
  it('all land in that bucket, as one observe per op puts them', async () => {
    const registry = new Registry();
    const clock = createFakeClock(0);
    // Every op takes exactly 1 ms: 0.001 s, the bound of le="0.001".
    const slow: Layer = {
      name: 'slow',
      async around(_c, next) {
        clock.tick(1);
        return next();
      },
    };
    const stack = createStack(
      [createMetricsLayer({ registry, volume: 'v', clock }), slow],
      createTinyBackend(),
    );
    for (let i = 0; i < 10; i++) await stack.run(opCall('getattr', { path: '/' }));
    const lines = (await registry.metrics())
      .split('\n')
      .filter(
        (l) =>
          l.startsWith('fs_interposer_op_duration_seconds_bucket{') && l.includes('op="getattr"'),
      );
    const le = (b: string): number =>
      Number(
        lines
          .find((l) => l.includes(`le="${b}"`))!
          .split(' ')
          .pop(),
      );
    expect(le('0.001')).toBe(10);
  });
});
