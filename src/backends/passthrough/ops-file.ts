import { displayName } from '../../vfs/names.js';
import type { CreateResult, OpCall, OpenResult } from '../../vfs/types.js';
import {
  O_CLOEXEC,
  O_CREAT,
  O_DIRECT,
  O_EXCL,
  O_NOCTTY,
  O_NOFOLLOW,
  O_RDONLY,
} from '../../sys/constants.js';
import { createMode, inheritedMode } from './acl.js';
import { toAttr } from './attr.js';
import { withRef } from './confine.js';
import type { PassthroughContext } from './context.js';
import { fdChmod, fdChown, fdClose, fdOpen, fdRead, fdStat, fdSync, fdWriteAll, pathIo } from './fd-io.js';
import type { OpenFile } from './handles.js';
import { openPath } from './open-path.js';

function opened(
  ctx: PassthroughContext,
  file: OpenFile,
  passthrough: boolean | undefined,
): OpenResult {
  const fh = ctx.handles.add(file);
  return passthrough === true ? { fh, backingFd: file.fd } : { fh };
}

/**
 * The open file behind `fh`; a handle this instance never issued (a predecessor's, after a
 * crash) is reopened lazily from the path and the flags the kernel sends with READ and WRITE.
 */
export async function fileFor(
  ctx: PassthroughContext,
  fh: number,
  from: { path: string; flags?: number },
): Promise<OpenFile> {
  const known = ctx.handles.get(fh);
  if (known !== undefined) return known;
  const flags = from.flags ?? O_RDONLY;
  const file: OpenFile = {
    fd: await openPath(ctx, from.path, flags),
    path: from.path,
    flags,
    kind: 'file',
  };
  ctx.handles.adopt(fh, file);
  return file;
}

async function createExclusive(
  ctx: PassthroughContext,
  call: OpCall<'create'>,
): Promise<CreateResult> {
  const a = call.args;
  const base = (a.flags & ~(O_DIRECT | O_NOCTTY)) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  return withRef(ctx.confine.parent(a.path), async (p) => {
    const { mode, inherited } = await createMode(ctx, p.dirfd, a);
    let fd: number;
    try {
      fd = await fdOpen(ctx.io, p.proc, base, mode);
    } catch (err) {
      // Someone else created it since the kernel's lookup: open it as it is, and do not give a
      // file we did not create to the caller.
      if ((a.flags & O_EXCL) !== 0 || (err as { code?: string }).code !== 'EEXIST') throw err;
      fd = await fdOpen(ctx.io, p.proc, base & ~(O_CREAT | O_EXCL));
      const file: OpenFile = { fd, path: a.path, flags: a.flags, kind: 'file' };
      return { ...opened(ctx, file, a.passthrough), attr: toAttr(await fdStat(ctx.io, fd)) };
    }
    try {
      await ctx.ownership.adopt(
        { dirfd: p.dirfd, chown: (u, g) => fdChown(ctx.io, fd, u, g), chmod: (m) => fdChmod(ctx.io, fd, m) },
        call.caller,
        inherited ? inheritedMode(Number((await fdStat(ctx.io, fd)).mode), mode) : mode,
      );
      const attr = toAttr(await fdStat(ctx.io, fd));
      const file: OpenFile = { fd, path: a.path, flags: a.flags, kind: 'file' };
      return { ...opened(ctx, file, a.passthrough), attr };
    } catch (err) {
      // Keep create atomic: no half-owned file is left behind.
      await fdClose(ctx.io, fd);
      await pathIo.unlink(ctx.io, p.proc).catch((cleanup: unknown) => {
        ctx.log?.warn({ err: cleanup, path: displayName(a.path) }, 'could not remove a half-created file');
      });
      throw err;
    }
  });
}

export function createFileOps(ctx: PassthroughContext) {
  return {
    async open(call: OpCall<'open'>): Promise<OpenResult> {
      const { path, flags } = call.args;
      const fd = await openPath(ctx, path, flags);
      return opened(ctx, { fd, path, flags, kind: 'file' }, call.args.passthrough);
    },

    create: (call: OpCall<'create'>) => createExclusive(ctx, call),

    read(call: OpCall<'read'>): Promise<number> {
      const a = call.args;
      const file = ctx.handles.get(a.fh);
      if (file !== undefined) return fdRead(file.fd, a.buffer, a.offset);
      return fileFor(ctx, a.fh, a).then((f) => fdRead(f.fd, a.buffer, a.offset));
    },

    write(call: OpCall<'write'>): Promise<number> {
      const a = call.args;
      const file = ctx.handles.get(a.fh);
      if (file !== undefined) return fdWriteAll(file.fd, a.buffer, a.offset);
      return fileFor(ctx, a.fh, a).then((f) => fdWriteAll(f.fd, a.buffer, a.offset));
    },

    async flush(call: OpCall<'flush'>): Promise<void> {
      // close(2) of any fd drops the closing process's POSIX locks on the file: the kernel tells
      // us with FLUSH and the lock owner, since it keeps no local record of server-side locks.
      const file = ctx.handles.get(call.args.fh);
      if (file !== undefined) await ctx.locks.releaseOwner(file, call.args.lockOwner);
    },

    async fsync(call: OpCall<'fsync'>): Promise<void> {
      const file = await fileFor(ctx, call.args.fh, call.args);
      await fdSync(file.fd, call.args.datasync);
    },

    async release(call: OpCall<'release'>): Promise<void> {
      // An unknown handle (a predecessor's, never reopened) has nothing to close.
      const file = ctx.handles.take(call.args.fh);
      if (file === undefined) return;
      await ctx.locks.fileClosed(file);
      await fdClose(ctx.io, file.fd);
    },
  };
}
