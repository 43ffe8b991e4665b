import { FsError } from '../../vfs/errors.js';
import { encodeName } from '../../vfs/names.js';
import type { Attr, OpArgsMap } from '../../vfs/types.js';
import { childPath, nodePath, run } from '../session/context.js';
import type { Handler, Req, SessionContext } from '../session/context.js';
import type { FileHandle } from '../session/handles.js';
import { otherNodesChanged, sameInodeNode } from './same-inode.js';
import { FUSE_GETATTR_FH, Fattr } from '../protocol/constants.js';
import { readName, readCString, readU64, requireArgs } from '../protocol/decode.js';
import { encodeAttrOut, encodeEntryOut, encodeOutHeader } from '../protocol/encode.js';
import { ArgSize, IN_HEADER_SIZE as A, OUT_HEADER_SIZE as O, SetattrOff } from '../protocol/layout.js';
import { killPrivBits } from './kill-priv.js';
import { lookupOrMiss, replyMiss } from './negative-entry.js';
import { ROOT_NODE, rootAclCache } from './root-acl.js';

/**
 * Register (parent, name) -> attr with the kernel and encode the entry reply. Another name of an
 * inode the kernel knows joins its node (`at.alias` when the caller knows it, else proven here).
 */
export async function replyEntry(
  ctx: SessionContext,
  req: Req,
  at: { parent: number; name: string; alias?: number | undefined },
  attr: Attr,
): Promise<number> {
  const same = at.alias ?? (await sameInodeNode(ctx, req, at, attr));
  const id = ctx.nodes.lookedUp(at.parent, at.name, attr.ino, same);
  const len = O + encodeEntryOut(req.buf, O, id, attr, ctx.times);
  encodeOutHeader(req.buf, len, 0);
  return len;
}

export function replyEmpty(req: Req): number {
  encodeOutHeader(req.buf, O, 0);
  return O;
}

function replyAttr(ctx: SessionContext, req: Req, attr: Attr): number {
  const len = O + encodeAttrOut(req.buf, O, attr, ctx.times.attrTimeout);
  encodeOutHeader(req.buf, len, 0);
  return len;
}

export const lookup: Handler = async (ctx, req) => {
  const [name] = readName(req.buf, A, req.h.argsEnd, 'LOOKUP');
  const attr = await lookupOrMiss(ctx, req, { parent: req.h.nodeid, name });
  if (attr === undefined) return replyMiss(ctx, req);
  return replyEntry(ctx, req, { parent: req.h.nodeid, name }, attr);
};

export const forget: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.forget, 'FORGET');
  ctx.nodes.forget(req.h.nodeid, readU64(req.buf, A));
  return -1;
};

export const batchForget: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.batchForget, 'BATCH_FORGET');
  const count = req.buf.readUInt32LE(A);
  requireArgs(req.h, A + 8, count * ArgSize.forgetOne, 'BATCH_FORGET entries');
  for (let i = 0, off = A + 8; i < count; i++, off += ArgSize.forgetOne) {
    ctx.nodes.forget(readU64(req.buf, off), readU64(req.buf, off + 8));
  }
  return -1;
};

/**
 * fstat/fchmod of an unlinked-but-open file reach us without a handle (the kernel passes one only
 * for some calls): such a node has no path left, so act through any handle still open on it.
 */
export function orphanHandle(ctx: SessionContext, nodeid: number): FileHandle | undefined {
  const n = ctx.nodes.get(nodeid);
  return n?.orphan ? ctx.handles.findByNode(nodeid) : undefined;
}

export const getattr: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.getattr, 'GETATTR');
  const withFh = (req.buf.readUInt32LE(A) & FUSE_GETATTR_FH) !== 0;
  const handle = withFh ? ctx.handles.get(readU64(req.buf, A + 8)) : orphanHandle(ctx, req.h.nodeid);
  const path = handle ? (ctx.nodes.path(req.h.nodeid) ?? handle.path) : nodePath(ctx, req.h.nodeid);
  const args: OpArgsMap['getattr'] = handle ? { path, fh: handle.backendFh } : { path };
  return replyAttr(ctx, req, await run(ctx, req, 'getattr', args));
};

function decodeTime(buf: Buffer, secOff: number, nsecOff: number): bigint {
  return buf.readBigInt64LE(secOff) * 1_000_000_000n + BigInt(buf.readUInt32LE(nsecOff));
}

export function decodeSetattr(ctx: SessionContext, req: Req): OpArgsMap['setattr'] {
  requireArgs(req.h, A, ArgSize.setattr, 'SETATTR');
  const b = req.buf;
  const valid = b.readUInt32LE(A + SetattrOff.valid);
  const handle = valid & Fattr.FH ? ctx.handles.get(readU64(b, A + SetattrOff.fh)) : orphanHandle(ctx, req.h.nodeid);
  const path = handle ? (ctx.nodes.path(req.h.nodeid) ?? handle.path) : nodePath(ctx, req.h.nodeid);
  const args: OpArgsMap['setattr'] = { path };
  if (handle) args.fh = handle.backendFh;
  if (valid & Fattr.MODE) args.mode = b.readUInt32LE(A + SetattrOff.mode);
  if (valid & Fattr.UID) args.uid = b.readUInt32LE(A + SetattrOff.uid);
  if (valid & Fattr.GID) args.gid = b.readUInt32LE(A + SetattrOff.gid);
  if (valid & Fattr.SIZE) args.size = readU64(b, A + SetattrOff.size);
  if (valid & Fattr.ATIME_NOW) args.atime = 'now';
  else if (valid & Fattr.ATIME) args.atime = decodeTime(b, A + SetattrOff.atime, A + SetattrOff.atimensec);
  if (valid & Fattr.MTIME_NOW) args.mtime = 'now';
  else if (valid & Fattr.MTIME) args.mtime = decodeTime(b, A + SetattrOff.mtime, A + SetattrOff.mtimensec);
  if (valid & Fattr.CTIME) args.ctime = decodeTime(b, A + SetattrOff.ctime, A + SetattrOff.ctimensec);
  return args;
}

export const setattr: Handler = async (ctx, req) => {
  const args = decodeSetattr(ctx, req);
  let attr = await run(ctx, req, 'setattr', args);
  // Truncate by a caller without CAP_FSETID, or a chown (HANDLE_KILLPRIV_V2): setuid goes.
  if (req.buf.readUInt32LE(A + SetattrOff.valid) & Fattr.KILL_SUIDGID) {
    const { path, fh } = args;
    attr = await killPrivBits(ctx, req, fh === undefined ? { path } : { path, fh }, attr);
  }
  otherNodesChanged(ctx, attr.ino, req.h.nodeid);
  // A mode change rewrites the ACL's mask entry.
  if (req.h.nodeid === ROOT_NODE && args.mode !== undefined) rootAclCache(ctx).forget();
  return replyAttr(ctx, req, attr);
};

export const readlink: Handler = async (ctx, req) => {
  const target = encodeName(await run(ctx, req, 'readlink', { path: nodePath(ctx, req.h.nodeid) }));
  if (O + target.length > req.capacity) throw new FsError('ENAMETOOLONG');
  target.copy(req.buf, O);
  encodeOutHeader(req.buf, O + target.length, 0);
  return O + target.length;
};

export const symlink: Handler = async (ctx, req) => {
  const [name, next] = readName(req.buf, A, req.h.argsEnd, 'SYMLINK');
  const [target] = readCString(req.buf, next, req.h.argsEnd, 'SYMLINK target');
  const path = childPath(ctx, req.h.nodeid, name);
  const attr = await run(ctx, req, 'symlink', { path, target });
  return replyEntry(ctx, req, { parent: req.h.nodeid, name }, attr);
};

export const mknod: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.mknod, 'MKNOD');
  const [name] = readName(req.buf, A + ArgSize.mknod, req.h.argsEnd, 'MKNOD');
  const args = {
    path: childPath(ctx, req.h.nodeid, name),
    mode: req.buf.readUInt32LE(A),
    rdev: req.buf.readUInt32LE(A + 4),
    umask: req.buf.readUInt32LE(A + 8),
  };
  return replyEntry(ctx, req, { parent: req.h.nodeid, name }, await run(ctx, req, 'mknod', args));
};

export const mkdir: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.mkdir, 'MKDIR');
  const [name] = readName(req.buf, A + ArgSize.mkdir, req.h.argsEnd, 'MKDIR');
  const args = {
    path: childPath(ctx, req.h.nodeid, name),
    mode: req.buf.readUInt32LE(A),
    umask: req.buf.readUInt32LE(A + 4),
  };
  return replyEntry(ctx, req, { parent: req.h.nodeid, name }, await run(ctx, req, 'mkdir', args));
};

function removal(op: 'unlink' | 'rmdir'): Handler {
  return async (ctx, req) => {
    const [name] = readName(req.buf, A, req.h.argsEnd, op.toUpperCase());
    await run(ctx, req, op, { path: childPath(ctx, req.h.nodeid, name) });
    const id = ctx.nodes.lookupEdge(req.h.nodeid, name);
    const ino = id === undefined ? undefined : ctx.nodes.get(id)?.ino;
    ctx.nodes.detach(req.h.nodeid, name);
    otherNodesChanged(ctx, ino, id ?? 0);
    return replyEmpty(req);
  };
}

export const unlink = removal('unlink');
export const rmdir = removal('rmdir');

const RENAME_EXCHANGE = 2;

async function doRename(ctx: SessionContext, req: Req, argSize: number, flags: number): Promise<number> {
  requireArgs(req.h, A, argSize, 'RENAME');
  const newDir = readU64(req.buf, A);
  const [name, next] = readName(req.buf, A + argSize, req.h.argsEnd, 'RENAME');
  const [newName] = readName(req.buf, next, req.h.argsEnd, 'RENAME new name');
  const path = childPath(ctx, req.h.nodeid, name);
  const newPath = childPath(ctx, newDir, newName);
  await run(ctx, req, 'rename', { path, newPath, flags });
  if (flags & RENAME_EXCHANGE) ctx.nodes.exchange(req.h.nodeid, name, newDir, newName);
  else ctx.nodes.rename(req.h.nodeid, name, newDir, newName);
  return replyEmpty(req);
}

export const rename: Handler = (ctx, req) => doRename(ctx, req, ArgSize.rename, 0);

export const rename2: Handler = (ctx, req) => {
  requireArgs(req.h, A, ArgSize.rename2, 'RENAME2');
  return doRename(ctx, req, ArgSize.rename2, req.buf.readUInt32LE(A + 8));
};

export const link: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.link, 'LINK');
  const oldNode = readU64(req.buf, A);
  const [newName] = readName(req.buf, A + ArgSize.link, req.h.argsEnd, 'LINK');
  const args = { path: nodePath(ctx, oldNode), newPath: childPath(ctx, req.h.nodeid, newName) };
  const attr = await run(ctx, req, 'link', args);
  // The new name is the old node's inode: the kernel expects the old node ID back.
  const alias = ctx.nodes.get(oldNode)?.ino === attr.ino ? oldNode : undefined;
  const len = await replyEntry(ctx, req, { parent: req.h.nodeid, name: newName, alias }, attr);
  otherNodesChanged(ctx, attr.ino, ctx.nodes.lookupEdge(req.h.nodeid, newName) ?? 0);
  return len;
};
