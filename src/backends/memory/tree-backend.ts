import type { Backend } from '../../vfs/types.js';
import type { Limits } from './budget.js';
import { createBudget } from './budget.js';
import type { Clock } from './clock.js';
import { createSystemClock } from './clock.js';
import type { FileDataFactory } from './file-data.js';
import { createHandleTable } from './handles.js';
import { createLockTable } from './locks.js';
import { createAttrOps } from './ops-attr.js';
import { createDirOps } from './ops-dir.js';
import { createFileOps } from './ops-file.js';
import { createLockOps } from './ops-lock.js';
import { createNamespaceOps } from './ops-namespace.js';
import { createRenameOps } from './ops-rename.js';
import { createSpaceOps } from './ops-space.js';
import { createXattrOps } from './ops-xattr.js';
import type { FsState } from './state.js';
import { createTree } from './tree.js';

export interface RootOptions {
  uid?: number;
  gid?: number;
  /** Permission bits of the root directory; default 01777 (like tmpfs). */
  mode?: number;
}

export interface TreeBackendOptions {
  clock?: Clock;
  limits?: Partial<Limits>;
  /** Owner and mode of the root directory; the owner defaults to this process's uid/gid. */
  root?: RootOptions;
}

export interface Usage {
  bytes: number;
  inodes: number;
  openHandles: number;
  limits: Readonly<Limits>;
}

/** A backend whose namespace lives in this process, with its current usage. */
export type TreeBackend = Backend & { usage(): Usage };

/**
 * The metadata half shared by the memory and null backends: one in-process namespace (inodes,
 * directories, handles, locks, xattrs) over a pluggable per-file data store.
 */
export function createTreeBackend(
  name: string,
  newData: FileDataFactory,
  options: TreeBackendOptions,
): TreeBackend {
  const budget = createBudget(options.limits);
  const clock = options.clock ?? createSystemClock();
  const root = options.root ?? {};
  const tree = createTree({
    clock,
    budget,
    newData,
    rootOwner: {
      uid: root.uid ?? process.getuid?.() ?? 0,
      gid: root.gid ?? process.getgid?.() ?? 0,
    },
    rootMode: root.mode ?? 0o1777,
  });
  const state: FsState = { tree, handles: createHandleTable(tree), locks: createLockTable() };
  return {
    name,
    ...createAttrOps(state),
    ...createNamespaceOps(state),
    ...createRenameOps(state),
    ...createFileOps(state),
    ...createSpaceOps(state),
    ...createDirOps(state),
    ...createXattrOps(state),
    ...createLockOps(state),
    usage: () => ({
      bytes: budget.usedBytes,
      inodes: budget.usedInodes,
      openHandles: state.handles.size,
      limits: budget.limits,
    }),
    async close() {},
  };
}
