import type { Backend } from '../../vfs/types.js';
import type { Budget, Limits } from './budget.js';
import { createBudget } from './budget.js';
import { defaultLimits, readCgroupMemoryLimit } from './default-limits.js';
import type { Clock } from '../../vfs/clock.js';
import { systemClock } from '../../vfs/clock.js';
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
import type { TreeOptions } from './tree.js';
import { createTree } from './tree.js';

export interface RootOptions {
  uid?: number;
  gid?: number;
  /** Permission bits of the root directory; default 01777 (like tmpfs). */
  mode?: number;
}

export interface TreeBackendOptions {
  clock?: Clock;
  /**
   * Limits; what is not given defaults to 256 MiB and 65,536 inodes, with maxBytes shrunk to fit
   * under `memoryLimit` (see default-limits.ts).
   */
  limits?: Partial<Limits>;
  /** The memory cap the server runs under; default: this process's cgroup limit, if any. */
  memoryLimit?: number;
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

function budgetFor(options: TreeBackendOptions): Budget {
  // Only look for a cgroup limit when maxBytes is left to the default.
  if (options.limits?.maxBytes !== undefined) return createBudget(options.limits);
  const memoryLimit = 'memoryLimit' in options ? options.memoryLimit : readCgroupMemoryLimit();
  return createBudget({ ...defaultLimits(memoryLimit), ...options.limits });
}

function rootOf(root: RootOptions): Pick<TreeOptions, 'rootOwner' | 'rootMode'> {
  const uid = root.uid ?? process.getuid?.() ?? 0;
  const gid = root.gid ?? process.getgid?.() ?? 0;
  return { rootOwner: { uid, gid }, rootMode: root.mode ?? 0o1777 };
}

/**
 * The metadata half shared by the memory and null backends: one in-process namespace (inodes,
 * directories, handles, locks, xattrs) over a pluggable per-file data store.
 */
export function createTreeBackend(
  name: string,
  newData: FileDataFactory,
  options: TreeBackendOptions,
): TreeBackend {
  const budget = budgetFor(options);
  const clock = options.clock ?? systemClock;
  const tree = createTree({ clock, budget, newData, ...rootOf(options.root ?? {}) });
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
