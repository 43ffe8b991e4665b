import { randomInt } from 'node:crypto';
import type { DirEntry } from '../../vfs/types.js';

/**
 * File handles given to the kernel are opaque IDs, never backend fd numbers: a successor
 * process (crash custody) recognises IDs that are not its own and reopens the file lazily
 * from the node ID and the open flags the kernel sends with every READ and WRITE.
 */
export interface FileHandle {
  readonly kind: 'file' | 'dir';
  readonly backendFh: number;
  readonly nodeId: number;
  /** Path at open time: ops on an unlinked-but-open file still report a name. */
  path: string;
  readonly flags: number;
  /** Directory listing snapshot, taken at the first READDIR (offset 0). */
  entries?: DirEntry[];
  /** Registered kernel passthrough backing id, if any. */
  backingId?: number;
}

export interface HandleTable {
  add(h: FileHandle): number;
  get(fh: number): FileHandle | undefined;
  remove(fh: number): FileHandle | undefined;
  /** Keep a handle under an ID a previous server issued (lazy reopen). */
  adopt(fh: number, h: FileHandle): void;
  /** Any open file handle of a node (the way to an unlinked file when the kernel names no fh). */
  findByNode(nodeId: number): FileHandle | undefined;
  /** Handles this process did not issue look like this (for lazy reopen after a restart). */
  isForeign(fh: number): boolean;
  readonly size: number;
}

/** IDs start at a random multiple of 2^32 so that two server generations never overlap. */
export function createHandleTable(epoch = randomInt(1, 0x1f_ffff)): HandleTable {
  const base = epoch * 0x1_0000_0000;
  const handles = new Map<number, FileHandle>();
  let next = 1;
  return {
    add(h) {
      const fh = base + next++;
      handles.set(fh, h);
      return fh;
    },
    get: (fh) => handles.get(fh),
    remove(fh) {
      const h = handles.get(fh);
      handles.delete(fh);
      return h;
    },
    findByNode(nodeId) {
      for (const h of handles.values()) if (h.nodeId === nodeId && h.kind === 'file') return h;
      return undefined;
    },
    adopt(fh, h) {
      handles.set(fh, h);
    },
    isForeign: (fh) => fh < base || fh >= base + 0x1_0000_0000,
    get size() {
      return handles.size;
    },
  };
}
