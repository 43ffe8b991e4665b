import { closeSync, constants as fsc, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { HandoffError, syscallError } from './errors.js';
import {
  AT_REMOVEDIR,
  O_CLOEXEC,
  O_DIRECTORY,
  O_NOFOLLOW,
  RESOLVE_BENEATH,
  RESOLVE_NO_MAGICLINKS,
  RESOLVE_NO_SYMLINKS,
} from '../sys/constants.js';
import { socketCalls as libc } from '../sys/socket-calls.js';

/**
 * Paths inside a Pod-writable directory (the emptyDir), opened by a root process: every lookup
 * goes through openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, so a symlink or `..` planted by
 * the Pod can never send the driver outside that directory. Later calls that need a path (bind,
 * chmod) use /proc/self/fd/N of an fd opened this way, never the plain path.
 */
const RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

/** Open `rel` beneath `dirFd`. EXDEV/ELOOP (an escape or a symlink) become PATH_ESCAPE. */
export function openBeneath(dirFd: number, rel: string, flags: number, mode = 0): number {
  const fd = libc().openat2(dirFd, rel, { flags: flags | O_CLOEXEC, mode, resolve: RESOLVE });
  if (fd >= 0) return fd;
  const errno = libc().errno();
  if (errno === 18 || errno === 40) {
    throw new HandoffError('PATH_ESCAPE', `${rel}: refused (symlink or escape from the directory)`);
  }
  throw syscallError(`openat2 ${rel}`, errno);
}

/** The trusted root: a directory the Pod cannot replace (its parent is not Pod-writable). */
export function openRootDir(path: string): number {
  return openSync(path, fsc.O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/** mkdir (if missing) and open a directory beneath `dirFd`. */
export function ensureDirBeneath(dirFd: number, rel: string, mode = 0o755): number {
  if (libc().mkdirat(dirFd, rel, mode) < 0) {
    const errno = libc().errno();
    if (errno !== 17) throw syscallError(`mkdirat ${rel}`, errno);
  }
  return openBeneath(dirFd, rel, fsc.O_RDONLY | O_DIRECTORY);
}

/** unlinkat never follows a final symlink; ENOENT is fine (idempotent cleanup). */
export function unlinkBeneath(dirFd: number, name: string, dir = false): void {
  if (libc().unlinkat(dirFd, name, dir ? AT_REMOVEDIR : 0) < 0) {
    const errno = libc().errno();
    if (errno !== 2) throw syscallError(`unlinkat ${name}`, errno);
  }
}

/** A path that names exactly the inode behind `fd` (plus an optional child name). */
export function procPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

export function writeFileBeneath(dirFd: number, name: string, data: string, mode = 0o644): void {
  // O_NONBLOCK: a FIFO the Pod planted under this name fails the open (ENXIO) instead of blocking.
  const flags = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | O_NOFOLLOW | fsc.O_NONBLOCK;
  const fd = openBeneath(dirFd, name, flags, mode);
  try {
    const buf = Buffer.from(data, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
  } finally {
    closeSync(fd);
  }
}

/** Read a small regular file beneath `dirFd`; undefined when it does not exist. */
export function readFileBeneath(
  dirFd: number,
  name: string,
  maxBytes = 64 * 1024,
): string | undefined {
  let fd: number;
  try {
    fd = openBeneath(dirFd, name, fsc.O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    if (err instanceof HandoffError && err.errno === 'ENOENT') return undefined;
    throw err;
  }
  try {
    if (!fstatSync(fd).isFile())
      throw new HandoffError('PATH_ESCAPE', `${name} is not a regular file`);
    const buf = Buffer.alloc(maxBytes);
    const n = readSync(fd, buf, 0, maxBytes, 0);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}
