import { describe, expect, it } from '@jest/globals';
import { parseFailpoints } from '../../../src/fuse/session/failpoints.js';
import { READER_RESTARTS_PER_MINUTE, createReaderDeaths } from '../../../src/fuse/session/reader-deaths.js';
import { CONTROL_INTS, encodeErrorReply } from '../../../src/fuse/session/reader-control.js';
import type { Logger } from '../../../src/log/logger.js';

describe('reader deaths', () => {
  const logged: string[] = [];
  const logger = { error: (_: unknown, msg: string) => logged.push(msg) } as unknown as Logger;
  /** Control ints of a reader of 8 slots with no request in flight (fd -1: never written). */
  const death = (index: number, ended = false) => ({
    index,
    fd: -1,
    ctrl: new Int32Array(8 + CONTROL_INTS),
    err: new Error('gone'),
    ended,
    logger,
  });

  it('replaces a dying reader at most READER_RESTARTS_PER_MINUTE times a minute, per reader', () => {
    let t = 0;
    const d = createReaderDeaths(() => t);
    for (let i = 1; i <= READER_RESTARTS_PER_MINUTE; i++) expect(d.died(death(0))).toBe(true);
    expect(d.died(death(0))).toBe(false);
    expect(logged.at(-1)).toBe('reader thread crashed: not replaced');
    // Another reader has its own budget.
    expect(d.died(death(1))).toBe(true);
    // A minute after the first deaths, the budget is back; never once the connection ended.
    t = 60_001;
    expect(d.died(death(0))).toBe(true);
    expect(d.died(death(0, true))).toBe(false);
    expect(d.count).toBe(READER_RESTARTS_PER_MINUTE + 4);
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
