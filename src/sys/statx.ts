import type { Attr } from '../vfs/types.js';
import { STATX_BASIC_STATS, STATX_SIZE, decodeStatx } from './statx-decode.js';
import { encodeNameZ as z } from '../vfs/names.js';
import { AT_SYMLINK_NOFOLLOW } from './constants.js';
import { callAsync, callSync, lib, settled } from './libc.js';
import type { MetaIoPolicy } from './libc.js';

export { decodeStatx, makedev } from './statx-decode.js';

/**
 * statx(2) of one name in an open directory, without following a final symlink: the attributes
 * of a LOOKUP. Node has no fstatat, and its lstat of `/proc/self/fd/N/name` costs a walk through
 * /proc and a BigIntStats object of 18 BigInts per call; this is one system call into a reused
 * buffer (3.9 -> 2.0 µs a call in a loop, docs/performance.md step 24). struct statx has one
 * layout on every architecture (unlike struct stat).
 */
const statxCall = lib.func(
  'int statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf)',
);

/** An inline call's buffer: the call and its decoding run without a turn of the event loop. */
const shared = Buffer.alloc(STATX_SIZE);

/** The attributes of `name` in the directory `dirfd` (a plain name: no slash, never followed). */
export function statxAt(io: MetaIoPolicy, dirfd: number, name: string): Promise<Attr> {
  const path = z(name);
  if (io.inline) {
    return settled(() => {
      callSync(statxCall, 'statx', dirfd, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, shared);
      return decodeStatx(shared);
    });
  }
  const buf = Buffer.alloc(STATX_SIZE);
  return callAsync(
    statxCall,
    'statx',
    dirfd,
    path,
    AT_SYMLINK_NOFOLLOW,
    STATX_BASIC_STATS,
    buf,
  ).then(() => decodeStatx(buf));
}
