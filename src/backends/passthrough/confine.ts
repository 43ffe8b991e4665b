import fs from 'node:fs';
import { FsError } from '../../vfs/errors.js';
import { closePathFd } from '../../sys/openat2.js';
import { createDirCache } from './dir-cache.js';
import type { HeldDir } from './dir-cache.js';
import { pathSteps, resolveSteps, splitPath } from './path-steps.js';
import type { MetaIoPolicy } from '../../sys/libc.js';
import { O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH } from '../../sys/constants.js';

/** A directory held open with O_PATH plus one name in it: the target of a namespace op. */
export interface ParentRef {
  readonly dirfd: number;
  readonly name: string;
  /** `/proc/self/fd/<dirfd>/<name>`: a path Node's fs can use, pinned to `dirfd`. */
  readonly proc: string;
  release(): void;
}

/** The node itself held open with O_PATH|O_NOFOLLOW (a symlink is held, never followed). */
export interface NodeRef {
  readonly fd: number;
  /** `/proc/self/fd/<fd>`: the kernel resolves it to exactly this inode. */
  readonly proc: string;
  release(): void;
}

export interface Confinement {
  readonly rootFd: number;
  parent(path: string): Promise<ParentRef>;
  node(path: string): Promise<NodeRef>;
  /**
   * An op that may move or remove the directories at `paths` (volume paths) begins; call `end`
   * when it has finished, failed or not. Drops their cached subtrees (see dir-cache.ts).
   */
  changing(paths: readonly string[]): { end(): void };
  /** Directory fds held by the cache (0 without one). */
  readonly cachedDirs: number;
  close(): void;
}

export interface ConfinementOptions {
  io: MetaIoPolicy;
  /**
   * Keep directory fds open by path, at most this many (0 or absent: resolve every time). Exact
   * only when nothing but this backend changes the tree (`-o exclusive`).
   */
  cacheDirs?: number;
}

/**
 * Every op resolves through a root directory fd with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS): the kernel itself refuses '..', absolute or relative symlinks and any
 * rename race that would lead outside the root. Paths of any depth work: the backend never
 * prefixes the source path, and resolves one longer than PATH_MAX in steps (path-steps.ts). See
 * docs/adr/0010-passthrough-confinement.md.
 */
export function createConfinement(root: string, o: ConfinementOptions): Confinement {
  const { io } = o;
  const rootFd = fs.openSync(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  const keepRoot = (): void => {};
  const open = (parts: readonly string[], flags: number): Promise<number> =>
    resolveSteps(io, rootFd, pathSteps(parts), flags);
  const cache =
    (o.cacheDirs ?? 0) > 0 ? createDirCache({ max: o.cacheDirs!, close: closePathFd }) : undefined;
  const dir = async (parts: readonly string[]): Promise<HeldDir> => {
    if (cache === undefined) {
      const fd = await open(parts, O_DIRECTORY);
      return { fd, release: () => closePathFd(fd) };
    }
    const key = parts.join('/');
    const hit = cache.acquire(key);
    if (hit !== undefined) return hit;
    const generation = cache.generation();
    return cache.insert(key, await open(parts, O_DIRECTORY), generation);
  };
  const noChange = { end: keepRoot };
  return {
    rootFd,
    async parent(path) {
      const parts = splitPath(path);
      const name = parts.pop();
      if (name === undefined) throw new FsError('EINVAL', 'the root has no parent');
      // Top-level names need no resolution at all: the root fd is the parent.
      const held = parts.length === 0 ? { fd: rootFd, release: keepRoot } : await dir(parts);
      return {
        dirfd: held.fd,
        name,
        proc: `/proc/self/fd/${held.fd}/${name}`,
        release: held.release,
      };
    },
    async node(path) {
      const parts = splitPath(path);
      if (parts.length === 0) return { fd: rootFd, proc: `/proc/self/fd/${rootFd}`, release: keepRoot };
      // A cached directory is exactly the node at that path: no resolution (never inserted here,
      // since a node may be anything).
      const hit = cache?.acquire(parts.join('/'));
      if (hit !== undefined) return { fd: hit.fd, proc: `/proc/self/fd/${hit.fd}`, release: hit.release };
      const fd = await open(parts, O_NOFOLLOW);
      return { fd, proc: `/proc/self/fd/${fd}`, release: () => closePathFd(fd) };
    },
    changing(paths) {
      return cache === undefined ? noChange : cache.changing(paths.map((p) => p.slice(1)));
    },
    get cachedDirs() {
      return cache?.size ?? 0;
    },
    close() {
      cache?.clear();
      closePathFd(rootFd);
    },
  };
}

/** Run `fn` with a resolved ref and always release it. */
export async function withRef<R extends { release(): void }, T>(
  ref: Promise<R>,
  fn: (r: R) => Promise<T>,
): Promise<T> {
  const r = await ref;
  try {
    return await fn(r);
  } finally {
    r.release();
  }
}
