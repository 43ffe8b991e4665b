/**
 * A file handle's life: OPEN and CREATE give it a kernel passthrough backing id or register its fd
 * with the reader threads; RELEASE takes both back before the backend closes the fd.
 */
import type { OpenResult } from '../../vfs/types.js';
import type { StackPlan } from '../../vfs/stack.js';
import {
  backingOpenFlags,
  childPath,
  kernelMayKeepCache,
  handlePath,
  nodePath,
  run,
} from '../session/context.js';
import type { Handler, SessionContext } from '../session/context.js';
import type { FileHandle } from '../session/handles.js';
import { FopenFlag } from '../protocol/constants.js';
import { readName, readU64, requireArgs } from '../protocol/decode.js';
import { encodeEntryOut, encodeOpenOut, encodeOutHeader } from '../protocol/encode.js';
import { ArgSize, IN_HEADER_SIZE as A, OUT_HEADER_SIZE as O } from '../protocol/layout.js';
import { sameInodeNode } from './same-inode.js';
import { replyEmpty } from './entry.js';
import { lockedNodeMayClose } from './misc.js';
import { OPEN_KILL_SUIDGID, killPriv } from './kill-priv.js';

/** A handle just opened: its backing id is known (0: not passed through). */
type OpenedHandle = FileHandle & { readonly backingId: number };

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
  h: OpenedHandle,
  backingFd: number | undefined,
): void {
  if (h.backingId > 0 || backingFd === undefined || ctx.direct === undefined) return;
  const plan = ctx.stack.plan();
  if (!plan.readerData) return;
  // A file a layer must see the data requests of: served by the readers only if they list
  // each for it (a file trace traces; direct-span.ts), with a ring to list them in, and no
  // reader form of throttle (a span of the main thread's has its waits as events; a listed
  // slot would be held through the gate's sleep).
  const listed = plan.readerPerHandle === true && ctx.stack.readerServes?.(h.backendFh) !== true;
  if (listed && !listable(ctx, plan, h.backendFh)) return;
  // The plan allows it right now (this runs on the main thread, like every swap).
  if (!ctx.direct.enabled) ctx.direct.setPlan(plan);
  ctx.direct.register(fh, backingFd, h.nodeId, listed);
}

const listable = (ctx: SessionContext, plan: StackPlan, backendFh: number): boolean =>
  ctx.direct?.spanRing !== undefined &&
  plan.gate === undefined &&
  ctx.stack.readerLists?.(backendFh) === true;

export const open: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.open, 'OPEN');
  const flags = req.buf.readUInt32LE(A);
  const path = nodePath(ctx, req.h.nodeid);
  const r = await run(ctx, req, 'open', {
    path,
    flags: backingOpenFlags(ctx, flags),
    passthrough: wantPassthrough(ctx),
  });
  // O_TRUNC by a caller without CAP_FSETID (HANDLE_KILLPRIV_V2): the truncation drops setuid.
  if (req.buf.readUInt32LE(A + 4) & OPEN_KILL_SUIDGID) await killPriv(ctx, req, { path, fh: r.fh });
  const { flags: of, backingId } = openFlags(ctx, r);
  const h: OpenedHandle = {
    kind: 'file',
    backendFh: r.fh,
    nodeId: req.h.nodeid,
    path,
    flags,
    backingId,
  };
  const fh = ctx.handles.add(h);
  registerDirect(ctx, fh, h, r.backingFd);
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
  const h: OpenedHandle = { kind: 'file', backendFh: r.fh, nodeId, path, flags, backingId };
  const fh = ctx.handles.add(h);
  registerDirect(ctx, fh, h, r.backingFd);
  let len = O + encodeEntryOut(b, O, nodeId, r.attr, ctx.times);
  len += encodeOpenOut(b, len, fh, of, backingId);
  encodeOutHeader(b, len, 0);
  return len;
};

export const release: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.release, 'RELEASE');
  const fhId = readU64(req.buf, A);
  // Before the backend closes the fd: no reader may start using it from here on.
  const inUse = ctx.direct?.unregister(fhId);
  const h = ctx.handles.remove(fhId);
  if (h === undefined) return replyEmpty(req);
  if (h.backingId && ctx.closeBacking) ctx.closeBacking(h.backingId);
  const flags = req.buf.readUInt32LE(A + 8);
  // A reader's GETXATTR still reading the fd (direct-nodes.ts): the close waits for it to end,
  // never the main thread.
  if (inUse !== undefined) await inUse;
  try {
    await run(ctx, req, 'release', { path: handlePath(ctx, h), fh: h.backendFh, flags });
  } finally {
    // After the backend dropped the node's locks; checked after the await: a new open since then
    // keeps the node counted.
    lockedNodeMayClose(ctx, h.nodeId);
  }
  return replyEmpty(req);
};
