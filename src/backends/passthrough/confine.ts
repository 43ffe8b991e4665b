import fs from 'node:fs';
import { FsError } from '../../vfs/errors.js';
import { displayName, nameByteLength } from '../../vfs/names.js';
import { closePathFd, openat2 } from '../../sys/openat2.js';
import { createDirCache } from './dir-cache.js';
import type { HeldDir } from './dir-cache.js';
import type { MetaIoPolicy } from '../../sys/libc.js';
import {
  O_CLOEXEC,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_PATH,
  RESOLVE_BENEATH,
  RESOLVE_NO_SYMLINKS,
} from '../../sys/constants.js';

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

const NAME_MAX = 255;
/** openat2 takes a path of at most PATH_MAX bytes with its NUL: longer ones resolve in steps. */
const STEP_MAX = 4095;
const RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;

/**
 * Split a volume path into its components, rejecting anything that is not a plain name: the
 * contract promises none of these, so one arriving means a bug or an attack, never a real file.
 */
export function splitPath(path: string): string[] {
  if (!path.startsWith('/')) throw new FsError('EINVAL', `not absolute: ${displayName(path)}`);
  if (path === '/') return [];
  const parts = path.slice(1).split('/');
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || part.includes('\0')) {
      throw new FsError('EINVAL', `bad path component in ${JSON.stringify(displayName(path))}`);
    }
    // Bytes, not UTF-16 units or lossy UTF-8 (docs/adr/0075): 255 escaped bytes are 255 bytes.
    if (nameByteLength(part) > NAME_MAX) throw new FsError('ENAMETOOLONG');
  }
  return parts;
}

/**
 * Group components into relative paths of at most STEP_MAX bytes each (a component has at most
 * NAME_MAX bytes, so every group holds at least one).
 */
export function pathSteps(parts: readonly string[]): string[] {
  const steps: string[] = [];
  let cur = '';
  for (const part of parts) {
    const next = cur === '' ? part : `${cur}/${part}`;
    if (cur !== '' && nameByteLength(next) > STEP_MAX) {
      steps.push(cur);
      cur = part;
    } else cur = next;
  }
  if (cur !== '') steps.push(cur);
  return steps;
}

/**
 * Every op resolves through a root directory fd with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS): the kernel itself refuses '..', absolute or relative symlinks and any
 * rename race that would lead outside the root. Paths of any depth work: the backend never
 * prefixes the source path, and resolves one longer than PATH_MAX in steps (resolveSteps). See
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

/**
 * A path longer than openat2 takes (an object deeper than PATH_MAX below the root, which the
 * kernel's clients reach through relative paths) is resolved step by step, each step beneath the
 * directory the previous one held: the same guarantees, one openat2 per 4 KiB of path. Every
 * intermediate fd is closed before this returns, also on failure.
 */
async function resolveSteps(
  io: MetaIoPolicy,
  rootFd: number,
  steps: readonly string[],
  flags: number,
): Promise<number> {
  let dirfd = rootFd;
  for (let i = 0; i < steps.length; i++) {
    const last = i === steps.length - 1;
    const how = { flags: (last ? flags : O_DIRECTORY) | O_PATH | O_CLOEXEC, resolve: RESOLVE };
    try {
      const fd = await openat2(io, dirfd, steps[i]!, how);
      if (dirfd !== rootFd) closePathFd(dirfd);
      dirfd = fd;
    } catch (err) {
      if (dirfd !== rootFd) closePathFd(dirfd);
      throw err;
    }
  }
  return dirfd;
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
