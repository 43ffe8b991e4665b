/**
 * Requests on an open file handle: data, flush and sync, allocation, seek, copy. Opening and
 * releasing one: file-open.ts.
 */
import { constants as fsConstants } from 'node:fs';
import { FsError } from '../../vfs/errors.js';
import type { OpArgsMap } from '../../vfs/types.js';
import { handlePath, run } from '../session/context.js';
import { fileHandle } from '../custody/reopen.js';
import type { Handler, Req, SessionContext } from '../session/context.js';
import { FUSE_FSYNC_FDATASYNC } from '../protocol/constants.js';
import { readU64, requireArgs, uniqueKey } from '../protocol/decode.js';
import { encodeOutHeader } from '../protocol/encode.js';
import {
  ArgSize,
  IN_HEADER_SIZE as A,
  OUT_HEADER_SIZE as O,
  WRITE_OUT_SIZE,
} from '../protocol/layout.js';
import { replyEmpty } from './entry.js';
import { WRITE_KILL_SUIDGID, killPriv } from './kill-priv.js';

export const read: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.read, 'READ');
  const b = req.buf;
  const fhId = readU64(b, A);
  const offset = readU64(b, A + 8);
  const size = Math.min(b.readUInt32LE(A + 16), req.capacity - O);
  const flags = b.readUInt32LE(A + 32);
  const h = await fileHandle(ctx, req, fhId, flags);
  const buffer = b.subarray(O, O + size);
  const n = await run(ctx, req, 'read', { path: handlePath(ctx, h), fh: h.backendFh, buffer, offset, flags });
  if (n < 0 || n > size) throw new FsError('EIO', `read returned ${n} of ${size}`);
  encodeOutHeader(b, O + n, 0);
  return O + n;
};

export const write: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.write, 'WRITE');
  const b = req.buf;
  const fhId = readU64(b, A);
  const offset = readU64(b, A + 8);
  const size = b.readUInt32LE(A + 16);
  const flags = b.readUInt32LE(A + 32);
  const dataOff = A + ArgSize.write;
  requireArgs(req.h, dataOff, size, 'WRITE data');
  const h = await fileHandle(ctx, req, fhId, flags);
  const path = handlePath(ctx, h);
  if (
    flags & O_APPEND &&
    ctx.intents &&
    (await appendAlreadyDone(ctx, req, { path, fh: h.backendFh }, size))
  ) {
    return replyWritten(b, size);
  }
  // A write by a caller without CAP_FSETID drops setuid/setgid first, as the VFS does.
  if (b.readUInt32LE(A + 20) & WRITE_KILL_SUIDGID) await killPriv(ctx, req, { path, fh: h.backendFh });
  const buffer = b.subarray(dataOff, dataOff + size);
  const n = await run(ctx, req, 'write', { path, fh: h.backendFh, buffer, offset, flags });
  return replyWritten(b, n);
};

const { O_APPEND } = fsConstants;

/**
 * O_APPEND writes are not idempotent: record the size before each one (keyed by `unique`), and
 * answer a replayed one without writing when the file already grew by its length.
 */
async function appendAlreadyDone(
  ctx: SessionContext,
  req: Req,
  file: OpArgsMap['getattr'],
  size: number,
): Promise<boolean> {
  const key = uniqueKey(req.h.uniqueLo, req.h.uniqueHi);
  const now = (await run(ctx, req, 'getattr', file)).size;
  const before = req.resent ? ctx.intents!.sizeBefore(key) : undefined;
  if (before !== undefined) return now >= before + size;
  ctx.intents!.record(key, now);
  return false;
}

function replyWritten(b: Buffer, n: number): number {
  b.writeUInt32LE(n, O);
  b.writeUInt32LE(0, O + 4);
  encodeOutHeader(b, O + WRITE_OUT_SIZE, 0);
  return O + WRITE_OUT_SIZE;
}

export const flush: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.flush, 'FLUSH');
  const h = ctx.handles.get(readU64(req.buf, A));
  // A handle of a previous server that was never used since: nothing is buffered for it.
  if (h === undefined) return replyEmpty(req);
  const lockOwner = req.buf.readBigUInt64LE(A + 16);
  await run(ctx, req, 'flush', { path: handlePath(ctx, h), fh: h.backendFh, lockOwner });
  return replyEmpty(req);
};

export const fsync: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.fsync, 'FSYNC');
  const fhId = readU64(req.buf, A);
  const datasync = (req.buf.readUInt32LE(A + 8) & FUSE_FSYNC_FDATASYNC) !== 0;
  const h = await fileHandle(ctx, req, fhId, 0);
  await run(ctx, req, 'fsync', { path: handlePath(ctx, h), fh: h.backendFh, datasync });
  return replyEmpty(req);
};

export const fallocate: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.fallocate, 'FALLOCATE');
  const b = req.buf;
  const h = await fileHandle(ctx, req, readU64(b, A), 0);
  await run(ctx, req, 'fallocate', {
    path: handlePath(ctx, h),
    fh: h.backendFh,
    offset: readU64(b, A + 8),
    length: readU64(b, A + 16),
    mode: b.readUInt32LE(A + 24),
  });
  return replyEmpty(req);
};

export const lseek: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.lseek, 'LSEEK');
  const b = req.buf;
  const h = await fileHandle(ctx, req, readU64(b, A), 0);
  const args = { path: handlePath(ctx, h), fh: h.backendFh, offset: readU64(b, A + 8), whence: b.readUInt32LE(A + 16) };
  const pos = await run(ctx, req, 'lseek', args);
  b.writeBigUInt64LE(BigInt(pos), O);
  encodeOutHeader(b, O + 8, 0);
  return O + 8;
};

export const copyFileRange: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.copyFileRange, 'COPY_FILE_RANGE');
  const b = req.buf;
  const hIn = await fileHandle(ctx, req, readU64(b, A), 0);
  const hOut = ctx.handles.get(readU64(b, A + 24));
  if (hOut === undefined) throw new FsError('EBADF');
  const n = await run(ctx, req, 'copyFileRange', {
    path: handlePath(ctx, hIn),
    fh: hIn.backendFh,
    offset: readU64(b, A + 8),
    newPath: handlePath(ctx, hOut),
    fhOut: hOut.backendFh,
    offsetOut: readU64(b, A + 32),
    length: readU64(b, A + 40),
    flags: Number(b.readBigUInt64LE(A + 48) & 0xffffffffn),
  });
  return replyWritten(b, n);
};
