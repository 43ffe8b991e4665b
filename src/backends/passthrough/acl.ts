import { constants as osConstants } from 'node:os';
import { XATTR_POSIX_ACL_ACCESS, XATTR_POSIX_ACL_DEFAULT } from '../../sys/constants.js';
import { callSync, libc } from '../../sys/libc.js';
import type { MetaIoPolicy } from '../../sys/libc.js';
import { getxattr } from '../../sys/xattr.js';
import { FsError } from '../../vfs/errors.js';

/**
 * POSIX ACLs of the backing filesystem, kept with their meaning. The backing kernel already keeps
 * the mode and the access ACL in step (chmod rewrites the mask, setting an ACL rewrites the mode)
 * and applies a parent's default ACL to a new object; what is left for the server is the umask:
 * with FUSE_DONT_MASK the kernel sends the caller's umask beside the unmasked mode, and POSIX
 * applies it only where no default ACL governs the new object.
 */
const ACL_ACCESS = XATTR_POSIX_ACL_ACCESS;
const ACL_DEFAULT = XATTR_POSIX_ACL_DEFAULT;

const isAclName = (name: string): boolean => name === ACL_ACCESS || name === ACL_DEFAULT;

const { ENODATA, EOPNOTSUPP } = osConstants.errno;
const isErrno = (err: unknown, no: number): boolean => err instanceof FsError && err.errno === no;

/**
 * Whether the filesystem under `rootFd` keeps ACLs: asking for the root's access ACL answers
 * with it or ENODATA where it does, EOPNOTSUPP where it does not (or is mounted noacl).
 */
export function probePosixAcl(rootFd: number): boolean {
  try {
    callSync(libc.getxattr, 'getxattr', `/proc/self/fd/${rootFd}`, ACL_ACCESS, null, 0);
    return true;
  } catch (err) {
    if (isErrno(err, ENODATA)) return true;
    if (isErrno(err, EOPNOTSUPP)) return false;
    throw err;
  }
}

/**
 * getxattr of an ACL where the object's filesystem has none (a mount inside the volume): "no
 * ACL", as the kernel needs for its permission check, which would otherwise fail the access.
 */
export function noAclAsNoData(name: string, err: unknown): never {
  if (isAclName(name) && isErrno(err, EOPNOTSUPP)) throw new FsError('ENODATA');
  throw err;
}

async function hasDefaultAcl(io: MetaIoPolicy, dirfd: number): Promise<boolean> {
  try {
    return (await getxattr(io, `/proc/self/fd/${dirfd}`, ACL_DEFAULT)).length > 0;
  } catch (err) {
    if (isErrno(err, ENODATA) || isErrno(err, EOPNOTSUPP)) return false;
    throw err;
  }
}

export interface CreateMode {
  /** The mode bits to create the object with. */
  readonly mode: number;
  /** The parent's default ACL decides the permissions (the umask was not applied). */
  readonly inherited: boolean;
}

/** The mode to create an object with in the directory `dirfd` (see the note at the top). */
export async function createMode(
  backend: { posixAcl: boolean; io: MetaIoPolicy },
  dirfd: number,
  asked: { mode: number; umask: number },
): Promise<CreateMode> {
  const perm = asked.mode & 0o7777;
  if (backend.posixAcl && (await hasDefaultAcl(backend.io, dirfd)))
    return { mode: perm, inherited: true };
  return { mode: perm & ~asked.umask, inherited: false };
}

/**
 * The mode to give a just-created object that inherited a default ACL, should its owner change
 * (chown clears set-ID bits): the permission bits the ACL gave it, never the requested ones (a
 * chmod to those would rewrite the inherited ACL), plus the requested set-ID and sticky bits.
 */
export function inheritedMode(actual: number, requested: number): number {
  return (actual & 0o777) | (requested & 0o7000);
}
