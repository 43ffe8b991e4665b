/**
 * The filesystem contract shared by the FUSE engine, the layers and the backends.
 *
 * Everything is path based: the engine resolves FUSE node IDs to paths (relative to the volume
 * root, always starting with '/', never containing '.' or '..' components) so that layers can
 * filter by glob and report file names rather than inodes. A backend implements the ops it
 * supports; a missing op answers ENOSYS. Every op receives one `OpCall`, whose `args` type is
 * fixed by `op`.
 */
import type { FsOp, OpArgsMap, OpResultMap } from './op-maps.js';
export type { Layer, ServedOutcome } from './layer-types.js';
export type { FsOp, OpArgsMap, OpResultMap } from './op-maps.js';

export interface Caller {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** File attributes. Times are nanoseconds since the epoch (BigInt, like Node's BigIntStats). */
export interface Attr {
  ino: bigint;
  /**
   * The device of the inode, when a backend spans filesystems (the passthrough backend: mounts
   * inside the source). Inode numbers are only unique per device.
   */
  dev?: number;
  size: number;
  blocks: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  blksize: number;
}

export interface StatFs {
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  bsize: number;
  namelen: number;
  frsize: number;
}

/** A time to set: nanoseconds since the epoch, or the server's current time. */
export type TimeSet = bigint | 'now';

export interface DirEntry {
  name: string;
  /** File type bits (S_IFMT part of mode) when known; 0 when unknown. */
  type: number;
  ino: bigint;
  /** Full attributes when the backend has them at no extra cost (saves a lookup per entry). */
  attr?: Attr;
}

export interface OpenResult {
  /** Backend-chosen handle, opaque to everybody else. */
  fh: number;
  /** Kernel may keep its page cache across opens (FOPEN_KEEP_CACHE). */
  keepCache?: boolean;
  /** Bypass the page cache for this file (FOPEN_DIRECT_IO). */
  directIo?: boolean;
  /**
   * A backing fd for kernel passthrough (FOPEN_PASSTHROUGH): set by the passthrough backend when
   * the engine asked for it (`args.passthrough`) and no layer needs the data of this file.
   */
  backingFd?: number;
}

export interface CreateResult extends OpenResult {
  attr: Attr;
}

export interface LockSpec {
  start: number;
  end: number;
  /** F_RDLCK, F_WRLCK or F_UNLCK (fcntl constants). */
  type: number;
  pid: number;
}

export interface OpCall<O extends FsOp = FsOp> {
  readonly op: O;
  /** Same as `args.path`, repeated so that layers can filter without narrowing. */
  readonly path: string;
  readonly args: OpArgsMap[O];
  readonly caller: Caller;
  /** Aborted when the kernel interrupts the request (FUSE_INTERRUPT) or the server shuts down. */
  readonly signal: AbortSignal;
  /** True when the kernel re-sent this request after a server restart (FUSE_NOTIFY_RESEND). */
  readonly resent?: boolean;
  /**
   * A reader thread drew this request into a layer's sample (Layer.readerMetaSample) and handed
   * it over for that: the sampling layer acts on it without drawing again.
   */
  readonly sampled?: boolean;
}

/** Narrow an OpCall by op name. */
export function isOp<O extends FsOp>(call: OpCall, op: O): call is OpCall<O> {
  return call.op === op;
}

/** A backend: the ops it implements. Anything missing answers ENOSYS. */
export type Backend = {
  readonly name: string;
  /**
   * The backend stores system.posix_acl_access/default with their POSIX meaning: setting one
   * updates the mode, chmod updates the ACL, a new object inherits its parent's default ACL
   * (and then ignores the umask). Only then does the mount let the kernel enforce ACLs.
   */
  readonly posixAcl?: boolean;
  /**
   * False when the backend's metadata system calls may block for long (a network filesystem:
   * they run on the threadpool, ADR 0074): the reader threads then make none of them (an fstat
   * on NFS first writes the file's dirty pages back). Absent: no such calls to fear.
   */
  readonly inlineMeta?: boolean;
  /**
   * The directory fd every path of this backend resolves beneath (openat2 with RESOLVE_BENEATH |
   * RESOLVE_NO_SYMLINKS, O_PATH), whose lookup and getattr of a path are statx of the name in
   * its parent directory, without following it: the reader threads may then answer LOOKUP and
   * GETATTR of nodes the kernel already has with those same calls (ADR 0087). Absent: never.
   */
  readonly metaRootFd?: number;
  close?(): Promise<void>;
} & { [O in FsOp]?: (call: OpCall<O>) => Promise<OpResultMap[O]> };
