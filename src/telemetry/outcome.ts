import { injectedBy, toErrnoName } from '../vfs/errors.js';
import type { FsOp } from '../vfs/types.js';

/**
 * How an op ended, for metrics, spans and the report (docs/adr/0078): `ok`; `expected`, an errno
 * that is that op's normal answer (a negative lookup is not a failure of the filesystem); or
 * `error`, a failure an operator should see.
 */
export type Outcome = 'ok' | 'expected' | 'error';

/** Capability answers the FUSE kernel caches or falls back from: the app never sees them. */
const NOSYS = ['ENOSYS'];
/** "This filesystem has no such feature" (one errno, 95, under both names). */
const NOTSUP = ['ENOTSUP', 'EOPNOTSUPP'];

/**
 * Per op, the errnos a correct filesystem answers in normal operation, to a question the caller
 * asked knowing the answer may be no, or as a capability answer with a standard fallback. Ops on
 * a node the kernel already resolved (getattr, open, read, write, ...) have none: ENOENT there
 * means the object vanished under a live reference, which is worth seeing.
 */
export const EXPECTED_ERRNOS: Readonly<Partial<Record<FsOp, readonly string[]>>> = {
  // Existence: stat/open of a missing name, PATH search, `ls -l`, O_CREAT's first look.
  lookup: ['ENOENT'],
  // access(2) asks "may I?"; no is an answer.
  access: ['EACCES', 'EROFS', ...NOSYS],
  // The name is taken: `mkdir -p`, O_EXCL lock files, mkstemp, link-based locks.
  mkdir: ['EEXIST'],
  mknod: ['EEXIST'],
  symlink: ['EEXIST'],
  link: ['EEXIST'],
  create: ['EEXIST', ...NOSYS],
  // Remove-if-empty (git, package managers); RENAME_NOREPLACE; onto a non-empty directory.
  rmdir: ['ENOTEMPTY', 'EEXIST'],
  rename: ['EEXIST', 'ENOTEMPTY'],
  // No such attribute, buffer-size negotiation, a namespace the filesystem does not keep
  // (`ls -l` asks for security.selinux and system.posix_acl_access on every file).
  getxattr: ['ENODATA', 'ERANGE', ...NOTSUP, ...NOSYS],
  listxattr: ['ERANGE', ...NOTSUP, ...NOSYS],
  setxattr: ['EEXIST', 'ENODATA', ...NOTSUP, ...NOSYS],
  removexattr: ['ENODATA', ...NOTSUP, ...NOSYS],
  // Non-blocking locks: someone else holds it.
  setlk: ['EAGAIN'],
  flock: ['EAGAIN', 'EWOULDBLOCK'],
  // SEEK_DATA/SEEK_HOLE: no more data past this offset.
  lseek: ['ENXIO', ...NOSYS],
  // Unsupported mode or range: posix_fallocate, cp and the kernel fall back.
  fallocate: [...NOTSUP, ...NOSYS],
  copyFileRange: ['EXDEV', ...NOTSUP, ...NOSYS],
  flush: NOSYS,
  fsync: NOSYS,
  fsyncdir: NOSYS,
};

const TABLE: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(EXPECTED_ERRNOS).map(([op, errnos]) => [op, new Set(errnos)]),
);

/** The outcome of an op that answered `errno`; an injected error is a failure whatever it is. */
export function classifyErrno(op: string, errno: string, injected: boolean): 'expected' | 'error' {
  return !injected && TABLE.get(op)?.has(errno) === true ? 'expected' : 'error';
}

/** The outcome of an op that threw `err`, with the errno name it answers. */
export function outcomeOfError(
  op: FsOp,
  err: unknown,
): { outcome: 'expected' | 'error'; errno: string } {
  const errno = toErrnoName(err);
  return { outcome: classifyErrno(op, errno, injectedBy(err) !== undefined), errno };
}
