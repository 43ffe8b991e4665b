import { describe, expect, it } from '@jest/globals';
import { getHeapSpaceStatistics } from 'node:v8';
import { memoryReducingGc, startIdleHeapTrim } from '../../../src/sys/idle-heap-trim.js';

const MiB = 1 << 20;

/** A trimmer on seams: the test sets the heap size and the interval's utilization. */
function fake(o: { heap: number; busy: number }) {
  const state = { ...o, gcs: 0 };
  const trim = startIdleHeapTrim({
    intervalMs: 3_600_000,
    gc: () => {
      state.gcs++;
      state.heap = 10 * MiB;
    },
    heapBytes: () => state.heap,
    utilization: () => state.busy,
  });
  return { state, trim };
}

describe('startIdleHeapTrim', () => {
  it('trims once the loop was idle for an interval and the heap grew since the last trim', () => {
    const { state, trim } = fake({ heap: 10 * MiB, busy: 0 });
    state.heap = 20 * MiB;
    expect(trim.tick()).toBe(true);
    expect(state.gcs).toBe(1);
    // Shrunk back: nothing more to give until it grows again.
    expect(trim.tick()).toBe(false);
    expect(trim.trims).toBe(1);
    trim.stop();
  });

  it('never pauses a busy process, however much its heap grew', () => {
    const { state, trim } = fake({ heap: 10 * MiB, busy: 0.5 });
    state.heap = 100 * MiB;
    expect(trim.tick()).toBe(false);
    expect(state.gcs).toBe(0);
    state.busy = 0;
    expect(trim.tick()).toBe(true);
    trim.stop();
  });

  it('leaves an idle heap that grew less than the threshold alone', () => {
    const { state, trim } = fake({ heap: 10 * MiB, busy: 0 });
    state.heap = 12 * MiB;
    expect(trim.tick()).toBe(false);
    trim.trimNow();
    expect(state.gcs).toBe(1);
    trim.stop();
  });
});

describe('memoryReducingGc', () => {
  it("shrinks V8's young generation after an allocation burst grew it", () => {
    const young = (): number =>
      getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.physical_space_size;
    // Survivors make the scavenger grow the semi-space; then they die.
    let keep: unknown[] = [];
    for (let i = 0; i < 400_000; i++) {
      keep.push({ i, s: `x${i}` });
      if (keep.length > 200_000) keep = [];
    }
    keep = [];
    const grown = young();
    memoryReducingGc();
    expect(young()).toBeLessThan(grown);
    expect(young()).toBeLessThanOrEqual(MiB);
  });
});
