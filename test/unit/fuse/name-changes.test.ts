import { describe, expect, it } from '@jest/globals';
import { createNameChanges } from '../../../src/fuse/session/name-changes.js';

describe('name changes', () => {
  it('a mark holds only while no rename or rmdir began or ended since', () => {
    const c = createNameChanges();
    const m = c.mark();
    expect(c.unchangedSince(m)).toBe(true);
    const change = c.begin();
    // Taken while one is in flight: never settled.
    expect(c.mark()).toBeUndefined();
    expect(c.unchangedSince(m)).toBe(false);
    change.end();
    change.end();
    expect(c.unchangedSince(m)).toBe(false);
    const after = c.mark();
    expect(after).toBeDefined();
    expect(c.unchangedSince(after)).toBe(true);
    expect(c.unchangedSince(undefined)).toBe(false);
  });

  it('a change that began and ended inside the window is seen', () => {
    const c = createNameChanges();
    const m = c.mark();
    c.begin().end();
    expect(c.unchangedSince(m)).toBe(false);
  });
});
