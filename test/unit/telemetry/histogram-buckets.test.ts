import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { addBucketCounts } from '../../../src/telemetry/histogram-buckets.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];

const histogram = (): { r: Registry; h: Histogram<'op'> } => {
  const r = new Registry();
  const h = new Histogram({
    name: 'd_seconds',
    help: 'd',
    labelNames: ['op'],
    buckets: BOUNDS,
    registers: [r],
  });
  return { r, h };
};

describe('addBucketCounts', () => {
  it('gives the exposition of one observe per request, in O(buckets)', async () => {
    // Values exact in binary so that both sums are exactly equal.
    const values = [0.0009765625, 0.0009765625, 0.0078125, 0.0625, 0.5, 0.5, 0.5, 2, 4];
    const one = histogram();
    one.h.observe({ op: 'write' }, 0.5);
    for (const v of values) one.h.observe({ op: 'read' }, v);

    const bulk = histogram();
    bulk.h.observe({ op: 'write' }, 0.5);
    const buckets = [...BOUNDS, Infinity].map((le, i) => {
      const lo = i === 0 ? -Infinity : BOUNDS[i - 1]!;
      const inBucket = values.filter((v) => v > lo && v <= le);
      return { count: inBucket.length, seconds: inBucket.reduce((s, v) => s + v, 0) };
    });
    addBucketCounts(bulk.h, { op: 'read' }, buckets);
    expect(await bulk.r.metrics()).toBe(await one.r.metrics());
    // A second fold adds to the same series.
    addBucketCounts(bulk.h, { op: 'read' }, buckets);
    for (const v of values) one.h.observe({ op: 'read' }, v);
    expect(await bulk.r.metrics()).toBe(await one.r.metrics());
  });

  it('does nothing for empty buckets', async () => {
    const { r, h } = histogram();
    addBucketCounts(
      h,
      { op: 'read' },
      [0, 0, 0, 0, 0].map(() => ({ count: 0, seconds: 0 })),
    );
    expect(await r.metrics()).not.toMatch(/op="read"/);
  });
});
