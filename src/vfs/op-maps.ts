/** The arguments and the result of every op of the filesystem contract (types.ts), by op name. */
import type {
  Attr,
  CreateResult,
  DirEntry,
  LockSpec,
  OpenResult,
  StatFs,
  TimeSet,
} from './types.js';

/** Arguments of every op, keyed by op name. `path` is always the node the op is about. */
export interface OpArgsMap {
  lookup: { path: string };
  forget: { path: string };
  getattr: { path: string; fh?: number };
  setattr: {
    path: string;
    fh?: number;
    mode?: number;
    uid?: number;
    gid?: number;
    size?: number;
    atime?: TimeSet;
    mtime?: TimeSet;
    ctime?: bigint;
  };
  readlink: { path: string };
  mknod: { path: string; mode: number; rdev: number; umask: number };
  mkdir: { path: string; mode: number; umask: number };
  unlink: { path: string };
  rmdir: { path: string };
  symlink: { path: string; target: string };
  /** flags: RENAME_NOREPLACE (1), RENAME_EXCHANGE (2), RENAME_WHITEOUT (4). */
  rename: { path: string; newPath: string; flags: number };
  link: { path: string; newPath: string };
  open: { path: string; flags: number; passthrough?: boolean };
  create: { path: string; flags: number; mode: number; umask: number; passthrough?: boolean };
  /** Read into `buffer` (its length is the requested size); resolve with the bytes read. */
  read: { path: string; fh: number; buffer: Buffer; offset: number; flags: number };
  /** Write all of `buffer`; resolve with the bytes written. */
  write: { path: string; fh: number; buffer: Buffer; offset: number; flags: number };
  flush: { path: string; fh: number; lockOwner: bigint };
  fsync: { path: string; fh: number; datasync: boolean };
  release: { path: string; fh: number; flags: number };
  opendir: { path: string; flags: number };
  /** The whole listing, without '.' and '..'; the engine pages it. */
  readdir: { path: string; fh: number };
  releasedir: { path: string; fh: number };
  fsyncdir: { path: string; fh: number; datasync: boolean };
  statfs: { path: string };
  access: { path: string; mask: number };
  setxattr: { path: string; name: string; value: Buffer; flags: number };
  /**
   * Resolve with the value; the engine handles the size-probe protocol. `fh`: a file with no name
   * left (unlinked while open): its attributes are read through that open handle.
   */
  getxattr: { path: string; name: string; fh?: number };
  listxattr: { path: string };
  removexattr: { path: string; name: string; fh?: number };
  /** mode: FALLOC_FL_* bits. */
  fallocate: { path: string; fh: number; offset: number; length: number; mode: number };
  /** whence: SEEK_DATA (3) or SEEK_HOLE (4); resolve with the new offset. */
  lseek: { path: string; fh: number; offset: number; whence: number };
  copyFileRange: {
    path: string;
    fh: number;
    offset: number;
    newPath: string;
    fhOut: number;
    offsetOut: number;
    length: number;
    flags: number;
  };
  getlk: { path: string; fh: number; owner: bigint; lock: LockSpec };
  setlk: { path: string; fh: number; owner: bigint; lock: LockSpec; wait: boolean };
  flock: { path: string; fh: number; owner: bigint; type: number; wait: boolean };
}

export interface OpResultMap {
  lookup: Attr;
  forget: void;
  getattr: Attr;
  setattr: Attr;
  readlink: string;
  mknod: Attr;
  mkdir: Attr;
  unlink: void;
  rmdir: void;
  symlink: Attr;
  rename: void;
  link: Attr;
  open: OpenResult;
  create: CreateResult;
  read: number;
  write: number;
  flush: void;
  fsync: void;
  release: void;
  opendir: OpenResult;
  readdir: DirEntry[];
  releasedir: void;
  fsyncdir: void;
  statfs: StatFs;
  access: void;
  setxattr: void;
  getxattr: Buffer;
  listxattr: string[];
  removexattr: void;
  fallocate: void;
  lseek: number;
  copyFileRange: number;
  getlk: LockSpec;
  setlk: void;
  flock: void;
}

export type FsOp = keyof OpArgsMap;
