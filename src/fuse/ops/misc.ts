import { XATTR_POSIX_ACL_ACCESS, XATTR_POSIX_ACL_DEFAULT } from '../../sys/constants.js';
import { FsError } from '../../vfs/errors.js';
import { encodeNameZ } from '../../vfs/names.js';
import type { LockSpec } from '../../vfs/types.js';
import { handlePath, nodePath, run } from '../session/context.js';
import { fileHandle } from '../custody/reopen.js';
import type { Handler, Req, SessionContext } from '../session/context.js';
import { hasFlag } from '../mount/init.js';
import { FUSE_LK_FLOCK, InitFlag } from '../protocol/constants.js';
import { readCString, readU64, requireArgs } from '../protocol/decode.js';
import { encodeOutHeader, encodeStatfsOut } from '../protocol/encode.js';
import { ArgSize, GETXATTR_OUT_SIZE, IN_HEADER_SIZE as A, LK_OUT_SIZE, OUT_HEADER_SIZE as O } from '../protocol/layout.js';
import { orphanHandle, replyEmpty } from './entry.js';
import { ROOT_NODE, rootAclCache } from './root-acl.js';

export const statfs: Handler = async (ctx, req) => {
  const path = ctx.nodes.path(req.h.nodeid) ?? '/';
  const len = O + encodeStatfsOut(req.buf, O, await run(ctx, req, 'statfs', { path }));
  encodeOutHeader(req.buf, len, 0);
  return len;
};

export const access: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.access, 'ACCESS');
  await run(ctx, req, 'access', { path: nodePath(ctx, req.h.nodeid), mask: req.buf.readUInt32LE(A) });
  return replyEmpty(req);
};

/**
 * Whether `name` is an ACL the kernel enforces. Without FUSE_POSIX_ACL (a backend that does not
 * keep ACLs) the kernel checks mode bits only: an ACL stored or shown through the mount would
 * look enforced and never be, so it is refused, as a filesystem without ACL support does.
 */
function isEnforcedAcl(ctx: SessionContext, name: string): boolean {
  if (name !== XATTR_POSIX_ACL_ACCESS && name !== XATTR_POSIX_ACL_DEFAULT) return false;
  if (!hasFlag(ctx.init, InitFlag.POSIX_ACL)) throw new FsError('EOPNOTSUPP');
  return true;
}

/** The root's ACL changed through the mount: its cached copy goes (see root-acl.ts). */
function rootAclChanged(ctx: SessionContext, req: Req, name: string): void {
  if (req.h.nodeid === ROOT_NODE && isEnforcedAcl(ctx, name)) rootAclCache(ctx).forget();
}

export const setxattr: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.setxattr, 'SETXATTR');
  const size = req.buf.readUInt32LE(A);
  const flags = req.buf.readUInt32LE(A + 4);
  const [name, next] = readCString(req.buf, A + ArgSize.setxattr, req.h.argsEnd, 'SETXATTR');
  requireArgs(req.h, next, size, 'SETXATTR value');
  const value = req.buf.subarray(next, next + size);
  isEnforcedAcl(ctx, name);
  await run(ctx, req, 'setxattr', { path: nodePath(ctx, req.h.nodeid), name, value, flags });
  rootAclChanged(ctx, req, name);
  return replyEmpty(req);
};

/** The xattr size-probe protocol: size 0 asks for the length, a short buffer is ERANGE. */
function replySized(req: Req, value: Buffer, size: number): number {
  if (size === 0) {
    req.buf.writeUInt32LE(value.length, O);
    req.buf.writeUInt32LE(0, O + 4);
    encodeOutHeader(req.buf, O + GETXATTR_OUT_SIZE, 0);
    return O + GETXATTR_OUT_SIZE;
  }
  if (value.length > size || O + value.length > req.capacity) throw new FsError('ERANGE');
  value.copy(req.buf, O);
  encodeOutHeader(req.buf, O + value.length, 0);
  return O + value.length;
}

/**
 * Where an xattr op acts: the node's path, or for a file unlinked while open (no path left) one
 * of its open handles. The kernel asks security.capability before every write to such a file
 * whose attributes were refreshed, and removes it when present: answering ENOENT there made the
 * reader threads' answer (read through an open fd, direct-xattr.ts) and the main thread's
 * disagree, and the kernel's removal then failed the write (ENOENT).
 */
function xattrTarget(ctx: SessionContext, req: Req, name: string): { path: string; name: string; fh?: number } {
  const handle = orphanHandle(ctx, req.h.nodeid);
  if (handle === undefined) return { path: nodePath(ctx, req.h.nodeid), name };
  return { path: ctx.nodes.path(req.h.nodeid) ?? handle.path, name, fh: handle.backendFh };
}

export const getxattr: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.getxattr, 'GETXATTR');
  const size = req.buf.readUInt32LE(A);
  const [name] = readCString(req.buf, A + ArgSize.getxattr, req.h.argsEnd, 'GETXATTR');
  const fetch = (): Promise<Buffer> => run(ctx, req, 'getxattr', xattrTarget(ctx, req, name));
  const cached = isEnforcedAcl(ctx, name) && req.h.nodeid === ROOT_NODE;
  const value = cached ? await rootAclCache(ctx).get(name, fetch) : await fetch();
  return replySized(req, value, size);
};

export const listxattr: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.getxattr, 'LISTXATTR');
  const size = req.buf.readUInt32LE(A);
  const names = await run(ctx, req, 'listxattr', { path: nodePath(ctx, req.h.nodeid) });
  const value = Buffer.concat(names.map((n) => encodeNameZ(n)));
  return replySized(req, value, size);
};

export const removexattr: Handler = async (ctx, req) => {
  const [name] = readCString(req.buf, A, req.h.argsEnd, 'REMOVEXATTR');
  isEnforcedAcl(ctx, name);
  await run(ctx, req, 'removexattr', xattrTarget(ctx, req, name));
  rootAclChanged(ctx, req, name);
  return replyEmpty(req);
};

/** The kernel's "to end of file" lock end (2^63 - 1), which a JS number cannot hold exactly. */
const OFFSET_MAX = 2 ** 63 - 1;
const OFFSET_MAX_BIG = 0x7fff_ffff_ffff_ffffn;

function decodeLock(b: Buffer): LockSpec {
  return {
    start: readU64(b, A + 16),
    end: readU64(b, A + 24),
    type: b.readUInt32LE(A + 32),
    pid: b.readUInt32LE(A + 36),
  };
}

export const getlk: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.lk, 'GETLK');
  const b = req.buf;
  const h = await fileHandle(ctx, req, readU64(b, A), 0);
  const owner = b.readBigUInt64LE(A + 8);
  const lk = await run(ctx, req, 'getlk', { path: handlePath(ctx, h), fh: h.backendFh, owner, lock: decodeLock(b) });
  b.writeBigUInt64LE(BigInt(lk.start), O);
  b.writeBigUInt64LE(lk.end >= OFFSET_MAX ? OFFSET_MAX_BIG : BigInt(lk.end), O + 8);
  b.writeUInt32LE(lk.type, O + 16);
  b.writeUInt32LE(lk.pid, O + 20);
  encodeOutHeader(b, O + LK_OUT_SIZE, 0);
  return O + LK_OUT_SIZE;
};

function setlkHandler(wait: boolean): Handler {
  return async (ctx, req) => {
    requireArgs(req.h, A, ArgSize.lk, 'SETLK');
    const b = req.buf;
    const h = await fileHandle(ctx, req, readU64(b, A), 0);
    const owner = b.readBigUInt64LE(A + 8);
    const path = handlePath(ctx, h);
    if (b.readUInt32LE(A + 40) & FUSE_LK_FLOCK) {
      // flock locks belong to the open file and go with RELEASE, not with FLUSH.
      const type = b.readUInt32LE(A + 32);
      await run(ctx, req, 'flock', { path, fh: h.backendFh, owner, type, wait });
      return replyEmpty(req);
    }
    // Before the lock exists: from here on a FLUSH may have it to release (direct-sync.ts).
    ctx.direct?.lockAsked(h.nodeId);
    try {
      await run(ctx, req, 'setlk', { path, fh: h.backendFh, owner, lock: decodeLock(b), wait });
    } finally {
      lockedNodeMayClose(ctx, h.nodeId);
    }
    return replyEmpty(req);
  };
}

/** The node's locks went with its last handle (the backend drops them with it). */
export function lockedNodeMayClose(ctx: SessionContext, nodeId: number): void {
  // The set first: findByNode walks every open handle, and this runs at every RELEASE.
  if (ctx.direct?.hasLockRequest(nodeId) !== true) return;
  if (ctx.handles.findByNode(nodeId) === undefined) ctx.direct.nodeClosed(nodeId);
}

export const setlk = setlkHandler(false);
export const setlkw = setlkHandler(true);
