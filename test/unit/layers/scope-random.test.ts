import { describe, expect, it } from '@jest/globals';
import { createRandom, shuffleInPlace } from '../../../src/layers/stack/random.js';
import { createScope } from '../../../src/layers/stack/scope.js';
import { mkCall } from './fs-helpers.js';

const call = (path: string, uid = 1000, op: 'read' | 'getattr' = 'getattr') =>
  op === 'read'
    ? mkCall(
        'read',
        { path, fh: 1, buffer: Buffer.alloc(1), offset: 0, flags: 0 },
        { caller: { pid: 7, uid, gid: 100 } },
      )
    : mkCall('getattr', { path }, { caller: { pid: 7, uid, gid: 100 } });

describe('scope filter', () => {
  it('matches everything without a config', () => {
    const s = createScope(undefined);
    expect(s.all).toBe(true);
    expect(s.matches(call('/x'))).toBe(true);
  });

  it.each([
    [{ paths: ['/db/**'] }, call('/db/a/b'), true],
    [{ paths: ['/db/**'] }, call('/logs/a'), false],
    [{ paths: ['**/*.log'] }, call('/a/.hidden.log'), true],
    [{ paths: ['/db/**'], excludePaths: ['/db/tmp/**'] }, call('/db/tmp/x'), false],
    [{ ops: ['@data'] }, call('/a', 1000, 'read'), true],
    [{ ops: ['@data'] }, call('/a'), false],
    [{ uids: [0] }, call('/a'), false],
    [{ uids: [1000], gids: [100], pids: [7] }, call('/a'), true],
  ])('%j on %p -> %p', (cfg, c, expected) => {
    expect(createScope(cfg).matches(c)).toBe(expected);
  });

  it('percent samples about that share', () => {
    const s = createScope({ percent: 25 });
    const r = createRandom(3);
    const hits = Array.from({ length: 10000 }, () => s.sample(r)).filter(Boolean).length;
    expect(hits).toBeGreaterThan(2300);
    expect(hits).toBeLessThan(2700);
  });
});

describe('seeded random', () => {
  it('is deterministic per seed and differs across seeds and forks', () => {
    const seq = (seed: number) =>
      Array.from(
        { length: 5 },
        (() => {
          const r = createRandom(seed);
          return () => r.u32();
        })(),
      );
    expect(seq(1)).toEqual(seq(1));
    expect(seq(1)).not.toEqual(seq(2));
    expect(createRandom(1).fork('a').u32()).not.toBe(createRandom(1).fork('b').u32());
    expect(createRandom(1).fork('a').u32()).toBe(createRandom(1).fork('a').u32());
  });

  it('is roughly uniform', () => {
    const r = createRandom(42);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100000; i++) buckets[r.int(10)]!++;
    for (const b of buckets) expect(Math.abs(b - 10000)).toBeLessThan(400);
  });

  it('shuffles every permutation of 3 items', () => {
    const r = createRandom(5);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(shuffleInPlace([1, 2, 3], r).join(''));
    expect(seen.size).toBe(6);
  });
});
