import { FsError } from '../../vfs/errors.js';
import { nameByteLength } from '../../vfs/names.js';
import type { Attr, Caller } from '../../vfs/types.js';
import {
  LINK_MAX,
  MODE_BITS,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from './constants.js';
import type { DirInode, Inode } from './inode.js';
import { toAttr } from './inode.js';
import type { BackendOps, FsState } from './state.js';
import { checkSticky } from './state.js';
import type { NewNode } from './tree.js';

type NamespaceOps = 'mknod' | 'mkdir' | 'symlink' | 'link' | 'unlink' | 'rmdir';

/** Longest symlink target, as PATH_MAX. */
const SYMLINK_MAX = 4095;
const MKNOD_TYPES = new Set([0, S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK]);

/** Create a new inode at `path` (EEXIST when taken) and link it into its parent. */
export function addNode(state: FsState, path: string, spec: Omit<NewNode, 'parent'>): Inode {
  const { tree } = state;
  const { parent, name } = tree.parentOf(path);
  if (parent.entries.has(name)) throw new FsError('EEXIST');
  const node = tree.create({ ...spec, parent });
  try {
    tree.attach(parent, name, node);
  } catch (err) {
    node.nlink = 0;
    tree.release(node);
    throw err;
  }
  tree.touch(parent, true);
  return node;
}

/** The entry named by `path` in its parent, for ops that remove it. */
function entryAt(state: FsState, path: string): { parent: DirInode; name: string; node: Inode } {
  const { parent, name } = state.tree.parentOf(path);
  const node = parent.entries.get(name);
  if (node === undefined) throw new FsError('ENOENT');
  return { parent, name, node };
}

/** Remove one name of a non-directory; the inode goes when its last link and handle do. */
export function removeName(state: FsState, path: string, caller: Caller): void {
  const { tree } = state;
  const { parent, name, node } = entryAt(state, path);
  if (node.kind === 'dir') throw new FsError('EISDIR');
  checkSticky(parent, node, caller);
  tree.detach(parent, name);
  node.nlink -= 1;
  tree.touch(node, false);
  tree.touch(parent, true);
  tree.release(node);
}

/** What mknod(2) may create (the kernel's may_mknod): directories EPERM, symlinks and junk EINVAL. */
function checkMknodType(type: number): void {
  if (type === S_IFDIR) throw new FsError('EPERM');
  if (!MKNOD_TYPES.has(type)) throw new FsError('EINVAL');
}

const masked = (mode: number, umask: number): number =>
  (mode & S_IFMT) | (mode & MODE_BITS & ~umask);

export function createNamespaceOps(state: FsState): BackendOps<NamespaceOps> {
  const { tree } = state;
  return {
    async mknod({ args, caller }): Promise<Attr> {
      const mode = masked(args.mode, args.umask);
      checkMknodType(mode & S_IFMT);
      return toAttr(addNode(state, args.path, { mode, caller, rdev: args.rdev }));
    },
    async mkdir({ args, caller }) {
      // vfs_mkdir keeps only permissions and the sticky bit; setgid comes from the parent.
      const mode = S_IFDIR | (args.mode & 0o1777 & ~args.umask);
      return toAttr(addNode(state, args.path, { mode, caller }));
    },
    async symlink({ args, caller }) {
      if (args.target.length === 0) throw new FsError('ENOENT');
      if (nameByteLength(args.target) > SYMLINK_MAX) throw new FsError('ENAMETOOLONG');
      return toAttr(
        addNode(state, args.path, { mode: S_IFLNK | 0o777, caller, target: args.target }),
      );
    },
    async link({ args }) {
      const node = tree.resolve(args.path);
      if (node.kind === 'dir') throw new FsError('EPERM');
      if (node.nlink >= LINK_MAX) throw new FsError('EMLINK');
      const { parent, name } = tree.parentOf(args.newPath);
      if (parent.entries.has(name)) throw new FsError('EEXIST');
      tree.attach(parent, name, node);
      node.nlink += 1;
      tree.touch(node, false);
      tree.touch(parent, true);
      return toAttr(node);
    },
    async unlink({ args, caller }) {
      removeName(state, args.path, caller);
    },
    async rmdir({ args, caller }) {
      if (args.path === '/') throw new FsError('EBUSY');
      const { parent, name, node } = entryAt(state, args.path);
      if (node.kind !== 'dir') throw new FsError('ENOTDIR');
      if (node.entries.size > 0) throw new FsError('ENOTEMPTY');
      checkSticky(parent, node, caller);
      tree.detach(parent, name);
      node.nlink = 0;
      tree.touch(parent, true);
      tree.release(node);
    },
  };
}
