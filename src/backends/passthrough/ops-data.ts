import type { OpCall } from '../../vfs/types.js';
import { copyFileRange, fallocate, lseek } from '../../sys/file-calls.js';
import { O_RDWR } from '../../sys/constants.js';
import type { PassthroughContext } from './context.js';
import { fileFor } from './ops-file.js';

/** Data-layout ops that Node lacks: fallocate modes, SEEK_DATA/SEEK_HOLE, copy_file_range. */
export function createDataOps(ctx: PassthroughContext) {
  return {
    async fallocate(call: OpCall<'fallocate'>): Promise<void> {
      const a = call.args;
      // A predecessor's handle is reopened for writing: fallocate needs a writable fd.
      const file = await fileFor(ctx, a.fh, { path: a.path, flags: O_RDWR });
      await fallocate(file.fd, a.mode, { offset: a.offset, length: a.length });
    },

    async lseek(call: OpCall<'lseek'>): Promise<number> {
      const a = call.args;
      const file = await fileFor(ctx, a.fh, a);
      return lseek(ctx.io, file.fd, a.offset, a.whence);
    },

    async copyFileRange(call: OpCall<'copyFileRange'>): Promise<number> {
      const a = call.args;
      const src = await fileFor(ctx, a.fh, a);
      const dst = await fileFor(ctx, a.fhOut, { path: a.newPath, flags: O_RDWR });
      // In-kernel copy (reflink or server-side copy where the filesystem can): the bytes never
      // pass through this process.
      return copyFileRange(
        { fd: src.fd, offset: a.offset },
        { fd: dst.fd, offset: a.offsetOut },
        a.length,
        a.flags,
      );
    },
  };
}
