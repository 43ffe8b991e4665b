import { describe, expect, it } from '@jest/globals';
import { createTokenBucket } from '../../../src/layers/throttle/token-bucket.js';
import {
  GATE_EAGAIN,
  GATE_HANDOFF,
  GATE_SERVE,
  gateEnter,
  gateUndo,
  layerBucket,
  setGate,
} from '../../../src/vfs/reader-gate.js';
import { createReaderTap, readerGateOf } from '../../../src/vfs/reader-tap.js';

const throttle = (o: { bytes?: number; burst?: number; ops?: number; fail?: boolean }) => ({
  ...(o.bytes !== undefined && { bytesPerSecond: o.bytes }),
  ...(o.burst !== undefined && { burstBytes: o.burst }),
  ...(o.ops !== undefined && { opsPerSecond: o.ops, burstOps: 1 }),
  fail: o.fail === true,
  read: true,
  write: false,
});

describe('reader gate (shared token bucket)', () => {
  it('does the arithmetic of the main-thread token bucket, reserve for reserve', () => {
    const g = readerGateOf(createReaderTap());
    setGate(g, { throttle: throttle({ bytes: 1000, burst: 500 }) });
    const shared = layerBucket(g, 'bytes', 1000, 500);
    // Epoch milliseconds, as the system clock gives them: a new gate is a full bucket.
    const T0 = 1.8e12;
    const local = createTokenBucket(1000, 500, T0);
    for (const [n, t] of [
      [300, 1],
      [300, 2],
      [100, 50],
      [1000, 60],
      [10, 2000],
    ] as const) {
      expect(shared.reserve(n, T0 + t)).toBeCloseTo(local.reserve(n, T0 + t), 6);
    }
    shared.refund(200);
    local.refund(200);
    expect(shared.tryTake(150, T0 + 2000)).toBe(local.tryTake(150, T0 + 2000));
    expect(shared.full(T0 + 1e6)).toBe(true);
  });

  it('serves within the burst, hands long waits to the main thread with the tokens given back', () => {
    const g = readerGateOf(createReaderTap());
    setGate(g, { throttle: throttle({ bytes: 1000, burst: 1000 }) });
    expect(gateEnter(g, false, 1000)).toBe(GATE_SERVE);
    // The bucket is empty: 1000 more bytes would wait a second, longer than a reader sleeps.
    expect(gateEnter(g, false, 1000)).toBe(GATE_HANDOFF);
    // Writes are not in this throttle's scope.
    expect(gateEnter(g, true, 1_000_000)).toBe(GATE_SERVE);
    gateUndo(g, false, 1000, false);
    expect(gateEnter(g, false, 900)).toBe(GATE_SERVE);
  });

  it('answers EAGAIN in mode fail and nothing once cleared', () => {
    const g = readerGateOf(createReaderTap());
    setGate(g, { throttle: throttle({ ops: 0.001, fail: true }) });
    expect(gateEnter(g, false, 10)).toBe(GATE_SERVE);
    expect(gateEnter(g, false, 10)).toBe(GATE_EAGAIN);
    setGate(g, undefined);
    expect(gateEnter(g, false, 10)).toBe(GATE_SERVE);
  });
});
