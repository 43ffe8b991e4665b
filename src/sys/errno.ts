import { constants as osConstants } from 'node:os';
import type { FsError } from '../vfs/errors.js';
import { isErrnoName, syscallError } from '../vfs/errors.js';

/**
 * The one errno table. Several names share a number (EAGAIN/EWOULDBLOCK, EOPNOTSUPP/ENOTSUP,
 * EDEADLK/EDEADLOCK): the first one listed by Node, the traditional name, wins.
 */
const NAMES = new Map<number, string>();
for (const [name, no] of Object.entries(osConstants.errno)) {
  if (!NAMES.has(no)) NAMES.set(no, name);
}

/** The errno name of a positive errno number, or undefined for a number Node does not know. */
export function errnoName(no: number): string | undefined {
  return NAMES.get(no);
}

/** FsError for a positive errno number (unknown numbers become EIO). */
export function errnoError(no: number, what: string): FsError {
  const name = NAMES.get(no);
  return syscallError(name !== undefined && isErrnoName(name) ? name : 'EIO', `${what}: errno ${no}`);
}

/** A failed system call outside the file system's own ops (mount, ioctl, sockets), by errno name. */
export class SysError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  constructor(syscall: string, errno: number, detail?: string) {
    const code = NAMES.get(errno) ?? `E${errno}`;
    super(`${syscall}${detail ? ` ${detail}` : ''}: ${code}`);
    this.name = 'SysError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}
