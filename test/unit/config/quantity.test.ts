import { describe, expect, it } from '@jest/globals';
import { parseConfigFile, parseLayerSpec } from '../../../src/config/index.js';
import {
  SIZE_PATTERN,
  isQuantity,
  parseSizeText,
  quantityValue,
} from '../../../src/config/quantity.js';

describe('parseSizeText (every size the configuration takes)', () => {
  it.each([
    ['4096', 4096],
    ['0', 0],
    ['5MB', 5_000_000],
    ['5MiB', 5_242_880],
    ['5KB', 5_000],
    ['5KiB', 5_120],
    ['1.5GB', 1_500_000_000],
    ['1.5GiB', 1_610_612_736],
    ['10Gi', 10 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1.5Gi', 1_610_612_736],
    ['1Ki', 1024],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['5M', 5_000_000],
    ['5k', 5_000],
    ['2G', 2e9],
    ['3T', 3e12],
    ['1P', 1e15],
    ['1.1MB', 1_100_000],
    ['1e9', 1e9],
    ['1E3', 1000],
    ['+7', 7],
    ['.5k', 500],
    ['0.1k', 100],
    ['12B', 12],
    [' 5MB ', 5_000_000],
  ])('%s = %d bytes', (text, bytes) => {
    expect(parseSizeText(text)).toEqual({ ok: true, bytes });
  });

  it.each([
    ['100m', /milli suffix m is not a size/],
    ['1.5', /not a whole number of bytes/],
    ['1.0001Ki', /not a whole number of bytes/],
    ['1Ei', /too large/],
    ['8E', /too large/],
    ['1e400', /too large/],
    ['5XB', /not a size .*Mi/],
    ['5 MB', /not a size/],
    ['-5Mi', /not a size/],
    ['5kB', /not a size/],
    ['', /not a size/],
    ['.', /not a size/],
    ['Mi', /not a size/],
    ['1e-3', /not a size/],
  ])('refuses %s', (text, reason) => {
    const r = parseSizeText(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('agrees with the schema pattern on what is spelled as a size', () => {
    const pattern = new RegExp(SIZE_PATTERN);
    for (const text of ['5MB', '5MiB', '10Gi', '1.5Gi', '1e9', '4096', '5k', '1EiB', '.5k', '+1']) {
      expect([text, pattern.test(text)]).toEqual([text, true]);
    }
    for (const text of ['100m', '5XB', '-1', '5kB', '1e-3', 'Mi']) {
      expect([text, pattern.test(text)]).toEqual([text, false]);
    }
  });
});

describe('Kubernetes quantities (webhook resources)', () => {
  it.each([
    ['100m', 0.1],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['64Mi', 64 * 2 ** 20],
    ['2k', 2000],
    ['1e3', 1000],
    ['1', 1],
  ])('%s = %d', (q, v) => {
    expect(isQuantity(q)).toBe(true);
    expect(quantityValue(q)).toBeCloseTo(v, 6);
  });

  it('refuses what is not a quantity', () => {
    for (const q of ['lots', '5MB', '1.5 Gi', '']) expect(isQuantity(q)).toBe(false);
    expect(() => quantityValue('lots')).toThrow(/not a quantity/);
  });
});

describe('sizes in layer specs and config files', () => {
  it('quota=10Gi and throttle=5Mi take Kubernetes quantities', () => {
    const r = parseLayerSpec('quota=10Gi,throttle=5Mi');
    expect(r.ok && r.value.layers).toEqual([
      { type: 'quota', maxBytes: 10 * 2 ** 30 },
      { type: 'throttle', bytesPerSecond: 5 * 2 ** 20 },
    ]);
  });

  it('quota=100m is refused naming the milli suffix and what is accepted', () => {
    const r = parseLayerSpec('quota=100m');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]?.message).toMatch(/milli suffix/);
    expect(r.errors[0]?.accepted).toContain('10Gi');
  });

  it('a config file takes 512Mi and refuses fractional bytes with the reason', () => {
    const good = parseConfigFile(
      'apiVersion: fs-interposer/v1\nkind: LayerStack\nlayers:\n  - type: quota\n    maxBytes: 512Mi\n',
    );
    expect(good.ok && good.value.layers).toEqual([{ type: 'quota', maxBytes: 512 * 2 ** 20 }]);
    const bad = parseConfigFile(
      'apiVersion: fs-interposer/v1\nkind: LayerStack\nlayers:\n  - type: quota\n    maxBytes: 1.0001Ki\n',
      'c.yaml',
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors).toEqual([
      {
        message: "'1.0001Ki' is not a whole number of bytes",
        position: 'c.yaml:5 /layers/0/maxBytes',
        accepted: ['integer bytes', '5MB', '5MiB', '10Gi', '512M'],
      },
    ]);
  });
});
