import { FsError } from '../../vfs/errors.js';
import { encodeName } from '../../vfs/names.js';
import type { Attr, DirEntry } from '../../vfs/types.js';
import { handlePath, kernelMayKeepCache, nodePath, run } from '../session/context.js';
import type { Handler, Req, SessionContext } from '../session/context.js';
import type { FileHandle } from '../session/handles.js';
import { FopenFlag, FUSE_FSYNC_FDATASYNC } from '../protocol/constants.js';
import { readU64, requireArgs } from '../protocol/decode.js';
import { direntSize, encodeDirent, encodeEntryOut, encodeOpenOut, encodeOutHeader } from '../protocol/encode.js';
import { ArgSize, ENTRY_OUT_SIZE, IN_HEADER_SIZE as A, OUT_HEADER_SIZE as O } from '../protocol/layout.js';
import { sameInodeNode } from './same-inode.js';
import { replyEmpty } from './entry.js';

const S_IFDIR = 0o040000;

export const opendir: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.open, 'OPENDIR');
  const flags = req.buf.readUInt32LE(A);
  const path = nodePath(ctx, req.h.nodeid);
  const r = await run(ctx, req, 'opendir', { path, flags });
  const fh = ctx.handles.add({ kind: 'dir', backendFh: r.fh, nodeId: req.h.nodeid, path, flags });
  // The kernel drops a kept listing on its own changes to the directory.
  const cache = kernelMayKeepCache(ctx);
  const len = O + encodeOpenOut(req.buf, O, fh, cache ? FopenFlag.KEEP_CACHE | FopenFlag.CACHE_DIR : 0);
  encodeOutHeader(req.buf, len, 0);
  return len;
};

function dirHandle(ctx: SessionContext, fh: number): FileHandle {
  const h = ctx.handles.get(fh);
  if (h === undefined || h.kind !== 'dir') throw new FsError('EBADF');
  return h;
}

/** The listing with '.' and '..' first; offset N means "continue at entry N". */
async function listing(ctx: SessionContext, req: Req, h: FileHandle, offset: number): Promise<DirEntry[]> {
  if (h.entries !== undefined && offset !== 0) return h.entries;
  const path = handlePath(ctx, h);
  const entries = await run(ctx, req, 'readdir', { path, fh: h.backendFh });
  const self = { name: '.', type: S_IFDIR, ino: 1n };
  h.entries = [self, { name: '..', type: S_IFDIR, ino: 1n }, ...entries];
  return h.entries;
}

async function entryAttr(ctx: SessionContext, req: Req, h: FileHandle, e: DirEntry): Promise<Attr | undefined> {
  if (e.attr) return e.attr;
  const dir = handlePath(ctx, h);
  try {
    return await run(ctx, req, 'lookup', { path: dir === '/' ? `/${e.name}` : `${dir}/${e.name}` });
  } catch {
    return undefined; // vanished since the listing was taken: leave it out
  }
}

function readdirHandler(plus: boolean): Handler {
  return async (ctx, req) => {
    requireArgs(req.h, A, ArgSize.read, plus ? 'READDIRPLUS' : 'READDIR');
    const b = req.buf;
    const h = dirHandle(ctx, readU64(b, A));
    const offset = readU64(b, A + 8);
    const size = Math.min(b.readUInt32LE(A + 16), req.capacity - O);
    const entries = await listing(ctx, req, h, offset);
    let pos = O;
    const end = O + size;
    for (let i = offset; i < entries.length; i++) {
      const e = entries[i]!;
      const name = encodeName(e.name);
      const need = direntSize(name.length) + (plus ? ENTRY_OUT_SIZE : 0);
      if (pos + need > end) break;
      let ino = e.attr?.ino ?? e.ino;
      if (plus) {
        const dots = e.name === '.' || e.name === '..';
        const attr = dots ? undefined : await entryAttr(ctx, req, h, e);
        if (!dots && attr === undefined) continue;
        if (attr) {
          ino = attr.ino;
          // A READDIRPLUS entry counts as a LOOKUP for the kernel.
          const alias = await sameInodeNode(ctx, req, { parent: h.nodeId, name: e.name }, attr);
          const id = ctx.nodes.lookedUp(h.nodeId, e.name, attr.ino, alias);
          encodeEntryOut(b, pos, id, attr, ctx.times);
        } else b.fill(0, pos, pos + ENTRY_OUT_SIZE);
        pos += ENTRY_OUT_SIZE;
      }
      pos += encodeDirent(b, pos, ino, i + 1, (e.type >> 12) & 0xf, name);
    }
    encodeOutHeader(b, pos, 0);
    return pos;
  };
}

export const readdir = readdirHandler(false);
export const readdirplus = readdirHandler(true);

export const releasedir: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.release, 'RELEASEDIR');
  const h = ctx.handles.remove(readU64(req.buf, A));
  if (h !== undefined) await run(ctx, req, 'releasedir', { path: handlePath(ctx, h), fh: h.backendFh });
  return replyEmpty(req);
};

export const fsyncdir: Handler = async (ctx, req) => {
  requireArgs(req.h, A, ArgSize.fsync, 'FSYNCDIR');
  const h = dirHandle(ctx, readU64(req.buf, A));
  const datasync = (req.buf.readUInt32LE(A + 8) & FUSE_FSYNC_FDATASYNC) !== 0;
  await run(ctx, req, 'fsyncdir', { path: handlePath(ctx, h), fh: h.backendFh, datasync });
  return replyEmpty(req);
};
