import { describe, expect, it } from '@jest/globals';
import { createRandom } from '../../../src/layers/stack/random.js';
import { createDelaySampler } from '../../../src/layers/latency/delay.js';
import { compactConfig, fixture, yamlConfig } from './build.js';
import { createFile, readAt, run, settle, writeAt } from './fs-helpers.js';

describe('latency layer', () => {
  it('latency=10ms delays data reads and writes by exactly 10ms of the injected clock, not metadata', async () => {
    const { stack, clock } = fixture(compactConfig('latency=10ms'));
    const fh = await createFile(stack, '/f');
    const w = settle(writeAt(stack, '/f', fh, 'abc'));
    await clock.advance(9.9);
    expect(w.done()).toBe(false);
    await clock.advance(0.1);
    expect(w.result()).toEqual({ status: 'fulfilled', value: 3 });
    const r = settle(readAt(stack, '/f', fh, 3));
    await clock.advance(10);
    expect(r.result()).toMatchObject({ status: 'fulfilled' });
    const g = settle(run(stack, 'getattr', { path: '/f' }));
    await clock.advance(0);
    expect(g.done()).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it.each([
    ['read', 'read: {fixed: 5ms}', true],
    ['write', 'read: {fixed: 5ms}', false],
    ['fsync', 'flush: {fixed: 5ms}', true],
    ['getattr', 'metadata: {fixed: 5ms}', true],
    ['fsync', 'metadata: {fixed: 5ms}', false],
  ])('%s with %s delayed: %p', async (op, cls, delayed) => {
    const { stack, clock, backend } = fixture(yamlConfig(`  - {type: latency, ${cls}}`));
    const plain = fixture(compactConfig(''), {}, backend).stack;
    const fh = await createFile(plain, '/f');
    const calls = {
      read: () => readAt(stack, '/f', fh, 1),
      write: () => writeAt(stack, '/f', fh, 'x'),
      fsync: () => run(stack, 'fsync', { path: '/f', fh, datasync: false }),
      getattr: () => run(stack, 'getattr', { path: '/f' }),
    } as Record<string, () => Promise<unknown>>;
    const p = settle(calls[op]!());
    await clock.advance(0);
    expect(p.done()).toBe(!delayed);
    await clock.advance(5);
    expect(p.done()).toBe(true);
  });

  it('is cancelled by the FUSE interrupt (call.signal) with EINTR, without calling the backend', async () => {
    const { stack, clock } = fixture(compactConfig('latency=1s'));
    const fh = await createFile(stack, '/f');
    const ac = new AbortController();
    const p = settle(
      run(
        stack,
        'write',
        { path: '/f', fh, buffer: Buffer.from('x'), offset: 0, flags: 2 },
        { signal: ac.signal },
      ),
    );
    await clock.advance(100);
    ac.abort();
    await clock.advance(0);
    expect(p.result()).toMatchObject({ status: 'rejected', reason: { code: 'EINTR' } });
    expect(clock.pending()).toBe(0);
    expect((await run(stack, 'getattr', { path: '/f' })).size).toBe(0);
  });

  it('uniform delays stay in range', async () => {
    const { stack, clock } = fixture(compactConfig('latency=5ms..20ms'));
    const fh = await createFile(stack, '/f');
    for (let i = 0; i < 20; i++) {
      const p = settle(writeAt(stack, '/f', fh, 'x'));
      await clock.advance(4.99);
      expect(p.done()).toBe(false);
      await clock.advance(15.01);
      expect(p.done()).toBe(true);
    }
  });

  it('lognormal sampler matches its median and p99', () => {
    const sample = createDelaySampler({ median: 5, p99: 50 });
    const r = createRandom(1);
    const xs = Array.from({ length: 20000 }, () => sample(r)).sort((a, b) => a - b);
    expect(xs[10000]!).toBeGreaterThan(4.7);
    expect(xs[10000]!).toBeLessThan(5.3);
    expect(xs[19800]!).toBeGreaterThan(44);
    expect(xs[19800]!).toBeLessThan(56);
  });

  it('configured without delays it is inactive', () => {
    expect(fixture(yamlConfig('  - {type: latency}')).stack.needsData).toBe(false);
    expect(fixture(yamlConfig('  - {type: latency, metadata: {fixed: 1ms}}')).stack.needsData).toBe(
      false,
    );
    expect(fixture(compactConfig('latency=1ms')).stack.needsData).toBe(true);
  });
});
