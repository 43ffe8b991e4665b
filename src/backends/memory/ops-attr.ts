import { FsError } from '../../vfs/errors.js';
import type { OpArgsMap, TimeSet } from '../../vfs/types.js';
import { BLOCK_SIZE, MODE_BITS, NAME_MAX, R_OK, S_IFMT, W_OK, X_OK } from './constants.js';
import type { Inode } from './inode.js';
import { toAttr } from './inode.js';
import type { BackendOps, FsState } from './state.js';
import { killPrivileges, nodeOf } from './state.js';

type AttrOps = 'lookup' | 'forget' | 'getattr' | 'setattr' | 'readlink' | 'access' | 'statfs';

function resolveTime(time: TimeSet, now: bigint): bigint {
  return time === 'now' ? now : time;
}

function applySize(node: Inode, size: number): void {
  if (node.kind === 'dir') throw new FsError('EISDIR');
  if (node.kind !== 'file') throw new FsError('EINVAL');
  if (size < 0) throw new FsError('EINVAL');
  node.data.truncate(size);
}

/**
 * Apply a setattr in the order the kernel's own notify_change implies: ownership first (which
 * may clear setuid/setgid), then an explicit mode (which wins), then size, then times. Any
 * change moves ctime; a size change also moves mtime unless the call sets mtime itself.
 */
function applySetattr(node: Inode, args: OpArgsMap['setattr'], now: bigint): void {
  if (args.uid !== undefined || args.gid !== undefined) {
    node.uid = args.uid ?? node.uid;
    node.gid = args.gid ?? node.gid;
    killPrivileges(node);
  }
  if (args.mode !== undefined) node.mode = (node.mode & S_IFMT) | (args.mode & MODE_BITS);
  if (args.size !== undefined) {
    applySize(node, args.size);
    node.mtimeNs = now;
  }
  if (args.atime !== undefined) node.atimeNs = resolveTime(args.atime, now);
  if (args.mtime !== undefined) node.mtimeNs = resolveTime(args.mtime, now);
  node.ctimeNs = args.ctime ?? now;
}

/** The permission bits that apply to `uid`/`gid` for this inode (owner, group or other). */
function permissionClass(node: Inode, uid: number, gid: number): number {
  if (uid === node.uid) return (node.mode >> 6) & 7;
  if (gid === node.gid) return (node.mode >> 3) & 7;
  return node.mode & 7;
}

function checkAccess(node: Inode, mask: number, caller: { uid: number; gid: number }): void {
  if (mask === 0) return;
  if (caller.uid === 0) {
    // root may read and write anything, but execute only what someone may execute.
    const anyExec = (node.mode & 0o111) !== 0 || node.kind === 'dir';
    if ((mask & X_OK) !== 0 && !anyExec) throw new FsError('EACCES');
    return;
  }
  const allowed = permissionClass(node, caller.uid, caller.gid);
  const wanted = mask & (R_OK | W_OK | X_OK);
  if ((allowed & wanted) !== wanted) throw new FsError('EACCES');
}

export function createAttrOps(state: FsState): BackendOps<AttrOps> {
  const { tree } = state;
  return {
    lookup: async ({ args }) => toAttr(tree.resolve(args.path)),
    forget: async () => undefined,
    getattr: async ({ args }) => toAttr(nodeOf(state, args)),
    async setattr({ args }) {
      const node = nodeOf(state, args);
      applySetattr(node, args, tree.clock.nowNs());
      return toAttr(node);
    },
    async readlink({ args }) {
      const node = tree.resolve(args.path);
      if (node.kind !== 'symlink') throw new FsError('EINVAL');
      return node.target;
    },
    async access({ args, caller }) {
      checkAccess(tree.resolve(args.path), args.mask, caller);
    },
    async statfs({ args }) {
      tree.resolve(args.path);
      const { budget } = tree;
      const blocks = Math.floor(budget.limits.maxBytes / BLOCK_SIZE);
      const bfree = Math.max(0, Math.floor(budget.freeBytes() / BLOCK_SIZE));
      return {
        blocks,
        bfree,
        bavail: bfree,
        files: budget.limits.maxInodes,
        ffree: budget.limits.maxInodes - budget.usedInodes,
        bsize: BLOCK_SIZE,
        frsize: BLOCK_SIZE,
        namelen: NAME_MAX,
      };
    },
  };
}
