import { FsError } from '../../vfs/errors.js';
import type { Inode } from './inode.js';
import type { Tree } from './tree.js';

export interface Handle {
  readonly fh: number;
  readonly node: Inode;
  /** open(2) flags (access mode, O_APPEND...). */
  readonly flags: number;
}

/**
 * Open file and directory handles. A handle pins its inode: an unlinked file keeps its data
 * until the last handle goes (unlink-while-open), and reads and writes use the handle's inode,
 * not the (possibly stale) path. Handle numbers are never reused while the backend lives.
 */
export interface HandleTable {
  open(node: Inode, flags: number): Handle;
  /** The handle for `fh`, or EBADF. */
  get(fh: number): Handle;
  /**
   * Close a handle. An unknown one is ignored: the kernel releases each handle once, and a
   * release re-sent after a server restart must be harmless.
   */
  close(fh: number): Handle | undefined;
  readonly size: number;
}

export function createHandleTable(tree: Tree): HandleTable {
  const handles = new Map<number, Handle>();
  let nextFh = 1;
  const get = (fh: number): Handle => {
    const handle = handles.get(fh);
    if (handle === undefined) throw new FsError('EBADF');
    return handle;
  };
  return {
    open(node, flags) {
      const handle = { fh: nextFh++, node, flags };
      handles.set(handle.fh, handle);
      node.openCount += 1;
      return handle;
    },
    get,
    close(fh) {
      const handle = handles.get(fh);
      if (handle === undefined) return undefined;
      handles.delete(fh);
      handle.node.openCount -= 1;
      tree.release(handle.node);
      return handle;
    },
    get size() {
      return handles.size;
    },
  };
}
