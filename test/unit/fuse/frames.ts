import { Opcode } from '../../../src/fuse/protocol/constants.js';

/** Build request frames the way the kernel lays them out (for in-process server tests). */
export interface FrameOptions {
  nodeid?: number;
  unique?: number;
  uid?: number;
  gid?: number;
  pid?: number;
}

let nextUnique = 2;

export function frame(opcode: number, args: Buffer, o: FrameOptions = {}): Buffer {
  const buf = Buffer.alloc(40 + args.length);
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt32LE(opcode, 4);
  buf.writeBigUInt64LE(BigInt(o.unique ?? (nextUnique += 2)), 8);
  buf.writeBigUInt64LE(BigInt(o.nodeid ?? 1), 16);
  buf.writeUInt32LE(o.uid ?? 0, 24);
  buf.writeUInt32LE(o.gid ?? 0, 28);
  buf.writeUInt32LE(o.pid ?? 42, 32);
  args.copy(buf, 40);
  return buf;
}

export const cstr = (s: string): Buffer => Buffer.from(`${s}\0`);

export function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32LE(v >>> 0, i * 4));
  return b;
}

export function u64s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), i * 8));
  return b;
}

export const lookupFrame = (parent: number, name: string): Buffer => frame(Opcode.LOOKUP, cstr(name), { nodeid: parent });

/** fuse_create_in {flags, mode, umask, open_flags} + name. */
export const createFrame = (parent: number, name: string, flags = 0o102, mode = 0o100644): Buffer =>
  frame(Opcode.CREATE, Buffer.concat([u32s(flags, mode, 0o022, 0), cstr(name)]), { nodeid: parent });

/** fuse_write_in {fh, offset, size, write_flags, lock_owner, flags, padding} + data. */
export function writeFrame(nodeid: number, fh: number, offset: number, data: Buffer): Buffer {
  const a = Buffer.alloc(40);
  a.writeBigUInt64LE(BigInt(fh), 0);
  a.writeBigUInt64LE(BigInt(offset), 8);
  a.writeUInt32LE(data.length, 16);
  a.writeUInt32LE(2, 32);
  return frame(Opcode.WRITE, Buffer.concat([a, data]), { nodeid });
}

/** fuse_read_in {fh, offset, size, read_flags, lock_owner, flags, padding}. */
export function readFrame(opcode: number, nodeid: number, fh: number, offset: number, size: number): Buffer {
  const a = Buffer.alloc(40);
  a.writeBigUInt64LE(BigInt(fh), 0);
  a.writeBigUInt64LE(BigInt(offset), 8);
  a.writeUInt32LE(size, 16);
  return frame(opcode, a, { nodeid });
}

export interface Reply {
  len: number;
  error: number;
  unique: bigint;
  body: Buffer;
}

export function parseReply(buf: Buffer, len: number): Reply {
  return {
    len: buf.readUInt32LE(0),
    error: buf.readInt32LE(4),
    unique: buf.readBigUInt64LE(8),
    body: Buffer.from(buf.subarray(16, len)),
  };
}

/** fuse_entry_out: nodeid, generation, valid times, then fuse_attr at 40. */
export function parseEntry(body: Buffer): { nodeid: number; ino: bigint; size: number; mode: number; nlink: number; uid: number } {
  return {
    nodeid: Number(body.readBigUInt64LE(0)),
    ino: body.readBigUInt64LE(40),
    size: Number(body.readBigUInt64LE(48)),
    mode: body.readUInt32LE(40 + 60),
    nlink: body.readUInt32LE(40 + 64),
    uid: body.readUInt32LE(40 + 68),
  };
}
