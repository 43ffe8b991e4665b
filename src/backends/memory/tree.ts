import { FsError } from '../../vfs/errors.js';
import type { Caller } from '../../vfs/types.js';
import type { Budget } from './budget.js';
import type { Clock } from '../../vfs/clock.js';
import { MODE_BITS, S_IFDIR, S_IFMT, S_IFREG, S_ISGID } from './constants.js';
import type { FileDataFactory } from './file-data.js';
import type { DirInode, Inode, InodeKind } from './inode.js';
import { kindOfMode, xattrCost } from './inode.js';
import { attachCost } from './entry-cost.js';
import { checkPath, joinPath, splitPath } from './path.js';

export interface NewNode {
  mode: number;
  caller: Caller;
  parent: DirInode;
  rdev?: number;
  target?: string;
}

/**
 * The namespace: inodes, directory entries and a Map from every path to its inode, so that a
 * lookup is one Map access whatever the depth. Renaming a directory rewrites the paths of its
 * subtree (O(subtree)), the price of O(1) lookups on the hot path.
 */
export interface Tree {
  readonly root: DirInode;
  readonly clock: Clock;
  readonly budget: Budget;
  get(path: string): Inode | undefined;
  /** The inode at `path`, or ENOENT / ENOTDIR as the kernel would report it. */
  resolve(path: string): Inode;
  /** The parent directory of `path` and the last component; checks the name's length. */
  parentOf(path: string): { parent: DirInode; name: string };
  create(spec: NewNode): Inode;
  attach(parent: DirInode, name: string, node: Inode): void;
  detach(parent: DirInode, name: string): Inode;
  /** Free an inode nobody can reach any more (no links, no open handles). */
  release(node: Inode): void;
  /** Set ctime (and mtime when `modified`) to now. */
  touch(node: Inode, modified: boolean): void;
}

const MISSING_BELOW = {
  dir: 'ENOENT',
  file: 'ENOTDIR',
  special: 'ENOTDIR',
  symlink: 'ELOOP',
} as const;

export interface TreeOptions {
  clock: Clock;
  budget: Budget;
  newData: FileDataFactory;
  rootOwner?: { uid: number; gid: number };
  rootMode?: number;
}

export function createTree(options: TreeOptions): Tree {
  const { clock, budget, newData } = options;
  const paths = new Map<string, Inode>();
  let nextIno = 1n;

  const make = (
    kind: InodeKind,
    mode: number,
    owner: { uid: number; gid: number },
    extra: { rdev?: number; target?: string } = {},
  ): Inode => {
    budget.chargeInode();
    const now = clock.nowNs();
    const base = { ino: nextIno++, mode, uid: owner.uid, gid: owner.gid, nlink: 1 };
    const times = { atimeNs: now, mtimeNs: now, ctimeNs: now, xattrs: undefined, openCount: 0 };
    switch (kind) {
      case 'dir':
        return { kind, ...base, ...times, nlink: 2, entries: new Map(), path: '' };
      case 'file':
        return { kind, ...base, ...times, data: newData(budget) };
      case 'symlink':
        return { kind, ...base, ...times, target: extra.target ?? '' };
      case 'special':
        return { kind, ...base, ...times, rdev: extra.rdev ?? 0 };
    }
  };

  const rootMode = S_IFDIR | ((options.rootMode ?? 0o755) & MODE_BITS);
  const root = make('dir', rootMode, options.rootOwner ?? { uid: 0, gid: 0 }) as DirInode;
  root.path = '/';
  paths.set('/', root);

  /** Add (or remove) the paths below a directory to the map, from its current `path`. */
  const indexSubtree = (dir: DirInode, add: boolean): void => {
    for (const [name, child] of dir.entries) {
      const path = joinPath(dir.path, name);
      if (add) paths.set(path, child);
      else paths.delete(path);
      if (child.kind !== 'dir') continue;
      child.path = path;
      indexSubtree(child, add);
    }
  };

  const resolve = (path: string): Inode => {
    const node = paths.get(path);
    if (node !== undefined) return node;
    checkPath(path);
    // Missing: ENOENT below a directory, ENOTDIR below a file, and ELOOP below a symlink: the
    // kernel resolves symlinks itself, so one inside a path is never followed here.
    let { dir } = splitPath(path);
    for (;;) {
      const ancestor = paths.get(dir);
      if (ancestor !== undefined) throw new FsError(MISSING_BELOW[ancestor.kind]);
      dir = splitPath(dir).dir;
    }
  };

  return {
    root,
    clock,
    budget,
    get: (path) => paths.get(path),
    resolve,
    parentOf(path) {
      if (path === '/') throw new FsError('EBUSY');
      checkPath(path);
      const { dir, name } = splitPath(path);
      const parent = resolve(dir);
      if (parent.kind !== 'dir') throw new FsError(MISSING_BELOW[parent.kind]);
      return { parent, name };
    },
    create({ mode, caller, parent, rdev, target }) {
      const kind = kindOfMode(mode);
      const inheritGid = (parent.mode & S_ISGID) !== 0;
      const type = (mode & S_IFMT) === 0 ? S_IFREG : mode & S_IFMT;
      let bits = mode & MODE_BITS;
      // BSD group semantics of a setgid directory: children take its group, subdirectories
      // inherit the bit.
      if (inheritGid && kind === 'dir') bits |= S_ISGID;
      const owner = { uid: caller.uid, gid: inheritGid ? parent.gid : caller.gid };
      if (target !== undefined) budget.chargeBytes(Buffer.byteLength(target));
      try {
        return make(kind, type | bits, owner, { rdev, target });
      } catch (err) {
        if (target !== undefined) budget.releaseBytes(Buffer.byteLength(target));
        throw err;
      }
    },
    attach(parent, name, node) {
      const path = joinPath(parent.path, name);
      budget.chargeBytes(attachCost(node, name, path));
      parent.entries.set(name, node);
      paths.set(path, node);
      if (node.kind === 'dir') {
        parent.nlink += 1;
        node.path = path;
        indexSubtree(node, true);
      }
    },
    detach(parent, name) {
      const node = parent.entries.get(name);
      if (node === undefined) throw new FsError('ENOENT');
      const path = joinPath(parent.path, name);
      budget.releaseBytes(attachCost(node, name, path));
      parent.entries.delete(name);
      paths.delete(path);
      if (node.kind === 'dir') {
        parent.nlink -= 1;
        indexSubtree(node, false);
      }
      return node;
    },
    release(node) {
      if (node.nlink > 0 || node.openCount > 0) return;
      if (node.kind === 'file') node.data.free();
      if (node.kind === 'symlink') budget.releaseBytes(Buffer.byteLength(node.target));
      for (const [name, value] of node.xattrs ?? []) budget.releaseBytes(xattrCost(name, value));
      node.xattrs = undefined;
      budget.releaseInode();
    },
    touch(node, modified) {
      const now = clock.nowNs();
      node.ctimeNs = now;
      if (modified) node.mtimeNs = now;
    },
  };
}
