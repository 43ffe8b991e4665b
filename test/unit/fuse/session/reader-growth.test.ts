import { describe, expect, it } from '@jest/globals';
import { createReaderGrowth } from '../../../../src/fuse/session/reader-growth.js';
import type { ReaderSample } from '../../../../src/fuse/session/reader-growth.js';

/** A policy on seams: the test sets what each running reader shows. */
function rig(max: number) {
  const shown: ReaderSample[] = [{ requests: 0, inDirect: false, busyUs: 0 }];
  const clock = { ms: 0 };
  const handed = { count: 0 };
  const startedIndexes: number[] = [];
  const growth = createReaderGrowth({
    max,
    tickMs: 3_600_000,
    busyRequests: 100,
    now: () => clock.ms,
    start: (i) => {
      startedIndexes.push(i);
      shown[i] = { requests: 0, inDirect: false, busyUs: 0 };
    },
    sample: (i) => ({ ...shown[i]! }),
    handedOver: () => handed.count,
  });
  return { shown, startedIndexes, growth, handed, clock };
}

describe('createReaderGrowth', () => {
  it('runs one reader while the mount is quiet', () => {
    const { shown, growth, startedIndexes } = rig(2);
    for (let i = 0; i < 10; i++) {
      shown[0]!.requests += 5;
      growth.tick();
    }
    expect(growth.started).toBe(1);
    expect(startedIndexes).toEqual([]);
    growth.stop();
  });

  it('adds a reader per busy tick, up to the most there may be', () => {
    const { shown, growth, startedIndexes } = rig(3);
    shown[0]!.requests += 150;
    growth.tick();
    expect(growth.started).toBe(2);
    // The readers' requests together: 60 + 60 is busy again.
    shown[0]!.requests += 60;
    shown[1]!.requests += 60;
    growth.tick();
    shown[0]!.requests += 1000;
    growth.tick();
    expect(startedIndexes).toEqual([1, 2]);
    expect(growth.started).toBe(3);
  });

  it('adds a reader when an FSYNC was handed to the main thread for want of an idle one', () => {
    const { growth, handed } = rig(3);
    growth.tick();
    expect(growth.started).toBe(1);
    handed.count += 1;
    growth.tick();
    expect(growth.started).toBe(2);
    // No more hand-overs: no more readers.
    growth.tick();
    expect(growth.started).toBe(2);
    growth.stop();
  });

  it('counts across the wrap of a reader counter', () => {
    const { shown, growth } = rig(3);
    shown[0]!.requests = 0x7fff_ffff - 79;
    growth.tick();
    expect(growth.started).toBe(2);
    // Int32Array wraps to negative: from 2^31 - 80 to -2^31 + 70 is 150 requests, busy.
    shown[0]!.requests = -0x8000_0000 + 70;
    growth.tick();
    expect(growth.started).toBe(3);
  });

  it('adds a reader when one has all its slots taken, at once', () => {
    const { growth, startedIndexes } = rig(2);
    growth.saturated();
    expect(startedIndexes).toEqual([1]);
    growth.saturated();
    expect(startedIndexes).toEqual([1]);
  });

  it('adds a reader when one sat in the same READ/WRITE of its own for a whole tick', () => {
    const { shown, growth } = rig(2);
    shown[0] = { requests: 3, inDirect: true, busyUs: 0 };
    growth.tick();
    // 3 requests, in direct I/O: one look is not yet a stall.
    expect(growth.started).toBe(1);
    growth.tick();
    expect(growth.started).toBe(2);
  });

  it('adds a reader when one spent most of a tick serving requests itself (a slow store)', () => {
    const { shown, growth, clock } = rig(3);
    // 250 ms with 120 ms busy (40 requests at 3 ms): under both the rate and the share.
    clock.ms += 250;
    shown[0] = { requests: 40, inDirect: false, busyUs: 120_000 };
    growth.tick();
    expect(growth.started).toBe(1);
    // The next 250 ms with 200 ms busy: 80 %, over the 60 % share, at 67 requests a tick.
    clock.ms += 250;
    shown[0] = { requests: 107, inDirect: false, busyUs: 320_000 };
    growth.tick();
    expect(growth.started).toBe(2);
    growth.stop();
  });

  it('counts busy time across the wrap of its microsecond counter (every ~36 minutes)', () => {
    const { shown, growth, clock } = rig(3);
    clock.ms += 250;
    shown[0] = { requests: 0, inDirect: false, busyUs: 0x7fff_ffff - 99_999 };
    growth.tick();
    expect(growth.started).toBe(2);
    // From 2^31 - 100000 to -2^31 + 100000 is 200 ms busy in 250 ms.
    clock.ms += 250;
    shown[0] = { requests: 0, inDirect: false, busyUs: -0x8000_0000 + 100_000 };
    growth.tick();
    expect(growth.started).toBe(3);
  });

  it('never adds one to a single-reader mount', () => {
    const { shown, growth, startedIndexes } = rig(1);
    shown[0]!.requests += 10_000;
    growth.tick();
    growth.saturated();
    expect(startedIndexes).toEqual([]);
  });
});
