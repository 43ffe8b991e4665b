import { O_CREAT, O_EXCL, O_TRUNC } from '../../sys/constants.js';
import { FsError } from '../../vfs/errors.js';
import { displayName } from '../../vfs/names.js';
import { backingOpenFlags, nodePath, run } from '../session/context.js';
import type { Req, SessionContext } from '../session/context.js';
import type { FileHandle } from '../session/handles.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const REOPEN_STRIP = O_CREAT | O_EXCL | O_TRUNC;

/**
 * The handle for a kernel fh. A handle this process never issued (a predecessor's, after a
 * restart) is reopened lazily from the node and the open flags carried by the request, and only
 * if it is still the file the node was.
 */
export async function fileHandle(
  ctx: SessionContext,
  req: Req,
  fh: number,
  flags: number,
): Promise<FileHandle> {
  const h = ctx.handles.get(fh);
  if (h !== undefined) return h;
  if (!ctx.handles.isForeign(fh)) throw new FsError('EBADF');
  const path = nodePath(ctx, req.h.nodeid);
  const backingFlags = backingOpenFlags(ctx, flags & ~REOPEN_STRIP);
  return reopenForeign(ctx, req, { fh, path, flags, backingFlags });
}

/**
 * Reopen a handle a predecessor issued (crash custody), by the node's path and the open flags the
 * kernel sends with the request.
 *
 * The server opens as itself (root, for a privileged one), so the reopen is only as good as its
 * target: the kernel checked permissions when the app opened the file, for that inode, and the
 * flags say for which access. The path may lead elsewhere by now (the file renamed or replaced
 * while no server ran, a name reused), and the reopened file is accepted only if it is the
 * inode the node was looked up as; anything else is ESTALE, never a file the app never opened.
 * Mode bits are deliberately not checked against the request's caller: an open file keeps its
 * access after a chmod, across a setuid() and in another process it was passed to.
 */
async function reopenForeign(
  ctx: SessionContext,
  req: Req,
  open: { fh: number; path: string; flags: number; backingFlags: number },
): Promise<FileHandle> {
  const node = ctx.nodes.get(req.h.nodeid);
  const opened = await run(ctx, req, 'open', { path: open.path, flags: open.backingFlags });
  const attr = await run(ctx, req, 'getattr', { path: open.path, fh: opened.fh }).catch(
    () => undefined,
  );
  if (attr === undefined || attr.ino !== node?.ino || (attr.mode & S_IFMT) !== S_IFREG) {
    await run(ctx, req, 'release', {
      path: open.path,
      fh: opened.fh,
      flags: open.backingFlags,
    }).catch((err: unknown) =>
      ctx.logger.warn(
        { err, path: displayName(open.path) },
        'release after a refused reopen failed',
      ),
    );
    ctx.logger.warn(
      {
        fh: open.fh,
        path: displayName(open.path),
        expected: String(node?.ino),
        found: String(attr?.ino),
      },
      'refused to reopen a handle of a previous server: the path leads to another file now',
    );
    throw new FsError('ESTALE');
  }
  const adopted: FileHandle = {
    kind: 'file',
    backendFh: opened.fh,
    nodeId: req.h.nodeid,
    path: open.path,
    flags: open.flags,
  };
  ctx.handles.adopt(open.fh, adopted);
  ctx.logger.info(
    { fh: open.fh, path: displayName(open.path) },
    'reopened a handle of a previous server',
  );
  return adopted;
}
