import { FsError } from '../../vfs/errors.js';

/**
 * The memory backend lives in the sidecar's heap, which counts against the container's memory
 * limit: running out must be an ENOSPC the app can handle, never an OOM kill. Every byte the
 * backend keeps (file data, names, symlink targets, xattrs) and every inode is charged here
 * before it is allocated.
 */
export interface Limits {
  /** Bytes of data and metadata the filesystem may hold. */
  maxBytes: number;
  /** Number of inodes (files, directories, links, nodes), the root included. */
  maxInodes: number;
}

/** 256 MiB and 65,536 inodes: enough for tests and scratch space, small next to a typical limit. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBytes: 256 * 1024 * 1024,
  maxInodes: 65_536,
});

export interface Budget {
  readonly limits: Readonly<Limits>;
  readonly usedBytes: number;
  readonly usedInodes: number;
  /** Bytes still free. */
  freeBytes(): number;
  /** Take `n` bytes or throw ENOSPC (taking nothing). */
  chargeBytes(n: number): void;
  releaseBytes(n: number): void;
  chargeInode(): void;
  releaseInode(): void;
}

export function createBudget(limits: Partial<Limits> = {}): Budget {
  const frozen = Object.freeze({ ...DEFAULT_LIMITS, ...limits });
  if (!(frozen.maxBytes >= 0) || !(frozen.maxInodes >= 1)) {
    throw new RangeError(`invalid memory backend limits: ${JSON.stringify(frozen)}`);
  }
  let usedBytes = 0;
  let usedInodes = 0;
  return {
    limits: frozen,
    get usedBytes() {
      return usedBytes;
    },
    get usedInodes() {
      return usedInodes;
    },
    freeBytes: () => frozen.maxBytes - usedBytes,
    chargeBytes(n) {
      if (usedBytes + n > frozen.maxBytes)
        throw new FsError('ENOSPC', 'memory backend: maxBytes reached');
      usedBytes += n;
    },
    releaseBytes(n) {
      usedBytes -= n;
    },
    chargeInode() {
      if (usedInodes >= frozen.maxInodes)
        throw new FsError('ENOSPC', 'memory backend: maxInodes reached');
      usedInodes += 1;
    },
    releaseInode() {
      usedInodes -= 1;
    },
  };
}
