import { FsError } from '../../vfs/errors.js';
import type { Caller, FsOp, OpCall, OpResultMap } from '../../vfs/types.js';
import { O_ACCMODE, O_RDONLY, O_WRONLY, S_ISGID, S_ISUID, S_ISVTX, S_IXGRP } from './constants.js';
import type { Handle, HandleTable } from './handles.js';
import type { DirInode, FileInode, Inode } from './inode.js';
import type { LockTable } from './locks.js';
import type { Tree } from './tree.js';

/** What every group of ops works on. */
export interface FsState {
  readonly tree: Tree;
  readonly handles: HandleTable;
  readonly locks: LockTable;
}

/** A group of backend ops, all present. */
export type BackendOps<K extends FsOp> = { [O in K]: (call: OpCall<O>) => Promise<OpResultMap[O]> };

/** The inode an op is about: through its handle when it has one, else by path. */
export function nodeOf(state: FsState, args: { path: string; fh?: number }): Inode {
  return args.fh === undefined ? state.tree.resolve(args.path) : state.handles.get(args.fh).node;
}

/** The regular file behind a handle (EISDIR for a directory, EINVAL for anything else). */
export function fileOf(handle: Handle): FileInode {
  if (handle.node.kind === 'file') return handle.node;
  throw new FsError(handle.node.kind === 'dir' ? 'EISDIR' : 'EINVAL');
}

export function readableHandle(state: FsState, fh: number): Handle {
  const handle = state.handles.get(fh);
  if ((handle.flags & O_ACCMODE) === O_WRONLY) throw new FsError('EBADF');
  return handle;
}

export function writableHandle(state: FsState, fh: number): Handle {
  const handle = state.handles.get(fh);
  if ((handle.flags & O_ACCMODE) === O_RDONLY) throw new FsError('EBADF');
  return handle;
}

/**
 * The sticky-bit rule of unlink/rmdir/rename: in a sticky directory only the owner of the entry,
 * the owner of the directory or root may remove it.
 */
export function checkSticky(parent: DirInode, node: Inode, caller: Caller): void {
  if ((parent.mode & S_ISVTX) === 0 || caller.uid === 0) return;
  if (caller.uid !== parent.uid && caller.uid !== node.uid) throw new FsError('EPERM');
}

/**
 * Drop setuid (and setgid when group-executable) as Linux does when a file is written by a
 * non-root caller or changes owner, so a modified binary never keeps its privilege.
 */
export function killPrivileges(node: Inode): void {
  if (node.kind !== 'file') return;
  let clear = S_ISUID;
  if ((node.mode & S_IXGRP) !== 0) clear |= S_ISGID;
  node.mode &= ~clear;
}

const DAY_NS = 86_400_000_000_000n;

/**
 * relatime: update atime on access only when it is older than mtime/ctime or a day old, as
 * Linux mounts do by default; avoids a metadata write per read while keeping atime useful.
 */
export function markAccessed(state: FsState, node: Inode): void {
  const now = state.tree.clock.nowNs();
  if (
    node.atimeNs <= node.mtimeNs ||
    node.atimeNs <= node.ctimeNs ||
    now - node.atimeNs >= DAY_NS
  ) {
    node.atimeNs = now;
  }
}
