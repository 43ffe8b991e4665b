import { describe, expect, it } from '@jest/globals';
import { negotiate } from '../../../src/fuse/mount/init.js';
import { InitRecordError, negotiatedInitFrom } from '../../../src/fuse/mount/init-record.js';

describe('negotiated INIT handed over as JSON', () => {
  const init = negotiate(
    { major: 7, minor: 45, maxReadahead: 131072, flags: 0x73fffffbn },
    { writebackCache: true },
  );
  const record = JSON.parse(JSON.stringify(init)) as Record<string, unknown>;

  it('comes back as the INIT the driver negotiated', () => {
    expect(negotiatedInitFrom(record)).toEqual(init);
  });

  it.each([
    ['maxWrite', undefined, 'maxWrite must be an integer >= 0'],
    ['maxPages', '256', 'maxPages must be an integer >= 0'],
    ['flags', 255, 'flags must be a hex string'],
    ['flags', '0xff', 'flags must be a hex string'],
    ['passthrough', 'false', 'passthrough must be true or false'],
  ])('refuses %s = %p, naming the field', (field, value, message) => {
    const bad = { ...record, [field]: value };
    expect(() => negotiatedInitFrom(bad)).toThrow(InitRecordError);
    expect(() => negotiatedInitFrom(bad)).toThrow(message);
  });
});
