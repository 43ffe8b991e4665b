import { constants as fsConstants } from 'node:fs';
import { FsError } from '../../vfs/errors.js';
import type { OpenResult } from '../../vfs/types.js';
import { backingOpenFlags, childPath, kernelMayKeepCache, handlePath, nodePath, run } from '../session/context.js';
import { fileHandle } from '../custody/reopen.js';
import type { Handler, Req, SessionContext } from '../session/context.js';
import { FUSE_FSYNC_FDATASYNC, FopenFlag } from '../protocol/constants.js';
import { readName, readU64, requireArgs, uniqueKey } from '../protocol/decode.js';
import { encodeEntryOut, encodeOpenOut, encodeOutHeader } from '../protocol/encode.js';
import {
  ArgSize,
  IN_HEADER_SIZE as A,
  OUT_HEADER_SIZE as O,
  WRITE_OUT_SIZE,
} from '../protocol/layout.js';
import { sameInodeNode } from './same-inode.js';
import { replyEmpty } from './entry.js';
import { lockedNodeMayClose } from './misc.js';
import { OPEN_KILL_SUIDGID, WRITE_KILL_SUIDGID, killPriv } from './kill-priv.js';

function openFlags(ctx: SessionContext, r: OpenResult): { flags: number; backingId: number } {
  let flags = 0;
  // Kept pages hide re-reads from the layers: only while no layer needs to see them.
  if (r.keepCache || kernelMayKeepCache(ctx)) flags |= FopenFlag.KEEP_CACHE;
  if (r.directIo) flags |= FopenFlag.DIRECT_IO;
  let backingId = 0;
  if (r.backingFd !== undefined && ctx.openBacking) {
    // 0: the kernel refused (no CAP_SYS_ADMIN); the file is then served through us.
    backingId = ctx.openBacking(r.backingFd);
    if (backingId > 0) flags |= FopenFlag.PASSTHROUGH;
  }
  return { flags, backingId };
}

/** Ask the backend for the file's fd: for kernel passthrough, or for the readers' direct I/O. */
function wantPassthrough(ctx: SessionContext): boolean {
  const plan = ctx.stack.plan();
  return (ctx.init.passthrough && !plan.needsData) || (ctx.direct !== undefined && plan.readerData);
}

/**
 * Files the kernel does not pass through are served by the reader threads while the plan lets
 * them; under a per-handle plan only when the stack declines this file's data requests.
 */
function registerDirect(
  ctx: SessionContext,
  fh: number,
  r: OpenResult,
  backingId: number,
  nodeId: number,
): void {
  if (backingId > 0 || r.backingFd === undefined || ctx.direct === undefined) return;
  const plan = ctx.stack.plan();
  if (!plan.readerData) return;
  if (plan.readerPerHandle === true && ctx.stack.readerServes?.(r.fh) !== true) return;
  // The plan allows it right now (this runs on the main thread, like every swap).
  if (!ctx.direct.enabled) ctx.direct.setPlan(plan);
  ctx.direct.register(fh, r.backingFd, nodeId);
}

export const open: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.open, 'OPEN');
  const flags = req.buf.readUInt32LE(A);
  const path = nodePath(ctx, req.h.nodeid);
  const r = await run(ctx, req, 'open', { path, flags: backingOpenFlags(ctx, flags), passthrough: wantPassthrough(ctx) });
  // O_TRUNC by a caller without CAP_FSETID (HANDLE_KILLPRIV_V2): the truncation drops setuid.
  if (req.buf.readUInt32LE(A + 4) & OPEN_KILL_SUIDGID) await killPriv(ctx, req, { path, fh: r.fh });
  const { flags: of, backingId } = openFlags(ctx, r);
  const fh = ctx.handles.add({ kind: 'file', backendFh: r.fh, nodeId: req.h.nodeid, path, flags, backingId });
  registerDirect(ctx, fh, r, backingId, req.h.nodeid);
  const len = O + encodeOpenOut(req.buf, O, fh, of, backingId);
  encodeOutHeader(req.buf, len, 0);
  return len;
};

export const create: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.create, 'CREATE');
  const b = req.buf;
  const [name] = readName(b, A + ArgSize.create, req.h.argsEnd, 'CREATE');
  const path = childPath(ctx, req.h.nodeid, name);
  const flags = b.readUInt32LE(A);
  const r = await run(ctx, req, 'create', {
    path,
    flags: backingOpenFlags(ctx, flags),
    mode: b.readUInt32LE(A + 4),
    umask: b.readUInt32LE(A + 8),
    passthrough: wantPassthrough(ctx),
  });
  let alias: number | undefined;
  try {
    if (b.readUInt32LE(A + 12) & OPEN_KILL_SUIDGID) await killPriv(ctx, req, { path, fh: r.fh });
    // A file that appeared since the kernel's lookup may be another name of a known inode.
    alias = await sameInodeNode(ctx, req, { parent: req.h.nodeid, name }, r.attr);
  } catch (err) {
    // The file exists but the CREATE fails: close it, and take back a negative entry the
    // kernel may keep for the name (it would hide the file for the entry timeout).
    await run(ctx, req, 'release', { path, fh: r.fh, flags }).catch(() => undefined);
    ctx.misses?.appeared(req.h.nodeid, name);
    throw err;
  }
  const nodeId = ctx.nodes.lookedUp(req.h.nodeid, name, r.attr.ino, alias);
  const { flags: of, backingId } = openFlags(ctx, r);
  const fh = ctx.handles.add({ kind: 'file', backendFh: r.fh, nodeId, path, flags, backingId });
  registerDirect(ctx, fh, r, backingId, nodeId);
  let len = O + encodeEntryOut(b, O, nodeId, r.attr, ctx.times);
  len += encodeOpenOut(b, len, fh, of, backingId);
  encodeOutHeader(b, len, 0);
  return len;
};

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
  if (flags & O_APPEND && ctx.intents && (await appendAlreadyDone(ctx, req, h.backendFh, path, size))) {
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
async function appendAlreadyDone(ctx: SessionContext, req: Req, fh: number, path: string, size: number): Promise<boolean> {
  const key = uniqueKey(req.h.uniqueLo, req.h.uniqueHi);
  const now = (await run(ctx, req, 'getattr', { path, fh })).size;
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

export const release: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.release, 'RELEASE');
  const fhId = readU64(req.buf, A);
  // Before the backend closes the fd: no reader may use it from here on.
  ctx.direct?.unregister(fhId);
  const h = ctx.handles.remove(fhId);
  if (h === undefined) return replyEmpty(req);
  if (h.backingId && ctx.closeBacking) ctx.closeBacking(h.backingId);
  const flags = req.buf.readUInt32LE(A + 8);
  try {
    await run(ctx, req, 'release', { path: handlePath(ctx, h), fh: h.backendFh, flags });
  } finally {
    // After the backend dropped the node's locks; checked after the await: a new open since then
    // keeps the node counted.
    lockedNodeMayClose(ctx, h.nodeId);
  }
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
  b.writeUInt32LE(n, O);
  b.writeUInt32LE(0, O + 4);
  encodeOutHeader(b, O + WRITE_OUT_SIZE, 0);
  return O + WRITE_OUT_SIZE;
};

