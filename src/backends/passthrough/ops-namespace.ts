import type { Attr, Caller, OpCall } from '../../vfs/types.js';
import { fchmodat, mknodat, renameat2 } from '../../sys/at-calls.js';
import { AT_SYMLINK_NOFOLLOW } from '../../sys/constants.js';
import { createMode, inheritedMode } from './acl.js';
import type { ParentRef } from './confine.js';
import { withRef } from './confine.js';
import type { PassthroughContext } from './context.js';
import { pathIo } from './fd-io.js';
import { statxAt } from '../../sys/statx.js';

/** Give the new object at `p` to the caller (see ownership.ts), then report its attributes. */
async function finishCreate(
  ctx: PassthroughContext,
  p: ParentRef,
  caller: Caller,
  made: { mode: number | undefined; inherited?: boolean; isDir?: boolean },
): Promise<Attr> {
  const mode =
    made.inherited === true && made.mode !== undefined
      ? inheritedMode((await statxAt(ctx.io, p.dirfd, p.name)).mode, made.mode)
      : made.mode;
  await ctx.ownership.adopt(
    {
      dirfd: p.dirfd,
      isDir: made.isDir ?? false,
      chown: (uid, gid) => pathIo.lchown(ctx.io, p.proc, uid, gid),
      ...(mode === undefined
        ? {}
        : { chmod: (m: number) => fchmodat(ctx.io, p.dirfd, p.name, m, AT_SYMLINK_NOFOLLOW) }),
    },
    caller,
    mode,
  );
  return statxAt(ctx.io, p.dirfd, p.name);
}

export function createNamespaceOps(ctx: PassthroughContext) {
  const inParent = <T>(path: string, fn: (p: ParentRef) => Promise<T>): Promise<T> =>
    withRef(ctx.confine.parent(path), fn);
  // The two ops that can move or remove a directory: cached directory fds at and below the
  // paths they name are dropped (confine.ts, dir-cache.ts). Every other op either creates a
  // new name (EEXIST over a directory) or fails on a directory (unlink: EISDIR).
  const changing = async <T>(paths: readonly string[], run: () => Promise<T>): Promise<T> => {
    const change = ctx.confine.changing(paths);
    try {
      return await run();
    } finally {
      change.end();
    }
  };
  return {
    mkdir: (call: OpCall<'mkdir'>) =>
      inParent(call.args.path, async (p) => {
        const { mode, inherited } = await createMode(ctx, p.dirfd, call.args);
        await pathIo.mkdir(ctx.io, p.proc, mode);
        return finishCreate(ctx, p, call.caller, { mode, inherited, isDir: true });
      }),

    mknod: (call: OpCall<'mknod'>) =>
      inParent(call.args.path, async (p) => {
        const c = await createMode(ctx, p.dirfd, call.args);
        const type = call.args.mode & 0o170000;
        await mknodat(ctx.io, p.dirfd, p.name, type | c.mode, call.args.rdev);
        return finishCreate(ctx, p, call.caller, { mode: c.mode, inherited: c.inherited });
      }),

    symlink: (call: OpCall<'symlink'>) =>
      inParent(call.args.path, async (p) => {
        // The target is stored verbatim and never followed by the backend: the kernel resolves
        // it on the client side, relative to the client's view of the mount.
        await pathIo.symlink(ctx.io, call.args.target, p.proc);
        return finishCreate(ctx, p, call.caller, { mode: undefined });
      }),

    link: (call: OpCall<'link'>) =>
      inParent(call.args.path, (from) =>
        inParent(call.args.newPath, async (to) => {
          // link(2) never follows a symlink at the old path on Linux: the link is to the symlink.
          await pathIo.link(ctx.io, from.proc, to.proc);
          return statxAt(ctx.io, to.dirfd, to.name);
        }),
      ),

    unlink: (call: OpCall<'unlink'>) =>
      inParent(call.args.path, (p) => pathIo.unlink(ctx.io, p.proc)),

    rmdir: (call: OpCall<'rmdir'>) =>
      changing([call.args.path], () =>
        inParent(call.args.path, (p) => pathIo.rmdir(ctx.io, p.proc)),
      ),

    // Both ends: the source moves away, and the target (a directory renamed over, or exchanged
    // with RENAME_EXCHANGE) is replaced.
    rename: (call: OpCall<'rename'>) =>
      changing([call.args.path, call.args.newPath], () =>
        inParent(call.args.path, (from) =>
          inParent(call.args.newPath, (to) =>
            renameat2(
              ctx.io,
              { dirfd: from.dirfd, name: from.name },
              { dirfd: to.dirfd, name: to.name },
              call.args.flags,
            ),
          ),
        ),
      ),
  };
}
