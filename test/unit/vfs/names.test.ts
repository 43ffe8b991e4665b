import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mulberry32 } from '../../helpers/prng.js';
import { FsError } from '../../../src/vfs/errors.js';
import {
  decodeName,
  displayName,
  encodeName,
  encodeNameZ,
  isTextName,
  nameByteLength,
} from '../../../src/vfs/names.js';

const bytes = (...b: number[]): Buffer => Buffer.from(b);
const esc = (b: number): string => String.fromCharCode(0xdc00 + b);
const roundTrip = (b: Buffer): Buffer => encodeName(decodeName(b));

function randomBytes(next: () => number, n: number, bias: boolean): Buffer {
  // Biased strings favour lead and continuation bytes, so that valid, truncated and overlong
  // sequences all occur often, not only isolated high bytes.
  const pool = [
    0x41, 0x80, 0x8f, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
  ];
  return Buffer.from(
    Array.from({ length: n }, () =>
      bias ? pool[Math.floor(next() * pool.length)]! : Math.floor(next() * 256),
    ),
  );
}

describe('decodeName / encodeName (surrogate escape, ADR 0075)', () => {
  it('round-trips every byte 1-255 inside a name, and escapes exactly the invalid ones', () => {
    for (let b = 1; b < 256; b++) {
      const name = bytes(0x61, b, 0x7a);
      const s = decodeName(name);
      expect(roundTrip(name)).toEqual(name);
      expect(s).toBe(b < 0x80 ? `a${String.fromCharCode(b)}z` : `a${esc(b)}z`);
      expect(nameByteLength(s)).toBe(3);
    }
  });

  it('gives 128 distinct names for the 128 high bytes (no aliasing)', () => {
    const seen = new Set<string>();
    for (let b = 0x80; b < 256; b++) seen.add(decodeName(bytes(0x79, b)));
    expect(seen.size).toBe(128);
  });

  it.each([
    ['ASCII', 'plain-name.txt'],
    ['two-byte', 'café'],
    ['three-byte', '日本語'],
    ['four-byte (surrogate pair in UTF-16)', 'a😀b'],
    ['U+FFFD itself', 'x\uFFFDy'],
    ['the highest code point', '\u{10FFFF}'],
    ['a literal backslash-x text', 'y\\x80'],
  ])('leaves valid UTF-8 unchanged: %s', (_what, text) => {
    const b = Buffer.from(text, 'utf8');
    expect(decodeName(b)).toBe(text);
    expect(encodeName(text)).toEqual(b);
    expect(isTextName(text)).toBe(true);
    expect(displayName(text)).toBe(text);
  });

  it.each([
    ['overlong NUL (C0 80)', [0xc0, 0x80]],
    ['overlong slash (C1 AF)', [0xc1, 0xaf]],
    ['overlong three-byte (E0 80 AF)', [0xe0, 0x80, 0xaf]],
    ['overlong four-byte (F0 80 80 AF)', [0xf0, 0x80, 0x80, 0xaf]],
    ['an encoded surrogate (ED B2 80)', [0xed, 0xb2, 0x80]],
    ['CESU-8 of U+1F600 (ED A0 BD ED B8 80)', [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
    ['above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['lead bytes F5-FF', [0xf5, 0xf8, 0xfc, 0xfe, 0xff]],
    ['lone continuation bytes', [0x80, 0xbf]],
  ])('escapes every byte of an invalid sequence: %s', (_what, seq) => {
    const b = Buffer.from(seq);
    expect(decodeName(b)).toBe(seq.map(esc).join(''));
    expect(roundTrip(b)).toEqual(b);
  });

  it('escapes a truncated sequence per byte and keeps the valid text around it', () => {
    // "€" is E2 82 AC: cut after two bytes, then a valid "é".
    const b = bytes(0x41, 0xe2, 0x82, 0xc3, 0xa9, 0xe2, 0x82);
    expect(decodeName(b)).toBe(`A${esc(0xe2)}${esc(0x82)}é${esc(0xe2)}${esc(0x82)}`);
    expect(roundTrip(b)).toEqual(b);
  });

  it('round-trips 20 000 random byte strings, and distinct bytes give distinct names', () => {
    const next = mulberry32(75);
    const names = new Map<string, string>();
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const b = randomBytes(next, 1 + Math.floor(next() * 24), i % 2 === 0);
      const s = decodeName(b);
      const hex = b.toString('hex');
      if (!roundTrip(b).equals(b)) wrong.push(`${hex}: no round trip`);
      if (nameByteLength(s) !== b.length) wrong.push(`${hex}: length ${nameByteLength(s)}`);
      const before = names.get(s);
      if (before !== undefined && before !== hex) wrong.push(`${hex} aliases ${before}`);
      names.set(s, hex);
    }
    expect(wrong).toEqual([]);
  });

  it('decodes a slice of a larger buffer (the FUSE frame) without copying its neighbours', () => {
    const frame = bytes(0xff, 0x62, 0xfe, 0x00, 0xfd);
    expect(decodeName(frame, 1, 3)).toBe(`b${esc(0xfe)}`);
    expect(decodeName(new Uint8Array(frame), 4, 5)).toBe(esc(0xfd));
    expect(decodeName(frame, 1, 2)).toBe('b');
    expect(decodeName(new Uint8Array(Buffer.from('xé/ok')), 3, 6)).toBe('/ok');
  });

  it('counts 255-byte names in bytes, escaped or not', () => {
    const invalid = Buffer.alloc(255, 0xff);
    const s = decodeName(invalid);
    expect(s.length).toBe(255);
    expect(nameByteLength(s)).toBe(255);
    expect(encodeName(s)).toEqual(invalid);
    const mixed = Buffer.concat([Buffer.from('é'.repeat(100)), Buffer.alloc(55, 0x80)]);
    expect(nameByteLength(decodeName(mixed))).toBe(255);
    expect(nameByteLength('é'.repeat(128))).toBe(256);
  });

  it.each([
    ['a lone high surrogate', 'a\ud800'],
    ['a lone surrogate below the escape range', '\udc41'],
    ['escapes whose bytes form valid UTF-8 (C3 A9 is "é")', `${esc(0xc3)}${esc(0xa9)}`],
    ['escapes of a valid three-byte sequence', `${esc(0xe2)}${esc(0x82)}${esc(0xac)}`],
  ])('refuses a string no byte string decodes to with EILSEQ: %s', (_what, s) => {
    expect(() => encodeName(s)).toThrow(FsError);
    try {
      encodeName(s);
    } catch (err) {
      expect((err as FsError).code).toBe('EILSEQ');
    }
  });

  it('encodeNameZ adds one NUL for native calls', () => {
    expect(encodeNameZ(`b${esc(0xfe)}`)).toEqual(bytes(0x62, 0xfe, 0));
    expect(encodeNameZ('')).toEqual(bytes(0));
  });

  it('displayName shows each escaped byte as \\xNN and keeps the rest', () => {
    expect(displayName(decodeName(bytes(0x79, 0x80)))).toBe('y\\x80');
    expect(displayName(decodeName(Buffer.from([0x2f, 0x64, 0xff, 0x2f, 0xc3, 0xa9, 0xfe])))).toBe(
      '/d\\xff/é\\xfe',
    );
    expect(displayName('😀\ud800')).toBe('😀\\ud800');
    expect(isTextName(decodeName(bytes(0x79, 0x80)))).toBe(false);
  });
});

const python = spawnSync('python3', ['-c', 'pass']).status === 0;

describe('agrees with Python (PEP 383 surrogateescape, the reference)', () => {
  (python ? it : it.skip)('decodes 2 000 random byte strings exactly as Python does', () => {
    const next = mulberry32(383);
    const inputs = Array.from({ length: 2_000 }, (_v, i) =>
      randomBytes(next, 1 + Math.floor(next() * 16), i % 2 === 0),
    );
    const script =
      'import sys, json\n' +
      'for line in sys.stdin:\n' +
      '    b = bytes.fromhex(line.strip())\n' +
      '    print(json.dumps(b.decode("utf-8", "surrogateescape")))\n';
    const out = spawnSync('python3', ['-c', script], {
      input: inputs.map((b) => b.toString('hex')).join('\n'),
      encoding: 'utf8',
    });
    expect(out.status).toBe(0);
    const expected = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string);
    expect(inputs.map((b) => decodeName(b))).toEqual(expected);
  });
});
