import { isUtf8 } from 'node:buffer';
import { FsError } from './errors.js';

/**
 * File names are bytes; the op contract carries them as strings (docs/adr/0075). Bytes that are
 * valid UTF-8 decode as usual, each byte of an invalid sequence becomes the lone surrogate
 * U+DC80 + byte (PEP 383 "surrogateescape"). UTF-8 never encodes a surrogate, so for every byte
 * string b: encodeName(decodeName(b)) equals b, and distinct byte strings give distinct strings.
 * Every boundary to the OS converts with these functions, never with 'utf8'.
 */

const ESC_LO = 0xdc80;
const ESC_HI = 0xdcff;

/** Sequence length by lead byte: 0 for bytes that start none (continuations, C0, C1, F5-FF). */
const lengthOf = (c: number): number =>
  c < 0x80 ? 1 : c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;

/**
 * Lead bytes whose second byte is restricted: E0 and F0 exclude overlong forms, ED excludes
 * encoded surrogates (CESU-8), F4 excludes code points above U+10FFFF.
 */
const SECOND: Readonly<Record<number, readonly [number, number]>> = {
  0xe0: [0xa0, 0xbf],
  0xed: [0x80, 0x9f],
  0xf0: [0x90, 0xbf],
  0xf4: [0x80, 0x8f],
};

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function validSequence(b: Uint8Array, i: number, end: number): number {
  const len = lengthOf(b[i]!);
  if (len <= 1) return len;
  if (i + len > end) return 0;
  const [lo, hi] = SECOND[b[i]!] ?? [0x80, 0xbf];
  if (b[i + 1]! < lo || b[i + 1]! > hi) return 0;
  for (let k = 2; k < len; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  return len;
}

/** The name for bytes `start..end` of `bytes`: valid UTF-8 as is, each other byte escaped. */
export function decodeName(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const whole = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Most names are ASCII: one scan in JS is cheaper than asking whether they are valid UTF-8.
  let k = start;
  while (k < end && whole[k]! < 0x80) k++;
  if (k === end) return whole.toString('latin1', start, end);
  const buf = whole.subarray(start, end);
  if (isUtf8(buf)) return buf.toString('utf8');
  let out = '';
  let run = 0; // start of the pending run of valid bytes
  for (let i = 0; i < buf.length;) {
    const n = validSequence(buf, i, buf.length);
    if (n > 0) {
      i += n;
      continue;
    }
    out += buf.toString('utf8', run, i) + String.fromCharCode(ESC_LO - 0x80 + buf[i]!);
    run = ++i;
  }
  return out + buf.toString('utf8', run);
}

/** Characters of `name` that are not well-formed UTF-16: exactly the escaped bytes, if canonical. */
const hasLoneSurrogate = (name: string): boolean => !name.isWellFormed();

/**
 * The bytes of `name`. A string that no byte string decodes to (a lone surrogate outside
 * U+DC80-U+DCFF, or escapes of bytes that together form valid UTF-8) has no bytes of its own:
 * it would alias another name, so it is refused with EILSEQ.
 */
export function encodeName(name: string): Buffer {
  if (!hasLoneSurrogate(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < name.length; i++) {
    const kind = unitAt(name, i);
    if (kind === 'pair') i++;
    if (kind !== 'escape') continue;
    parts.push(
      Buffer.from(name.slice(run, i), 'utf8'),
      Buffer.of(name.charCodeAt(i) - ESC_LO + 0x80),
    );
    run = i + 1;
  }
  parts.push(Buffer.from(name.slice(run), 'utf8'));
  const bytes = Buffer.concat(parts);
  if (decodeName(bytes) !== name) throw notRepresentable(name);
  return bytes;
}

/** What the UTF-16 unit at `i` is: a plain character, the start of a pair, an escape, or neither. */
function unitAt(name: string, i: number): 'plain' | 'pair' | 'escape' {
  const c = name.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return 'plain';
  if (c < 0xdc00 && (name.charCodeAt(i + 1) & 0xfc00) === 0xdc00) return 'pair';
  if (c >= ESC_LO && c <= ESC_HI) return 'escape';
  throw notRepresentable(name);
}

function notRepresentable(name: string): FsError {
  return new FsError('EILSEQ', `name ${displayName(name)} is no byte string (docs/adr/0075)`);
}

/** encodeName plus a NUL terminator: a `const char *` for native calls. */
export function encodeNameZ(name: string): Buffer {
  const bytes = encodeName(name);
  const z = Buffer.allocUnsafe(bytes.length + 1);
  bytes.copy(z);
  z[bytes.length] = 0;
  return z;
}

/** Length in bytes on the filesystem (what NAME_MAX and PATH_MAX limit). */
export function nameByteLength(name: string): number {
  return hasLoneSurrogate(name) ? encodeName(name).length : Buffer.byteLength(name, 'utf8');
}

/** True when `name` is valid UTF-8 as bytes: no escapes, printable as it is in any text format. */
export const isTextName = (name: string): boolean => !hasLoneSurrogate(name);

/**
 * For people and text formats (logs, record, spans, report), which are UTF-8 and would turn a
 * lone surrogate into U+FFFD: each escaped byte shows as `\xNN`. Names that are valid UTF-8 are
 * returned unchanged. Not reversible on its own (a name may contain the text `\x80`): formats
 * that must reproduce the name keep its bytes too (the record's `pathBytes`).
 */
export function displayName(name: string): string {
  if (!hasLoneSurrogate(name)) return name;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const pair = c >= 0xd800 && c < 0xdc00 && (name.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      out += name.slice(i, i + 2);
      i++;
    } else if (c >= ESC_LO && c <= ESC_HI) out += `\\x${(c - ESC_LO + 0x80).toString(16)}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16)}`;
    else out += name[i];
  }
  return out;
}
