import { describe, expect, it } from '@jest/globals';
import { memoizeLayerSpecParser } from '../../../src/webhook/layer-spec-cache.js';
import type { LayerSpecResult } from '../../../src/webhook/pod-types.js';

describe('memoizeLayerSpecParser', () => {
  it('parses each spec once and evicts the oldest beyond its bound', () => {
    const calls: string[] = [];
    const parse = memoizeLayerSpecParser((spec): LayerSpecResult => {
      calls.push(spec);
      return spec === 'bad' ? { ok: false, errors: [{ message: 'no' }] } : { ok: true, value: spec };
    }, 2);
    expect(parse('a')).toEqual({ ok: true, value: 'a' });
    expect(parse('a')).toBe(parse('a'));
    expect(parse('bad').ok).toBe(false);
    expect(calls).toEqual(['a', 'bad']);
    parse('c'); // evicts 'a'
    parse('bad');
    parse('a');
    expect(calls).toEqual(['a', 'bad', 'c', 'a']);
  });
});
