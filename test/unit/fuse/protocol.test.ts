import { describe, expect, it } from '@jest/globals';
import { decodeInitRequest, encodeInitReply, negotiate } from '../../../src/fuse/mount/init.js';
import { InitFlag, Opcode } from '../../../src/fuse/protocol/constants.js';
import { FrameError, decodeHeader, readName, readU64, uniqueKey, writeU64 } from '../../../src/fuse/protocol/decode.js';
import { direntSize, encodeAttr, encodeDirent, encodeEntryOut, encodeStatfsOut } from '../../../src/fuse/protocol/encode.js';
import type { Attr } from '../../../src/vfs/types.js';
import { frame, u32s } from './frames.js';

const attr: Attr = {
  ino: 0xfedc_ba98_7654_3210n,
  size: 2 ** 40 + 3,
  blocks: 17,
  atimeNs: 1_700_000_000_123_456_789n,
  mtimeNs: -1_500_000_000n, // before 1970: seconds -2, nanoseconds 500000000
  ctimeNs: 0n,
  mode: 0o100644,
  nlink: 3,
  uid: 1000,
  gid: 4294967294,
  rdev: 0x0801,
  blksize: 4096,
};

describe('fuse_in_header', () => {
  it('decodes every field and keeps the resend bit out of the key', () => {
    const f = frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid: 2 ** 40, uid: 7, gid: 8, pid: 9, unique: 12 });
    f.writeUInt32LE(0x8000_0000, 12); // bit 63: re-sent request
    const h = decodeHeader(f, f.length);
    expect(h).toMatchObject({ len: 56, opcode: Opcode.GETATTR, nodeid: 2 ** 40, uid: 7, gid: 8, pid: 9, argsEnd: 56 });
    expect(uniqueKey(h.uniqueLo, h.uniqueHi)).toBe(12);
  });

  it.each([
    ['shorter than the header', Buffer.alloc(39), 39],
    ['declared length differs from bytes read', frame(Opcode.LOOKUP, Buffer.alloc(8)), 44],
  ])('rejects a frame %s', (_what, buf, n) => {
    expect(() => decodeHeader(buf, n)).toThrow(FrameError);
  });

  it('rejects an extension length that overflows the frame', () => {
    const f = frame(Opcode.LOOKUP, Buffer.alloc(8));
    f.writeUInt16LE(100, 36);
    expect(() => decodeHeader(f, f.length)).toThrow(/extension length/);
  });
});

describe('names', () => {
  it.each([['.'], ['..'], ['a/b'], ['']])('rejects %j', (name) => {
    const b = Buffer.from(`${name}\0`);
    expect(() => readName(b, 0, b.length, 'T')).toThrow(FrameError);
  });

  it('rejects a name without NUL inside the arguments', () => {
    const b = Buffer.from('abc\0');
    expect(() => readName(b, 0, 3, 'T')).toThrow(/NUL/);
    expect(readName(b, 0, 4, 'T')).toEqual(['abc', 4]);
  });
});

describe('u64 and structs', () => {
  it.each([0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1])('round-trips u64 %d', (v) => {
    const b = Buffer.alloc(8);
    writeU64(b, 0, v);
    expect(readU64(b, 0)).toBe(v);
    expect(b.readBigUInt64LE(0)).toBe(BigInt(v));
  });

  it('encodes fuse_attr at the kernel offsets, pre-1970 times floor-divided', () => {
    const b = Buffer.alloc(88);
    encodeAttr(b, 0, attr);
    expect(b.readBigUInt64LE(0)).toBe(attr.ino);
    expect(b.readBigUInt64LE(8)).toBe(BigInt(attr.size));
    expect(b.readBigUInt64LE(16)).toBe(17n);
    expect(b.readBigInt64LE(24)).toBe(1_700_000_000n);
    expect(b.readUInt32LE(48)).toBe(123_456_789);
    expect(b.readBigInt64LE(32)).toBe(-2n);
    expect(b.readUInt32LE(52)).toBe(500_000_000);
    expect([b.readUInt32LE(60), b.readUInt32LE(64), b.readUInt32LE(68), b.readUInt32LE(72)]).toEqual([0o100644, 3, 1000, 4294967294]);
    expect([b.readUInt32LE(76), b.readUInt32LE(80), b.readUInt32LE(84)]).toEqual([0x0801, 4096, 0]);
  });

  it('encodes fuse_entry_out with fractional validity', () => {
    const b = Buffer.alloc(128);
    expect(encodeEntryOut(b, 0, 5, attr, { entryTimeout: 1.5, attrTimeout: 0.25 })).toBe(128);
    expect(b.readBigUInt64LE(0)).toBe(5n);
    expect(b.readBigUInt64LE(16)).toBe(1n);
    expect(b.readUInt32LE(32)).toBe(500_000_000);
    expect(b.readBigUInt64LE(24)).toBe(0n);
    expect(b.readUInt32LE(36)).toBe(250_000_000);
    expect(b.readBigUInt64LE(40)).toBe(attr.ino);
  });

  it('pads dirents to 8 bytes with zeros', () => {
    expect([1, 8, 9].map(direntSize)).toEqual([32, 32, 40]);
    const b = Buffer.alloc(64, 0xff);
    expect(encodeDirent(b, 0, 9n, 3, 4, Buffer.from('abcde'))).toBe(32);
    expect(b.readUInt32LE(16)).toBe(5);
    expect(b.subarray(24, 32)).toEqual(Buffer.from([97, 98, 99, 100, 101, 0, 0, 0]));
  });

  it('encodes fuse_kstatfs', () => {
    const b = Buffer.alloc(80, 0xff);
    encodeStatfsOut(b, 0, { blocks: 10, bfree: 5, bavail: 4, files: 3, ffree: 2, bsize: 4096, namelen: 255, frsize: 4096 });
    expect(b.readUInt32LE(44)).toBe(255);
    expect(b.subarray(52)).toEqual(Buffer.alloc(28));
  });
});

describe('INIT negotiation', () => {
  const offered = 0x73fffffbn | (0x5fdn << 32n); // what this machine's 6.18 kernel offers
  const initFrame = (minor: number, flags: bigint): Buffer =>
    frame(Opcode.INIT, Buffer.concat([u32s(7, minor, 131072, Number(flags & 0xffffffffn), Number(flags >> 32n)), Buffer.alloc(44)]));

  it('decodes the 64-bit flags and agrees on their intersection with ours', () => {
    const f = initFrame(45, offered);
    const req = decodeInitRequest(f, f.length);
    expect(req.flags).toBe(offered);
    const init = negotiate(req, { passthrough: true, posixLocks: true });
    const flags = BigInt(`0x${init.flags}`);
    expect(flags & InitFlag.PASSTHROUGH).toBe(InitFlag.PASSTHROUGH);
    expect(flags & InitFlag.WRITEBACK_CACHE).toBe(0n);
    expect(flags & InitFlag.POSIX_LOCKS).toBe(InitFlag.POSIX_LOCKS);
    expect(flags & ~offered).toBe(0n);
    expect(init).toMatchObject({ minor: 45, maxWrite: 1 << 20, maxPages: 256, passthrough: true });
  });

  it('negotiates down to an older kernel and never asks for what it lacks', () => {
    const f = initFrame(38, 0x73fffffbn);
    const init = negotiate(decodeInitRequest(f, f.length), { passthrough: true, writebackCache: true });
    expect(init.minor).toBe(38);
    expect(init.passthrough).toBe(false);
    expect(init.writebackCache).toBe(true);
  });

  it('leaves ACL checks and the umask to the kernel unless the backend keeps ACLs', () => {
    const f = initFrame(45, offered);
    const both = InitFlag.POSIX_ACL | InitFlag.DONT_MASK;
    const flagsOf = (posixAcl: boolean): bigint =>
      BigInt(`0x${negotiate(decodeInitRequest(f, f.length), { posixAcl }).flags}`) & both;
    expect(flagsOf(true)).toBe(both);
    expect(flagsOf(false)).toBe(0n);
  });

  it('takes over clearing setuid/setgid (HANDLE_KILLPRIV_V2) except under kernel passthrough', () => {
    const f = initFrame(45, offered);
    const v2 = (o: { passthrough?: boolean }): bigint =>
      BigInt(`0x${negotiate(decodeInitRequest(f, f.length), o).flags}`) & InitFlag.HANDLE_KILLPRIV_V2;
    expect(v2({})).toBe(InitFlag.HANDLE_KILLPRIV_V2);
    // Passthrough writes never reach the server, which could then not clear the bits.
    expect(v2({ passthrough: true })).toBe(0n);
  });

  it('refuses kernels older than 7.31', () => {
    const f = initFrame(26, 0n);
    expect(() => negotiate(decodeInitRequest(f, f.length), {})).toThrow(/unsupported/);
  });

  it('writes fuse_init_out in place, keeping unique', () => {
    const f = initFrame(45, offered);
    const init = negotiate(decodeInitRequest(f, f.length), {});
    const buf = Buffer.alloc(128);
    f.copy(buf);
    const len = encodeInitReply(buf, init);
    expect(len).toBe(80);
    expect(buf.readUInt32LE(0)).toBe(80);
    expect(buf.readBigUInt64LE(8)).toBe(f.readBigUInt64LE(8));
    expect([buf.readUInt32LE(16), buf.readUInt32LE(20)]).toEqual([7, 45]);
    expect(buf.readUInt32LE(16 + 20)).toBe(1 << 20);
    expect(buf.readUInt16LE(16 + 28)).toBe(256);
  });
});
