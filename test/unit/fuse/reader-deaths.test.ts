import { describe, expect, it } from '@jest/globals';
import { parseFailpoints } from '../../../src/fuse/session/failpoints.js';
import { READER_RESTARTS_PER_MINUTE, createReaderDeaths } from '../../../src/fuse/session/reader-deaths.js';
import { encodeErrorReply } from '../../../src/fuse/session/reader-control.js';

describe('reader deaths', () => {
  it('replaces a dying reader at most READER_RESTARTS_PER_MINUTE times a minute, per reader', () => {
    let t = 0;
    const d = createReaderDeaths(() => t);
    for (let i = 1; i <= READER_RESTARTS_PER_MINUTE; i++) expect(d.died(0).restart).toBe(true);
    expect(d.died(0)).toEqual({ restart: false, lastMinute: READER_RESTARTS_PER_MINUTE + 1 });
    // Another reader has its own budget.
    expect(d.died(1).restart).toBe(true);
    // A minute after the first deaths, the budget is back.
    t = 60_001;
    expect(d.died(0)).toEqual({ restart: true, lastMinute: 1 });
    expect(d.count).toBe(READER_RESTARTS_PER_MINUTE + 3);
  });

  it('encodes a 16-byte error reply for the unique ID of the request', () => {
    const buf = Buffer.alloc(16, 0xff);
    expect(encodeErrorReply(buf, 0x89abcdef | 0, 7, 5)).toBe(16);
    expect(buf.readUInt32LE(0)).toBe(16);
    expect(buf.readInt32LE(4)).toBe(-5);
    expect(buf.readBigUInt64LE(8)).toBe((7n << 32n) | 0x89abcdefn);
  });
});

describe('failpoints', () => {
  it('are off unless set', () => {
    expect(parseFailpoints(undefined)).toEqual({ crashAt: 0, serveThrowAt: 0 });
    expect(parseFailpoints(' ')).toEqual({ crashAt: 0, serveThrowAt: 0 });
  });

  it('parse every accepted name', () => {
    expect(parseFailpoints('reader-crash=3, reader-serve-throw=9')).toEqual({ crashAt: 3, serveThrowAt: 9 });
  });

  it('refuse a malformed variable whole, naming every bad item and what is accepted', () => {
    expect(() => parseFailpoints('reader-crash=0,oops,reader-serve-throw=2')).toThrow(
      /cannot use "reader-crash=0", "oops"; accepted: reader-crash=N, reader-serve-throw=N/,
    );
  });
});
