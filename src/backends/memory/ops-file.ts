import { FsError } from '../../vfs/errors.js';
import type { Caller, OpArgsMap, OpenResult } from '../../vfs/types.js';
import { O_ACCMODE, O_APPEND, O_EXCL, O_RDONLY, O_TRUNC, S_IFREG } from './constants.js';
import type { Inode } from './inode.js';
import { toAttr } from './inode.js';
import { addNode } from './ops-namespace.js';
import type { BackendOps, FsState } from './state.js';
import { fileOf, killPrivileges, markAccessed, readableHandle, writableHandle } from './state.js';

type FileOps = 'open' | 'create' | 'read' | 'write' | 'flush' | 'fsync' | 'release';

/** Open an existing inode: the checks and the O_TRUNC the kernel leaves to the filesystem. */
function openNode(state: FsState, node: Inode, flags: number): OpenResult {
  const writing = (flags & O_ACCMODE) !== O_RDONLY;
  if (node.kind === 'dir' && writing) throw new FsError('EISDIR');
  // The kernel follows symlinks before it opens; one reaching us means O_NOFOLLOW semantics.
  if (node.kind === 'symlink') throw new FsError('ELOOP');
  if (node.kind === 'file' && writing && (flags & O_TRUNC) !== 0) {
    node.data.truncate(0);
    state.tree.touch(node, true);
  }
  return { fh: state.handles.open(node, flags).fh };
}

function write(state: FsState, args: OpArgsMap['write'], caller: Caller): number {
  const handle = writableHandle(state, args.fh);
  const node = fileOf(handle);
  if (args.offset < 0) throw new FsError('EINVAL');
  // O_APPEND is decided here, against the size we hold, not the kernel's possibly stale one.
  // The request's flags are the file's current ones (fcntl F_SETFL may have set O_APPEND);
  // in-process callers may leave them 0, so the flags given at open count too.
  const append = ((args.flags | handle.flags) & O_APPEND) !== 0;
  const offset = append ? node.data.size : args.offset;
  const written = node.data.write(args.buffer, offset);
  if (written > 0) {
    state.tree.touch(node, true);
    if (caller.uid !== 0) killPrivileges(node);
  }
  return written;
}

export function createFileOps(state: FsState): BackendOps<FileOps> {
  const { tree, handles, locks } = state;
  return {
    async open({ args }) {
      return openNode(state, tree.resolve(args.path), args.flags);
    },
    async create({ args, caller }) {
      const existing = tree.get(args.path);
      if (existing !== undefined) {
        if ((args.flags & O_EXCL) !== 0) throw new FsError('EEXIST');
        if (existing.kind === 'dir') throw new FsError('EISDIR');
        const opened = openNode(state, existing, args.flags);
        return { ...opened, attr: toAttr(existing) };
      }
      const mode = S_IFREG | (args.mode & 0o7777 & ~args.umask);
      const node = addNode(state, args.path, { mode, caller });
      return { fh: handles.open(node, args.flags).fh, attr: toAttr(node) };
    },
    async read({ args }) {
      const node = fileOf(readableHandle(state, args.fh));
      if (args.offset < 0) throw new FsError('EINVAL');
      const n = node.data.read(args.buffer, args.offset);
      markAccessed(state, node);
      return n;
    },
    write: async ({ args, caller }) => write(state, args, caller),
    async flush({ args }) {
      const { node } = handles.get(args.fh);
      locks.dropOwner(node.ino, args.lockOwner);
    },
    async fsync({ args }) {
      handles.get(args.fh);
    },
    async release({ args }) {
      const handle = handles.close(args.fh);
      if (handle !== undefined) locks.dropHandle(handle.node.ino, args.fh);
    },
  };
}
