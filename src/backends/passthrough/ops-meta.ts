import fs from 'node:fs/promises';
import { FsError } from '../../vfs/errors.js';
import { encodeName } from '../../vfs/names.js';
import type { Attr, OpCall, StatFs } from '../../vfs/types.js';
import { faccessat, futimens, utimensat } from '../../sys/at-calls.js';
import { fstatfs } from '../../sys/file-calls.js';
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW } from '../../sys/constants.js';
import { toAttr } from './attr.js';
import { withRef } from './confine.js';
import type { PassthroughContext } from './context.js';
import type { MetaIoPolicy } from '../../sys/libc.js';
import { fdChmod, fdChown, fdStat, fdTruncate, pathIo } from './fd-io.js';
import { statxAt } from '../../sys/statx.js';

/** lstat of a path: the root through its fd, anything else through its parent (no follow). */
export async function statPath(ctx: PassthroughContext, path: string): Promise<Attr> {
  if (path === '/') return toAttr(await fdStat(ctx.io, ctx.confine.rootFd));
  return withRef(ctx.confine.parent(path), (p) => statxAt(ctx.io, p.dirfd, p.name));
}

export function createMetaOps(ctx: PassthroughContext) {
  return {
    lookup: (call: OpCall<'lookup'>) => statPath(ctx, call.args.path),

    // The backend keeps no per-node state: nothing to forget.
    forget: async (): Promise<void> => {},

    async getattr(call: OpCall<'getattr'>): Promise<Attr> {
      const file = call.args.fh === undefined ? undefined : ctx.handles.get(call.args.fh);
      // After unlink the path is gone but the open file is not: prefer the fd when there is one.
      if (file !== undefined) return toAttr(await fdStat(ctx.io, file.fd));
      return statPath(ctx, call.args.path);
    },

    async setattr(call: OpCall<'setattr'>): Promise<Attr> {
      const a = call.args;
      const file = a.fh === undefined ? undefined : ctx.handles.get(a.fh);
      if (file !== undefined && file.kind === 'file') return setattrFd(ctx.io, file.fd, a);
      return withRef(ctx.confine.node(a.path), (n) => setattrNode(ctx.io, n.fd, n.proc, a));
    },

    async readlink(call: OpCall<'readlink'>): Promise<string> {
      if (call.args.path === '/') throw new FsError('EINVAL');
      return withRef(ctx.confine.parent(call.args.path), (p) => pathIo.readlink(ctx.io, p.proc));
    },

    async access(call: OpCall<'access'>): Promise<void> {
      if (call.args.path === '/') {
        await faccessat(ctx.io, AT_FDCWD, `/proc/self/fd/${ctx.confine.rootFd}`, call.args.mask, 0);
        return;
      }
      await withRef(ctx.confine.parent(call.args.path), (p) =>
        faccessat(ctx.io, p.dirfd, p.name, call.args.mask, AT_SYMLINK_NOFOLLOW),
      );
    },

    async statfs(call: OpCall<'statfs'>): Promise<StatFs> {
      const s = await withRef(ctx.confine.node(call.args.path), (n) => fstatfs(ctx.io, n.fd));
      const { blocks, bfree, bavail, files, ffree, bsize, namelen, frsize } = s;
      return { blocks, bfree, bavail, files, ffree, bsize, namelen, frsize };
    },
  };
}

type SetattrArgs = OpCall<'setattr'>['args'];

/**
 * Order matters: chown clears set-user/group-ID bits, so a mode given in the same request is
 * applied after it; truncate comes first so that an explicit mtime wins over the one it sets.
 */
async function setattrFd(io: MetaIoPolicy, fd: number, a: SetattrArgs): Promise<Attr> {
  if (a.size !== undefined) await fdTruncate(fd, a.size);
  if (a.uid !== undefined || a.gid !== undefined) await fdChown(io, fd, a.uid ?? -1, a.gid ?? -1);
  if (a.mode !== undefined) await fdChmod(io, fd, a.mode & 0o7777);
  if (a.atime !== undefined || a.mtime !== undefined) await futimens(io, fd, a.atime, a.mtime);
  return toAttr(await fdStat(io, fd));
}

async function setattrNode(
  io: MetaIoPolicy,
  fd: number,
  proc: string,
  a: SetattrArgs,
): Promise<Attr> {
  // `proc` names exactly the inode held by `fd`: none of these calls can follow a symlink that a
  // racing rename put in place of the file (a symlink is changed itself, or refused).
  if (a.size !== undefined) await fs.truncate(encodeName(proc), a.size);
  if (a.uid !== undefined || a.gid !== undefined) await pathIo.chown(io, proc, a.uid ?? -1, a.gid ?? -1);
  if (a.mode !== undefined) await pathIo.chmod(io, proc, a.mode & 0o7777);
  if (a.atime !== undefined || a.mtime !== undefined) {
    await utimensat(io, AT_FDCWD, proc, { atime: a.atime, mtime: a.mtime }, 0);
  }
  return toAttr(await fdStat(io, fd));
}
