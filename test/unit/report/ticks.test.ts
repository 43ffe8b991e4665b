import { describe, expect, it } from '@jest/globals';
import { scatterChart } from '../../../src/report/svg.js';
import { bytesAxis, countAxis, decimalsFor, niceStep, niceTicks, offsetAxis } from '../../../src/report/ticks.js';
import type { Axis } from '../../../src/report/ticks.js';

const labels = (a: Axis): string[] => a.ticks.map(a.label);

describe('niceTicks', () => {
  it.each([
    [0, 10, 2], [0, 1, 0.2], [0, 0.37, 0.1], [0, 97, 20], [3, 4, 0.2], [0, 1e6, 2e5], [0, 730, 200],
  ])('%p..%p steps by %p (1, 2 or 5 times a power of ten)', (lo, hi, step) => {
    expect(niceStep(lo, hi)).toBeCloseTo(step, 12);
  });

  it('widens the domain to whole steps and writes multiples exactly', () => {
    expect(niceTicks(0.13, 0.91)).toEqual({ domain: [0, 1], step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceTicks(0.1, 0.3).ticks).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
  });

  it('gives a single value a step on each side, and accepts reversed ends', () => {
    expect(niceTicks(5, 5).domain).toEqual([4, 6]);
    expect(niceTicks(10, 0).domain).toEqual([0, 10]);
  });

  it('decimals tell every tick apart', () => {
    expect([decimalsFor(5), decimalsFor(1), decimalsFor(0.2), decimalsFor(0.1), decimalsFor(0.05)]).toEqual([0, 0, 1, 1, 2]);
  });
});

describe('axes in the report units', () => {
  it('a run shorter than a second reads in milliseconds, not "0 s 0 s 0 s"', () => {
    expect(labels(offsetAxis(0, 380))).toEqual(['0 ms', '100 ms', '200 ms', '300 ms', '400 ms']);
  });

  it('a few seconds read in seconds with the decimals the step needs', () => {
    expect(labels(offsetAxis(0, 2600))).toEqual(['0.0 s', '0.5 s', '1.0 s', '1.5 s', '2.0 s', '2.5 s', '3.0 s']);
    expect(labels(offsetAxis(0, 95_000))).toEqual(['0 s', '20 s', '40 s', '60 s', '80 s', '100 s']);
  });

  it('byte offsets under a KiB are whole bytes, not "0 B 0 B 1 B"', () => {
    expect(labels(bytesAxis(0, 1))).toEqual(['0 B', '1 B']);
    expect(labels(bytesAxis(0, 3))).toEqual(['0 B', '1 B', '2 B', '3 B']);
    expect(labels(bytesAxis(0, 0))).toEqual(['0 B', '1 B']);
    expect(labels(bytesAxis(0, 600))).toEqual(['0 B', '200 B', '400 B', '600 B']);
  });

  it('larger offsets use binary units with round steps in that unit', () => {
    expect(labels(bytesAxis(0, 100 * 2 ** 20))).toEqual(['0 MiB', '20 MiB', '40 MiB', '60 MiB', '80 MiB', '100 MiB']);
    expect(labels(bytesAxis(0, 1.5 * 2 ** 20))).toEqual(['0.0 MiB', '0.5 MiB', '1.0 MiB', '1.5 MiB']);
    expect(bytesAxis(0, 1.5 * 2 ** 20).ticks[1]).toBe(2 ** 19);
    expect(labels(bytesAxis(4096, 12_288))).toEqual(['4 KiB', '6 KiB', '8 KiB', '10 KiB', '12 KiB']);
  });

  it('counts', () => {
    expect(labels(countAxis(0, 7))).toEqual(['0', '2', '4', '6', '8']);
  });
});

describe('scatterChart ticks', () => {
  it('labels a short run with distinct ticks on both axes', () => {
    const svg = scatterChart({
      series: [{ name: 'read', color: '#000', points: [{ x: 0, y: 0 }, { x: 120, y: 1 }, { x: 250, y: 1 }] }],
      xAxis: offsetAxis,
      yAxis: bytesAxis,
    });
    const ticks = [...svg.matchAll(/class="tick">([^<]*)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['0 ms', '50 ms', '100 ms', '150 ms', '200 ms', '250 ms', '0 B', '1 B']);
    expect(new Set(ticks).size).toBe(ticks.length);
  });

  it('labels categories by name', () => {
    const svg = scatterChart({
      series: [{ name: 'real', color: '#000', points: [{ x: 0, y: 1 }] }],
      xAxis: offsetAxis,
      yCategories: ['EIO', 'ENOSPC'],
    });
    expect(svg).toContain('>EIO<');
    expect(svg).toContain('>ENOSPC<');
  });
});
