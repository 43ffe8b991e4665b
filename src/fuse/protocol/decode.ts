import { decodeName, displayName } from '../../vfs/names.js';
import { FUSE_UNIQUE_RESEND_HI } from './constants.js';
import { IN_HEADER_SIZE, InHeader } from './layout.js';

/** Thrown for a frame that cannot be decoded; answered with EINVAL (or EIO) and logged. */
export class FrameError extends Error {
  readonly code = 'EINVAL';
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** A decoded request header. The buffer is the reader's reused slot: nothing is copied. */
export interface RequestHeader {
  len: number;
  opcode: number;
  /** Low and high 32 bits of `unique`: kept as numbers, echoed verbatim in the reply. */
  uniqueLo: number;
  uniqueHi: number;
  nodeid: number;
  uid: number;
  gid: number;
  pid: number;
  /** Where the op's arguments end (extensions such as security contexts follow them). */
  argsEnd: number;
}

/** u64 as a JS number: exact below 2^53, which covers node IDs, handles and file offsets. */
export function readU64(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 0x1_0000_0000;
}

export function writeU64(buf: Buffer, off: number, value: number): void {
  buf.writeUInt32LE(value >>> 0, off);
  buf.writeUInt32LE(Math.floor(value / 0x1_0000_0000) >>> 0, off + 4);
}

/**
 * Decode the 40-byte in header of a frame of `n` bytes. Rejects frames shorter than the header,
 * whose declared length differs from what was read, or whose extension length overflows.
 */
export function decodeHeader(buf: Buffer, n: number): RequestHeader {
  if (n < IN_HEADER_SIZE) throw new FrameError(`frame of ${n} bytes is shorter than the header`);
  const len = buf.readUInt32LE(InHeader.len);
  if (len !== n) throw new FrameError(`frame declares ${len} bytes but ${n} were read`);
  const extBytes = buf.readUInt16LE(InHeader.totalExtlen) * 8;
  const argsEnd = len - extBytes;
  if (argsEnd < IN_HEADER_SIZE) throw new FrameError(`extension length ${extBytes} overflows`);
  return {
    len,
    opcode: buf.readUInt32LE(InHeader.opcode),
    uniqueLo: buf.readUInt32LE(InHeader.unique),
    uniqueHi: buf.readUInt32LE(InHeader.unique + 4),
    nodeid: readU64(buf, InHeader.nodeid),
    uid: buf.readUInt32LE(InHeader.uid),
    gid: buf.readUInt32LE(InHeader.gid),
    pid: buf.readUInt32LE(InHeader.pid),
    argsEnd,
  };
}

export function isResent(h: RequestHeader): boolean {
  return (h.uniqueHi & FUSE_UNIQUE_RESEND_HI) !== 0;
}

/** A key for `unique` that survives in a Map (resend bit dropped: same request). */
export function uniqueKey(lo: number, hi: number): number {
  return lo + (hi & 0x001f_ffff) * 0x1_0000_0000;
}

/** Require `size` argument bytes at `off`. */
export function requireArgs(h: RequestHeader, off: number, size: number, what: string): void {
  if (off + size > h.argsEnd) {
    throw new FrameError(`${what}: needs ${size} bytes at ${off}, frame has ${h.argsEnd - off}`);
  }
}

/**
 * Read a NUL-terminated name starting at `off`, ending before `end`. Returns the name and the
 * offset after its NUL. Rejects a missing terminator. Names are bytes: decoded losslessly, an
 * invalid UTF-8 byte as its escape (docs/adr/0075-file-names-are-bytes.md), never as U+FFFD.
 */
export function readCString(buf: Buffer, off: number, end: number, what: string): [string, number] {
  const nul = buf.indexOf(0, off);
  if (nul < 0 || nul >= end) throw new FrameError(`${what}: name is not NUL-terminated`);
  return [decodeName(buf, off, nul), nul + 1];
}

/** A path component from the kernel: never empty, '.', '..' or containing '/'. */
export function readName(buf: Buffer, off: number, end: number, what: string): [string, number] {
  const [name, next] = readCString(buf, off, end, what);
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    throw new FrameError(`${what}: invalid name ${JSON.stringify(displayName(name))}`);
  }
  return [name, next];
}
