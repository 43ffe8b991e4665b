import { FsError } from '../../vfs/errors.js';
import type { Caller, OpArgsMap } from '../../vfs/types.js';
import { RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT } from './constants.js';
import type { DirInode, Inode } from './inode.js';
import type { BackendOps, FsState } from './state.js';
import { checkSticky } from './state.js';

interface Slot {
  parent: DirInode;
  name: string;
  node: Inode | undefined;
}

const isInside = (path: string, dir: string): boolean =>
  path.startsWith(dir === '/' ? '/' : `${dir}/`);

function slotAt(state: FsState, path: string): Slot {
  const { parent, name } = state.tree.parentOf(path);
  return { parent, name, node: parent.entries.get(name) };
}

function checkFlags(flags: number): void {
  if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) !== 0)
    throw new FsError('EINVAL');
  if ((flags & RENAME_NOREPLACE) !== 0 && (flags & RENAME_EXCHANGE) !== 0)
    throw new FsError('EINVAL');
  // Whiteouts only make sense under overlayfs, which never stacks on this backend.
  if ((flags & RENAME_WHITEOUT) !== 0) throw new FsError('EINVAL');
}

/** rename(2)'s rules for replacing an existing entry. */
function checkTarget(target: Inode, node: Inode, flags: number, sticky: () => void): void {
  if ((flags & RENAME_NOREPLACE) !== 0) throw new FsError('EEXIST');
  if (node.kind === 'dir') {
    if (target.kind !== 'dir') throw new FsError('ENOTDIR');
    if (target.entries.size > 0) throw new FsError('ENOTEMPTY');
  } else if (target.kind === 'dir') {
    throw new FsError('EISDIR');
  }
  sticky();
}

type Filled = Slot & { node: Inode };

function exchange(
  state: FsState,
  from: Filled,
  to: Slot,
  { args: paths, caller }: { args: OpArgsMap['rename']; caller: Caller },
): void {
  const target = to.node;
  if (target === undefined) throw new FsError('ENOENT');
  if (target.kind === 'dir' && isInside(paths.path, paths.newPath)) throw new FsError('EINVAL');
  checkSticky(to.parent, target, caller);
  const { tree } = state;
  tree.detach(from.parent, from.name);
  tree.detach(to.parent, to.name);
  try {
    tree.attach(from.parent, from.name, target);
    try {
      tree.attach(to.parent, to.name, from.node);
    } catch (err) {
      tree.detach(from.parent, from.name);
      throw err;
    }
  } catch (err) {
    // ENOSPC (the swapped subtrees' paths cost more): put both back, which costs exactly what
    // the detaches released.
    tree.attach(from.parent, from.name, from.node);
    tree.attach(to.parent, to.name, target);
    throw err;
  }
  tree.touch(target, false);
}

function move(state: FsState, from: Filled, to: Slot): void {
  const { tree } = state;
  const target = to.node;
  if (target !== undefined) tree.detach(to.parent, to.name);
  tree.detach(from.parent, from.name);
  try {
    tree.attach(to.parent, to.name, from.node);
  } catch (err) {
    // ENOSPC (longer paths for a moved subtree): put everything back, which costs exactly what
    // the detaches released.
    tree.attach(from.parent, from.name, from.node);
    if (target !== undefined) tree.attach(to.parent, to.name, target);
    throw err;
  }
  if (target === undefined) return;
  target.nlink = target.kind === 'dir' ? 0 : target.nlink - 1;
  tree.touch(target, false);
  tree.release(target);
}

function rename(state: FsState, args: OpArgsMap['rename'], caller: Caller): void {
  checkFlags(args.flags);
  const from = slotAt(state, args.path);
  const to = slotAt(state, args.newPath);
  const node = from.node;
  if (node === undefined) throw new FsError('ENOENT');
  if (args.path === args.newPath) return;
  if (node.kind === 'dir' && isInside(args.newPath, args.path)) throw new FsError('EINVAL');
  checkSticky(from.parent, node, caller);
  const target = to.node;
  if ((args.flags & RENAME_EXCHANGE) !== 0) {
    exchange(state, { ...from, node }, to, { args, caller });
  } else {
    // Two links to one inode: POSIX says rename does nothing and succeeds.
    if (target === node) return;
    if (target !== undefined)
      checkTarget(target, node, args.flags, () => checkSticky(to.parent, target, caller));
    move(state, { ...from, node }, to);
  }
  const { tree } = state;
  tree.touch(node, false);
  tree.touch(from.parent, true);
  tree.touch(to.parent, true);
}

export function createRenameOps(state: FsState): BackendOps<'rename'> {
  return {
    async rename({ args, caller }) {
      rename(state, args, caller);
    },
  };
}
