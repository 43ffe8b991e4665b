import { O_CREAT, O_EXCL, O_TRUNC } from '../../sys/constants.js';
import { childPath, nodePath, run } from '../session/context.js';
import type { Req, SessionContext } from '../session/context.js';
import { replyEmpty, replyEntry } from '../ops/entry.js';
import { Opcode } from '../protocol/constants.js';
import { sameInodeNode } from '../ops/same-inode.js';
import { readName, readU64 } from '../protocol/decode.js';
import { encodeEntryOut, encodeOpenOut, encodeOutHeader } from '../protocol/encode.js';
import { ArgSize, IN_HEADER_SIZE as A, OUT_HEADER_SIZE as O } from '../protocol/layout.js';

/**
 * Replayed requests (FUSE_NOTIFY_RESEND after a server restart) must give the answer the first
 * attempt would have given, even if the dead server had already carried them out:
 * - namespace ops: the outcome tells. A resent mkdir/mknod/symlink/link that finds the name
 *   (EEXIST) succeeded before: answer with the entry; a resent create finds the file and opens
 *   it; a resent unlink/rmdir that finds nothing (ENOENT) succeeded; a resent rename whose source
 *   is gone but whose target exists succeeded.
 * - O_APPEND writes: the intent log (below) keyed by `unique` records the size before the append;
 *   a resend that finds the file already grown by the write's length answers without writing.
 * Only requests marked resent by the kernel are treated this way.
 */
const EEXIST = 'EEXIST';
const ENOENT = 'ENOENT';

function code(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

async function existingEntry(ctx: SessionContext, req: Req, argOff: number): Promise<number> {
  const [name] = readName(req.buf, argOff, req.h.argsEnd, 'resent');
  const attr = await run(ctx, req, 'lookup', { path: childPath(ctx, req.h.nodeid, name) });
  return replyEntry(ctx, req, { parent: req.h.nodeid, name }, attr);
}

async function existingCreate(ctx: SessionContext, req: Req): Promise<number> {
  const b = req.buf;
  const [name] = readName(b, A + ArgSize.create, req.h.argsEnd, 'resent CREATE');
  const path = childPath(ctx, req.h.nodeid, name);
  const flags = b.readUInt32LE(A) & ~(O_CREAT | O_EXCL | O_TRUNC);
  const attr = await run(ctx, req, 'lookup', { path });
  const opened = await run(ctx, req, 'open', { path, flags });
  const at = { parent: req.h.nodeid, name };
  const nodeId = ctx.nodes.lookedUp(at.parent, name, attr.ino, await sameInodeNode(ctx, req, at, attr));
  const fh = ctx.handles.add({ kind: 'file', backendFh: opened.fh, nodeId, path, flags });
  let len = O + encodeEntryOut(b, O, nodeId, attr, ctx.times);
  len += encodeOpenOut(b, len, fh, 0);
  encodeOutHeader(b, len, 0);
  return len;
}

async function renameDone(ctx: SessionContext, req: Req, argSize: number): Promise<number | undefined> {
  const newDir = readU64(req.buf, A);
  const [name, next] = readName(req.buf, A + argSize, req.h.argsEnd, 'resent RENAME');
  const [newName] = readName(req.buf, next, req.h.argsEnd, 'resent RENAME');
  try {
    await run(ctx, req, 'lookup', { path: childPath(ctx, newDir, newName) });
  } catch {
    return undefined;
  }
  // Renamed in the table too only when it still has the old name: a predecessor that died after
  // journaling the move restored it moved, and renaming again would drop the node's new name.
  if (ctx.nodes.lookupEdge(req.h.nodeid, name) !== undefined)
    ctx.nodes.rename(req.h.nodeid, name, newDir, newName);
  return replyEmpty(req);
}

/** The reply a resent request earns although it failed now, or undefined to report the error. */
export async function recoverResent(ctx: SessionContext, req: Req, err: unknown): Promise<number | undefined> {
  const c = code(err);
  try {
    switch (req.h.opcode) {
      case Opcode.MKDIR:
        return c === EEXIST ? await existingEntry(ctx, req, A + ArgSize.mkdir) : undefined;
      case Opcode.MKNOD:
        return c === EEXIST ? await existingEntry(ctx, req, A + ArgSize.mknod) : undefined;
      case Opcode.SYMLINK:
        return c === EEXIST ? await existingEntry(ctx, req, A) : undefined;
      case Opcode.LINK:
        return c === EEXIST ? await existingEntry(ctx, req, A + ArgSize.link) : undefined;
      case Opcode.CREATE:
        return c === EEXIST ? await existingCreate(ctx, req) : undefined;
      case Opcode.UNLINK:
      case Opcode.RMDIR: {
        if (c !== ENOENT) return undefined;
        nodePath(ctx, req.h.nodeid);
        const [name] = readName(req.buf, A, req.h.argsEnd, 'resent UNLINK');
        ctx.nodes.detach(req.h.nodeid, name);
        return replyEmpty(req);
      }
      case Opcode.RENAME:
        return c === ENOENT ? await renameDone(ctx, req, ArgSize.rename) : undefined;
      case Opcode.RENAME2:
        return c === ENOENT ? await renameDone(ctx, req, ArgSize.rename2) : undefined;
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
