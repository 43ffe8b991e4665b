import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { metricsHostOf } from '../../../src/layers/stack/deps.js';
import { compactConfig, fixture, yamlConfig } from './build.js';
import { createFile, readAt, run, settle, writeAt } from './fs-helpers.js';
import type { Fixture } from './build.js';

/** Issue sequential writes of `size` for `seconds` of fake time; return bytes/s achieved. */
async function measure(
  f: Fixture,
  size: number,
  seconds: number,
  concurrency = 1,
): Promise<number> {
  const { stack, clock } = f;
  const fh = await createFile(stack, '/f');
  const chunk = Buffer.alloc(size, 1);
  const start = clock.now();
  let bytes = 0;
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      // Not `bytes += await ...`: that reads `bytes` before the await and loses concurrent adds.
      const n = await writeAt(stack, '/f', fh, chunk, 0);
      bytes += n;
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  for (let t = 0; t < seconds * 10; t++) await clock.advance(100);
  stop = true;
  const elapsed = (clock.now() - start) / 1000;
  await clock.advance(60_000);
  await Promise.all(workers);
  return bytes / elapsed;
}

describe('throttle layer', () => {
  it('counts the time it held operations back in fs_interposer_throttle_wait_seconds_total', async () => {
    const registry = new Registry();
    const f = fixture(compactConfig('throttle=1MB'), { metrics: metricsHostOf(registry), volume: 'v' });
    await measure(f, 100_000, 10);
    const text = await registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith('fs_interposer_throttle_wait_seconds_total{'));
    expect(line).toContain('volume="v"');
    expect(line).toContain('layer="throttle"');
    // Ten seconds of writers held back by a 1 MB/s bucket: several seconds of waiting, counted.
    expect(Number(line!.split(' ').pop())).toBeGreaterThan(5);
  });

  it.each([
    ['throttle=5MB', 5_000_000, 64 * 1024, 1],
    ['throttle=5MiB', 5 * 2 ** 20, 128 * 1024, 4],
    ['throttle=1MB', 1_000_000, 4096, 2],
  ])(
    '%s (target %d B/s, %d-byte writes, %d writers): long-run rate within 3%%',
    async (spec, target, size, conc) => {
      const rate = await measure(fixture(compactConfig(spec)), size, 120, conc);
      expect(Math.abs(rate - target) / target).toBeLessThan(0.03);
    },
  );

  it('limits ops per second', async () => {
    const f = fixture(compactConfig('throttle=100iops'));
    const rate = await measure(f, 1, 60);
    expect(Math.abs(rate - 100) / 100).toBeLessThan(0.03);
  });

  it('allows a burst of one second, then blocks', async () => {
    const { stack, clock } = fixture(
      yamlConfig('  - {type: throttle, bytesPerSecond: 1000, burstBytes: 3000}'),
    );
    const fh = await createFile(stack, '/f');
    for (let i = 0; i < 3; i++) await writeAt(stack, '/f', fh, Buffer.alloc(1000));
    const p = settle(writeAt(stack, '/f', fh, Buffer.alloc(500)));
    await clock.advance(499);
    expect(p.done()).toBe(false);
    await clock.advance(1);
    expect(p.done()).toBe(true);
  });

  it('mode fail answers EAGAIN instead of waiting', async () => {
    const { stack, clock } = fixture(
      yamlConfig('  - {type: throttle, bytesPerSecond: 1000, mode: fail}'),
    );
    const fh = await createFile(stack, '/f');
    await writeAt(stack, '/f', fh, Buffer.alloc(1000));
    await expect(writeAt(stack, '/f', fh, Buffer.alloc(10))).rejects.toMatchObject({
      code: 'EAGAIN',
    });
    await clock.advance(10);
    await expect(writeAt(stack, '/f', fh, Buffer.alloc(10))).resolves.toBe(10);
  });

  it('per file: each file has its own bucket', async () => {
    const { stack, clock } = fixture(
      yamlConfig('  - {type: throttle, bytesPerSecond: 1000, per: file}'),
    );
    const a = await createFile(stack, '/a');
    const b = await createFile(stack, '/b');
    await writeAt(stack, '/a', a, Buffer.alloc(1000));
    await writeAt(stack, '/b', b, Buffer.alloc(1000));
    const p = settle(writeAt(stack, '/a', a, Buffer.alloc(100)));
    await clock.advance(0);
    expect(p.done()).toBe(false);
    await clock.advance(100);
    expect(p.done()).toBe(true);
  });

  it('refunds the unused part of a short read (EOF)', async () => {
    const { stack, clock } = fixture(yamlConfig('  - {type: throttle, bytesPerSecond: 1000}'));
    const fh = await createFile(stack, '/f');
    await expect(readAt(stack, '/f', fh, 1000)).resolves.toHaveLength(0);
    const p = settle(writeAt(stack, '/f', fh, Buffer.alloc(1000)));
    await clock.advance(0);
    expect(p.done()).toBe(true);
  });

  it('a blocked call is cancelled by the interrupt and gives its tokens back', async () => {
    const { stack, clock } = fixture(yamlConfig('  - {type: throttle, bytesPerSecond: 1000}'));
    const fh = await createFile(stack, '/f');
    await writeAt(stack, '/f', fh, Buffer.alloc(1000));
    const ac = new AbortController();
    const p = settle(
      run(
        stack,
        'write',
        { path: '/f', fh, buffer: Buffer.alloc(1000), offset: 0, flags: 2 },
        { signal: ac.signal },
      ),
    );
    ac.abort();
    await clock.advance(0);
    expect(p.result()).toMatchObject({ status: 'rejected', reason: { code: 'EINTR' } });
    await clock.advance(1000);
    const q = settle(writeAt(stack, '/f', fh, Buffer.alloc(1000)));
    await clock.advance(0);
    expect(q.done()).toBe(true);
  });
});
