import type { DirEntry, OpCall, OpenResult } from '../../vfs/types.js';
import { readAllDirents } from '../../sys/getdents.js';
import { O_DIRECTORY, O_RDONLY } from '../../sys/constants.js';
import type { PassthroughContext } from './context.js';
import { fdClose, fdSync } from './fd-io.js';
import { attachAttrs } from './dir-attrs.js';
import { openPath } from './open-path.js';

export function createDirOps(ctx: PassthroughContext) {
  const dirFd = async (fh: number, path: string): Promise<{ fd: number; temporary: boolean }> => {
    const file = ctx.handles.get(fh);
    if (file !== undefined) return { fd: file.fd, temporary: false };
    return { fd: await openPath(ctx, path, O_RDONLY | O_DIRECTORY), temporary: true };
  };
  // One listing at a time per handle: the listing rewinds and reads the shared fd offset.
  const inFlight = new Map<number, Promise<DirEntry[]>>();
  const list = async (fh: number, path: string): Promise<DirEntry[]> => {
    const dir = await dirFd(fh, path);
    try {
      const raw = await readAllDirents(ctx.io, dir.fd);
      const entries = raw.map((e): DirEntry => ({ name: e.name, ino: e.ino, type: e.dtype << 12 }));
      return ctx.readdirAttrs ? await attachAttrs(ctx.io, dir.fd, entries) : entries;
    } finally {
      if (dir.temporary) await fdClose(ctx.io, dir.fd);
    }
  };
  return {
    async opendir(call: OpCall<'opendir'>): Promise<OpenResult> {
      const { path } = call.args;
      const fd = await openPath(ctx, path, O_RDONLY | O_DIRECTORY);
      return { fh: ctx.handles.add({ fd, path, flags: O_RDONLY | O_DIRECTORY, kind: 'dir' }) };
    },

    readdir(call: OpCall<'readdir'>): Promise<DirEntry[]> {
      const { fh, path } = call.args;
      const running = inFlight.get(fh);
      if (running !== undefined) return running;
      const p = list(fh, path).finally(() => inFlight.delete(fh));
      inFlight.set(fh, p);
      return p;
    },

    async releasedir(call: OpCall<'releasedir'>): Promise<void> {
      const file = ctx.handles.take(call.args.fh);
      if (file !== undefined) await fdClose(ctx.io, file.fd);
    },

    async fsyncdir(call: OpCall<'fsyncdir'>): Promise<void> {
      const dir = await dirFd(call.args.fh, call.args.path);
      try {
        await fdSync(dir.fd, call.args.datasync);
      } finally {
        if (dir.temporary) await fdClose(ctx.io, dir.fd);
      }
    },
  };
}
