/**
 * How a volume path reaches openat2: checked components, grouped into steps openat2 takes, each
 * step resolved beneath the directory the previous one held (docs/adr/0010, addendum).
 */
import { FsError } from '../../vfs/errors.js';
import { displayName, nameByteLength } from '../../vfs/names.js';
import { closePathFd, openat2 } from '../../sys/openat2.js';
import type { MetaIoPolicy } from '../../sys/libc.js';
import {
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  RESOLVE_BENEATH,
  RESOLVE_NO_SYMLINKS,
} from '../../sys/constants.js';

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
 * A path longer than openat2 takes (an object deeper than PATH_MAX below the root, which the
 * kernel's clients reach through relative paths) is resolved step by step, each step beneath the
 * directory the previous one held: the same guarantees, one openat2 per 4 KiB of path. Every
 * intermediate fd is closed before this returns, also on failure.
 */
export async function resolveSteps(
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
