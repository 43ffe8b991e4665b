import { FsError } from '../../vfs/errors.js';
import { nameByteLength } from '../../vfs/names.js';
import type { OpArgsMap } from '../../vfs/types.js';
import { XATTR_CREATE, XATTR_REPLACE } from './constants.js';
import type { Inode } from './inode.js';
import { xattrCost } from './inode.js';
import type { BackendOps, FsState } from './state.js';

type XattrOps = 'setxattr' | 'getxattr' | 'listxattr' | 'removexattr';

/** Linux limits: XATTR_NAME_MAX and XATTR_SIZE_MAX. */
const NAME_MAX = 255;
const VALUE_MAX = 64 * 1024;

/**
 * Namespaces we store. `system.*` holds POSIX ACLs and the like, which this backend does not
 * implement: answering EOPNOTSUPP tells tools (cp -a, tar) that the filesystem has no ACLs rather
 * than storing ACLs that would never be enforced.
 */
const NAMESPACES = ['user.', 'trusted.', 'security.'];

function checkName(name: string): void {
  const length = nameByteLength(name);
  if (length === 0 || length > NAME_MAX) throw new FsError('ERANGE');
  if (!NAMESPACES.some((ns) => name.startsWith(ns) && name.length > ns.length))
    throw new FsError('EOPNOTSUPP');
}

function checkSet(node: Inode, args: OpArgsMap['setxattr'], old: Buffer | undefined): void {
  checkName(args.name);
  if (args.value.length > VALUE_MAX) throw new FsError('E2BIG');
  // Linux keeps user.* off symlinks and device nodes (their permission bits mean nothing).
  const plain = node.kind === 'file' || node.kind === 'dir';
  if (args.name.startsWith('user.') && !plain) throw new FsError('EPERM');
  if (old !== undefined && (args.flags & XATTR_CREATE) !== 0) throw new FsError('EEXIST');
  if (old === undefined && (args.flags & XATTR_REPLACE) !== 0) throw new FsError('ENODATA');
}

function setxattr(state: FsState, node: Inode, args: OpArgsMap['setxattr']): void {
  const old = node.xattrs?.get(args.name);
  checkSet(node, args, old);
  const value = Buffer.from(args.value);
  const { budget } = state.tree;
  budget.chargeBytes(xattrCost(args.name, value));
  if (old !== undefined) budget.releaseBytes(xattrCost(args.name, old));
  node.xattrs ??= new Map();
  node.xattrs.set(args.name, value);
  state.tree.touch(node, false);
}

export function createXattrOps(state: FsState): BackendOps<XattrOps> {
  const { tree } = state;
  return {
    async setxattr({ args }) {
      setxattr(state, tree.resolve(args.path), args);
    },
    async getxattr({ args }) {
      const node = tree.resolve(args.path);
      checkName(args.name);
      const value = node.xattrs?.get(args.name);
      if (value === undefined) throw new FsError('ENODATA');
      return Buffer.from(value);
    },
    async listxattr({ args }) {
      return [...(tree.resolve(args.path).xattrs?.keys() ?? [])];
    },
    async removexattr({ args }) {
      const node = tree.resolve(args.path);
      checkName(args.name);
      const value = node.xattrs?.get(args.name);
      if (value === undefined) throw new FsError('ENODATA');
      node.xattrs!.delete(args.name);
      tree.budget.releaseBytes(xattrCost(args.name, value));
      tree.touch(node, false);
    },
  };
}
