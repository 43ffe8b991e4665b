import { describe, expect, it } from '@jest/globals';
import { LATENCY_BUCKETS_SECONDS } from '../../../src/telemetry/fs-metrics.js';
import {
  createReaderTap,
  TAP_BUCKETS_SECONDS,
  takeTap,
  tapServed,
} from '../../../src/vfs/reader-tap.js';

describe('reader tap', () => {
  it('uses the metrics histogram buckets', () => {
    expect(TAP_BUCKETS_SECONDS).toEqual(LATENCY_BUCKETS_SECONDS);
  });

  it('puts each request in its latency bucket (upper bounds inclusive) and takes each once', () => {
    const tap = new BigInt64Array(createReaderTap());
    tapServed(tap, 0, 4096, 10_000n); // exactly 10 µs: the first bucket
    tapServed(tap, 0, 4096, 10_001n); // just above: the second
    tapServed(tap, 1, 100, 20_000_000_000n); // 20 s: beyond the last bound
    const read = takeTap(tap, 'read');
    expect(read.count).toBe(2);
    expect(read.bytes).toBe(8192);
    expect(read.buckets[0]).toEqual({ count: 1, seconds: 0.00001 });
    expect(read.buckets[1]).toEqual({ count: 1, seconds: 0.000010001 });
    const write = takeTap(tap, 'write');
    expect(write.count).toBe(1);
    expect(write.buckets.at(-1)).toEqual({ count: 1, seconds: 20 });
    // Taken: a second consumer (the next metrics layer after a swap) sees nothing twice.
    expect(takeTap(tap, 'read')).toMatchObject({ count: 0, bytes: 0 });
    expect(takeTap(tap, 'write')).toMatchObject({ count: 0, bytes: 0 });
  });
});
