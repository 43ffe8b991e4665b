import { O_CLOEXEC, O_CREAT, O_DIRECT, O_EXCL, O_NOCTTY, O_NOFOLLOW } from '../../sys/constants.js';
import { withRef } from './confine.js';
import type { PassthroughContext } from './context.js';
import { fdOpen } from './fd-io.js';

/**
 * Flags for the backing open. O_DIRECT is dropped because Node's Buffers are not aligned (EINVAL
 * on the first read; the kernel's own page cache for the FUSE file is governed by the engine),
 * O_CREAT/O_EXCL because creation is the `create` op's business, O_NOCTTY because it is
 * meaningless here. O_NOFOLLOW refuses a symlink raced into place of the file.
 */
export function backingFlags(flags: number): number {
  return (flags & ~(O_DIRECT | O_CREAT | O_EXCL | O_NOCTTY)) | O_NOFOLLOW | O_CLOEXEC;
}

/** Open an existing object (file or directory) of the volume with backing flags. */
export function openPath(ctx: PassthroughContext, path: string, flags: number): Promise<number> {
  if (path === '/') {
    // The root is reached through its own fd's magic link, which O_NOFOLLOW would refuse.
    return fdOpen(ctx.io, `/proc/self/fd/${ctx.confine.rootFd}`, backingFlags(flags) & ~O_NOFOLLOW);
  }
  return withRef(ctx.confine.parent(path), (p) => fdOpen(ctx.io, p.proc, backingFlags(flags)));
}
