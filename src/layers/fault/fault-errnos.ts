import type { FsOp } from '../../vfs/types.js';

/**
 * The errnos each op can really return on a local filesystem (from the man pages and what
 * storage failures look like through ext4/xfs), so `fault=EIO@1%` only fails ops where EIO is
 * plausible. Ops whose errors the kernel ignores (forget, release, releasedir) have none.
 */
const IO = ['EIO'];
const SPACE = ['ENOSPC', 'EDQUOT'];
const CREATE = ['EIO', ...SPACE, 'EACCES', 'EMFILE', 'ENFILE', 'ENAMETOOLONG'];

export const REALISTIC_ERRNOS: Readonly<Partial<Record<FsOp, readonly string[]>>> = {
  lookup: ['EIO', 'ENOENT', 'EACCES', 'ENAMETOOLONG'],
  getattr: ['EIO', 'EACCES'],
  setattr: ['EIO', 'EACCES', 'EPERM', 'EROFS', ...SPACE, 'EFBIG'],
  readlink: [...IO, 'EACCES'],
  mknod: ['EIO', ...SPACE, 'EACCES', 'EEXIST', 'EROFS'],
  mkdir: ['EIO', ...SPACE, 'EACCES', 'EEXIST', 'EMLINK', 'EROFS'],
  unlink: ['EIO', 'EACCES', 'EBUSY', 'EPERM', 'EROFS'],
  rmdir: ['EIO', 'EACCES', 'EBUSY', 'ENOTEMPTY', 'EPERM', 'EROFS'],
  symlink: ['EIO', ...SPACE, 'EACCES', 'EEXIST', 'EROFS'],
  rename: ['EIO', ...SPACE, 'EACCES', 'EBUSY', 'EXDEV', 'EROFS'],
  link: ['EIO', ...SPACE, 'EACCES', 'EMLINK', 'EXDEV', 'EROFS'],
  open: ['EIO', 'ENOENT', 'EACCES', 'EMFILE', 'ENFILE', 'ETXTBSY', 'EROFS'],
  create: CREATE,
  read: [...IO, 'EINTR'],
  write: [...IO, ...SPACE, 'EFBIG', 'EINTR'],
  flush: [...IO, ...SPACE],
  fsync: [...IO, ...SPACE, 'EROFS'],
  opendir: ['EIO', 'ENOENT', 'EACCES', 'EMFILE', 'ENFILE'],
  readdir: IO,
  fsyncdir: IO,
  statfs: IO,
  access: ['EACCES', 'EIO', 'EROFS'],
  setxattr: ['EIO', ...SPACE, 'EACCES', 'ENOTSUP', 'ERANGE'],
  getxattr: ['EIO', 'ENODATA', 'EACCES', 'ERANGE'],
  listxattr: ['EIO', 'EACCES', 'ERANGE'],
  removexattr: ['EIO', 'ENODATA', 'EACCES'],
  fallocate: [...IO, ...SPACE, 'EFBIG', 'EOPNOTSUPP'],
  lseek: ['ENXIO', 'EIO'],
  copyFileRange: [...IO, ...SPACE, 'EXDEV', 'EFBIG'],
  getlk: ['EIO', 'ENOLCK'],
  setlk: ['EAGAIN', 'EDEADLK', 'ENOLCK', 'EINTR'],
  flock: ['EWOULDBLOCK', 'ENOLCK', 'EINTR'],
};

export type WeightTable = ReadonlyMap<FsOp, readonly (readonly [string, number])[]>;

export interface ErrnoChoice {
  errnos?: readonly string[] | undefined;
  weights?: Readonly<Record<string, number>> | undefined;
  perOp?: Readonly<Record<string, Readonly<Record<string, number>>>> | undefined;
}

/**
 * Per op, the weighted errnos a fault may inject: `perOp[op]` when given, else the realistic set
 * restricted to `errnos`, weighted by `weights` (default 1). Ops left with nothing are absent.
 */
export function buildWeightTable(cfg: ErrnoChoice, ops: readonly FsOp[]): WeightTable {
  const table = new Map<FsOp, (readonly [string, number])[]>();
  for (const op of ops) {
    const explicit = cfg.perOp?.[op];
    const entries: (readonly [string, number])[] =
      explicit !== undefined
        ? Object.entries(explicit)
        : (REALISTIC_ERRNOS[op] ?? [])
            .filter((e) => cfg.errnos === undefined || cfg.errnos.includes(e))
            .map((e) => [e, cfg.weights?.[e] ?? 1] as const);
    if (entries.length > 0) table.set(op, entries);
  }
  return table;
}

/** Pick from weighted entries with a uniform draw u in [0, 1). */
export function pickWeighted(entries: readonly (readonly [string, number])[], u: number): string {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = u * total;
  for (const [name, w] of entries) {
    if (x < w) return name;
    x -= w;
  }
  return entries[entries.length - 1]![0];
}
