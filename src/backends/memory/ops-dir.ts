import { FsError } from '../../vfs/errors.js';
import type { DirEntry } from '../../vfs/types.js';
import { S_IFMT } from './constants.js';
import { toAttr } from './inode.js';
import type { BackendOps, FsState } from './state.js';
import { markAccessed } from './state.js';

type DirOps = 'opendir' | 'readdir' | 'releasedir' | 'fsyncdir';

export function createDirOps(state: FsState): BackendOps<DirOps> {
  const { tree, handles } = state;
  return {
    async opendir({ args }) {
      const node = tree.resolve(args.path);
      if (node.kind !== 'dir') throw new FsError('ENOTDIR');
      return { fh: handles.open(node, args.flags).fh };
    },
    async readdir({ args }) {
      const { node } = handles.get(args.fh);
      if (node.kind !== 'dir') throw new FsError('ENOTDIR');
      const entries: DirEntry[] = [];
      // Map iteration is insertion order: stable across calls, so the engine's paging by
      // offset sees each entry once while nothing changes.
      for (const [name, child] of node.entries) {
        const attr = toAttr(child);
        entries.push({ name, type: child.mode & S_IFMT, ino: child.ino, attr });
      }
      markAccessed(state, node);
      return entries;
    },
    async releasedir({ args }) {
      handles.close(args.fh);
    },
    async fsyncdir({ args }) {
      handles.get(args.fh);
    },
  };
}
