import { describe, expect, it } from '@jest/globals';
import { pathSteps, splitPath } from '../../../../src/backends/passthrough/path-steps.js';
import { applyLock } from '../../../../src/backends/passthrough/lock-ranges.js';
import { readProcessUmask } from '../../../../src/backends/passthrough/ownership.js';
import { parseDirents } from '../../../../src/sys/getdents.js';
import type { RawDirEntry } from '../../../../src/sys/getdents.js';
import { timespecPair } from '../../../../src/sys/at-calls.js';
import { UTIME_NOW, UTIME_OMIT } from '../../../../src/sys/constants.js';

describe('splitPath', () => {
  it.each([
    ['/', []],
    ['/a', ['a']],
    ['/a/b c/d', ['a', 'b c', 'd']],
    ['/...', ['...']],
  ])('%s -> %j', (path, parts) => {
    expect(splitPath(path)).toEqual(parts);
  });

  it.each([['a'], [''], ['//'], ['/a/'], ['/a//b'], ['/.'], ['/..'], ['/a/../b'], ['/a\0b']])(
    'refuses %j with EINVAL',
    (path) => {
      expect(() => splitPath(path)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    },
  );

  it('refuses components over 255 bytes with ENAMETOOLONG', () => {
    expect(() => splitPath(`/${'x'.repeat(256)}`)).toThrow(
      expect.objectContaining({ code: 'ENAMETOOLONG' }),
    );
    expect(splitPath(`/${'x'.repeat(255)}`)).toHaveLength(1);
  });
});

describe('pathSteps (openat2 takes at most 4095 bytes of path)', () => {
  const parts = (n: number, len: number): string[] =>
    Array.from({ length: n }, () => 'x'.repeat(len));
  it.each([
    ['one short path', parts(3, 10), [3]],
    ['exactly 4095 bytes', parts(16, 255), [16]],
    ['two bytes more', [...parts(16, 255), 'x'], [16, 1]],
    ['21 components of 200 bytes', parts(21, 200), [20, 1]],
    ['nothing', [], []],
  ])('%s', (_name, input, counts) => {
    const steps = pathSteps(input);
    expect(steps.map((s) => s.split('/').length)).toEqual(counts);
    expect(steps.join('/')).toBe(input.join('/'));
    for (const s of steps) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(4095);
  });
});

describe('applyLock (the owner-range mirror used for getlk pids)', () => {
  const W = 1;
  const U = 2;
  const l = (type: number, start: number, end: number) => ({ type, start, end, pid: 7 });
  it.each([
    ['adds a range', [], l(W, 0, 9), [l(W, 0, 9)]],
    ['unlock splits a range', [l(W, 0, 9)], l(U, 3, 5), [l(W, 0, 2), l(W, 6, 9)]],
    ['unlock of all removes it', [l(W, 0, 9)], l(U, 0, 100), []],
    ['a new type replaces the overlap', [l(W, 0, 9)], l(0, 5, 20), [l(W, 0, 4), l(0, 5, 20)]],
    ['disjoint ranges stay', [l(W, 0, 1)], l(W, 5, 6), [l(W, 0, 1), l(W, 5, 6)]],
  ])('%s', (_name, held, lock, expected) => {
    expect(applyLock(held, lock)).toEqual(expected);
  });
});

describe('parseDirents', () => {
  const record = (ino: bigint, type: number, name: Buffer): Buffer => {
    const reclen = Math.ceil((19 + name.length + 1) / 8) * 8;
    const buf = Buffer.alloc(reclen);
    buf.writeBigUInt64LE(ino, 0);
    buf.writeUInt16LE(reclen, 16);
    buf.writeUInt8(type, 18);
    name.copy(buf, 19);
    return buf;
  };

  it('skips . and .., keeps 64-bit inode numbers and types', () => {
    const buf = Buffer.concat([
      record(2n, 4, Buffer.from('.')),
      record(1n, 4, Buffer.from('..')),
      record(2n ** 63n + 5n, 8, Buffer.from('file')),
      record(9n, 10, Buffer.from('link')),
    ]);
    const out: RawDirEntry[] = [];
    parseDirents(buf, buf.length, out);
    expect(out).toEqual([
      { name: 'file', ino: 2n ** 63n + 5n, dtype: 8 },
      { name: 'link', ino: 9n, dtype: 10 },
    ]);
  });

  it('decodes a non-UTF-8 name losslessly, each invalid byte escaped (docs/adr/0075)', () => {
    const buf = record(3n, 8, Buffer.from([0x66, 0xff, 0x6f]));
    const out: RawDirEntry[] = [];
    parseDirents(buf, buf.length, out);
    expect(out[0]?.name).toBe('f\udcffo');
  });
});

describe('timespecPair', () => {
  it('encodes nanoseconds, times before the epoch, UTIME_NOW and UTIME_OMIT', () => {
    const buf = timespecPair(-1_500_000_000n, 'now');
    expect([buf.readBigInt64LE(0), buf.readBigInt64LE(8)]).toEqual([-2n, 500_000_000n]);
    expect(buf.readBigInt64LE(24)).toBe(UTIME_NOW);
    const omit = timespecPair(undefined, 1_700_000_000_123_456_789n);
    expect(omit.readBigInt64LE(8)).toBe(UTIME_OMIT);
    expect([omit.readBigInt64LE(16), omit.readBigInt64LE(24)]).toEqual([
      1_700_000_000n,
      123_456_789n,
    ]);
  });
});

describe('readProcessUmask', () => {
  it.each([
    ['Name:\tnode\nUmask:\t0027\nState:\tR\n', 0o027],
    ['Umask:\t0000\n', 0],
    ['no umask line', 0o022],
  ])('%j -> %o', (text, umask) => {
    expect(readProcessUmask(text)).toBe(umask);
  });
});
