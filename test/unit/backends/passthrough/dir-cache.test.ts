import { describe, expect, it } from '@jest/globals';
import { DIR_CACHE_AGE_MS, createDirCache } from '../../../../src/backends/passthrough/dir-cache.js';

/** A cache over fake fd numbers, recording which it closed. */
function cacheOf(max: number, clock = { t: 0 }) {
  const closed: number[] = [];
  const cache = createDirCache({ max, close: (fd) => closed.push(fd), now: () => clock.t });
  let next = 100;
  /** Resolve `key` as confine.ts does: a hit, or a fresh fd handed to the cache. */
  const get = (key: string) => cache.acquire(key) ?? cache.insert(key, next++, cache.generation());
  return { cache, closed, get };
}

describe('directory fd cache', () => {
  it('hands out the same fd for a key until it is dropped, and closes nothing in the meantime', () => {
    const { cache, closed, get } = cacheOf(4);
    const a = get('a');
    a.release();
    const again = get('a');
    expect(again.fd).toBe(a.fd);
    again.release();
    expect(cache.size).toBe(1);
    expect(closed).toEqual([]);
  });

  it('misses on a key it never saw', () => {
    const { cache } = cacheOf(4);
    expect(cache.acquire('a')).toBeUndefined();
  });

  it('evicts the least recently used beyond its bound, and closes an fd in use only at its release', () => {
    const { cache, closed, get } = cacheOf(2);
    const a = get('a');
    const b = get('b');
    b.release();
    // 'a' is still in use and least recent: dropped from the cache but not closed.
    const c = get('c');
    expect(cache.size).toBe(2);
    expect(closed).toEqual([]);
    expect(cache.acquire('a')).toBeUndefined();
    a.release();
    expect(closed).toEqual([a.fd]);
    c.release();
    // A hit makes 'b' the most recent: the next insert evicts 'c', which is unused and closed.
    cache.acquire('b')!.release();
    get('d').release();
    expect(closed).toEqual([a.fd, c.fd]);
    expect(cache.acquire('b')).toBeDefined();
  });

  it('a reference released twice counts once', () => {
    const { cache, closed, get } = cacheOf(4);
    const a = get('a');
    const a2 = get('a');
    a.release();
    a.release();
    cache.clear();
    expect(closed).toEqual([]);
    a2.release();
    expect(closed).toEqual([a.fd]);
  });

  it.each([
    ['a', ['a', 'a/b', 'a/b/c'], ['ab', 'b', 'x/a']],
    ['a/b', ['a/b', 'a/b/c'], ['a', 'a/bc', 'a/b c']],
    // Escaped bytes (ADR 0075): a name whose bytes extend another's is not below it.
    ['d\udc80', ['d\udc80', 'd\udc80/e'], ['d\udc80\udc81', 'd', 'd\udc81']],
  ])('a change of %j drops exactly its subtree', (path, dropped, kept) => {
    const { cache, closed, get } = cacheOf(16);
    for (const k of [...dropped, ...kept]) get(k).release();
    const change = cache.changing([path]);
    change.end();
    for (const k of dropped) expect(cache.acquire(k)).toBeUndefined();
    for (const k of kept) expect(cache.acquire(k)).toBeDefined();
    expect(closed).toHaveLength(dropped.length);
  });

  it('a change drops both ends (rename, exchange) and caches nothing resolved while it runs', () => {
    const { cache, closed, get } = cacheOf(16);
    for (const k of ['x', 'x/1', 'y', 'y/2', 'z']) get(k).release();
    const change = cache.changing(['x', 'y']);
    expect(cache.size).toBe(1);
    // Resolved during the rename: used once, never kept.
    const during = get('x');
    change.end();
    expect(cache.acquire('x')).toBeUndefined();
    during.release();
    expect(closed).toContain(during.fd);
    expect(cache.size).toBe(1);
  });

  it('does not keep what was resolved before a change that has ended since', () => {
    const { cache, closed } = cacheOf(16);
    const generation = cache.generation();
    // The openat2 of 'a' is in flight while 'a' is renamed away and back.
    cache.changing(['a']).end();
    const stale = cache.insert('a', 7, generation);
    expect(cache.size).toBe(0);
    stale.release();
    expect(closed).toEqual([7]);
  });

  it('keeps the first of two concurrent resolutions of one key and closes the other', () => {
    const { cache, closed } = cacheOf(16);
    const g = cache.generation();
    const first = cache.insert('a', 1, g);
    const second = cache.insert('a', 2, g);
    first.release();
    second.release();
    expect(closed).toEqual([2]);
    expect(cache.acquire('a')?.fd).toBe(1);
  });

  it('clear closes every unused fd at once and the rest at release', () => {
    const { cache, closed, get } = cacheOf(16);
    get('a').release();
    const b = get('b');
    cache.clear();
    expect(closed).toEqual([100]);
    b.release();
    expect(closed).toEqual([100, 101]);
    expect(cache.size).toBe(0);
  });

  it('resolves an entry again once it is older than maxAgeMs (a move behind the mount is seen then)', () => {
    const clock = { t: 0 };
    const { cache, closed, get } = cacheOf(4, clock);
    const a = get('a');
    a.release();
    clock.t = DIR_CACHE_AGE_MS;
    const same = get('a');
    expect(same.fd).toBe(a.fd);
    same.release();
    clock.t = DIR_CACHE_AGE_MS + 1;
    expect(cache.acquire('a')).toBeUndefined();
    expect(closed).toEqual([a.fd]);
    const fresh = get('a');
    expect(fresh.fd).not.toBe(a.fd);
    fresh.release();
    expect(cache.size).toBe(1);
  });

  it('keeps nothing resolved after clear(): a resolution in flight at close is closed at its release', () => {
    const { cache, closed } = cacheOf(4);
    const generation = cache.generation();
    cache.clear();
    const late = cache.insert('a/b', 7, generation);
    expect(cache.size).toBe(0);
    late.release();
    expect(closed).toEqual([7]);
  });
});
