import { FsError } from '../../../src/vfs/errors.js';
import type { Attr, Backend, Caller, FsOp, OpArgsMap, OpCall } from '../../../src/vfs/types.js';

/**
 * A small in-memory backend for the observability tests: files are byte arrays, directories a
 * set. Enough to drive open/read/write/release/mkdir/rmdir/getattr with real results and errors.
 */
export function createTinyBackend(): Backend & { files: Map<string, Buffer>; dirs: Set<string> } {
  const files = new Map<string, Buffer>();
  const dirs = new Set<string>(['/']);
  let nextFh = 1;
  const attr = (path: string): Attr => {
    const data = files.get(path);
    if (data === undefined && !dirs.has(path)) throw new FsError('ENOENT');
    const ino = BigInt(Math.abs([...path].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) | 0, 7)));
    return {
      ino,
      size: data?.length ?? 0,
      blocks: 0,
      atimeNs: 0n,
      mtimeNs: 0n,
      ctimeNs: 0n,
      mode: data === undefined ? 0o40755 : 0o100644,
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: 0,
      blksize: 4096,
    };
  };
  return {
    name: 'tiny',
    files,
    dirs,
    getattr: async (c) => attr(c.path),
    lookup: async (c) => attr(c.path),
    open: async (c) => {
      if (!files.has(c.path)) throw new FsError('ENOENT');
      return { fh: nextFh++ };
    },
    create: async (c) => {
      files.set(c.path, Buffer.alloc(0));
      return { fh: nextFh++, attr: attr(c.path) };
    },
    read: async (c) => {
      const data = files.get(c.path);
      if (data === undefined) throw new FsError('EBADF');
      return data.copy(c.args.buffer, 0, c.args.offset, c.args.offset + c.args.buffer.length);
    },
    write: async (c) => {
      const old = files.get(c.path) ?? Buffer.alloc(0);
      const end = c.args.offset + c.args.buffer.length;
      const next = Buffer.alloc(Math.max(old.length, end));
      old.copy(next);
      c.args.buffer.copy(next, c.args.offset);
      files.set(c.path, next);
      return c.args.buffer.length;
    },
    release: async () => undefined,
    flush: async () => undefined,
    mkdir: async (c) => {
      if (dirs.has(c.path)) throw new FsError('EEXIST');
      dirs.add(c.path);
      return attr(c.path);
    },
    rmdir: async (c) => {
      if (!dirs.delete(c.path)) throw new FsError('ENOENT');
    },
    unlink: async (c) => {
      if (!files.delete(c.path)) throw new FsError('ENOENT');
    },
  };
}

export const defaultCaller: Caller = { pid: 4242, uid: 1000, gid: 1000 };

export function opCall<O extends FsOp>(
  op: O,
  args: OpArgsMap[O],
  caller = defaultCaller,
): OpCall<O> {
  return { op, path: args.path, args, caller, signal: new AbortController().signal };
}
