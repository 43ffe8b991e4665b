import type { GateConfig } from './reader-gate.js';
/**
 * The filesystem contract shared by the FUSE engine, the layers and the backends.
 *
 * Everything is path based: the engine resolves FUSE node IDs to paths (relative to the volume
 * root, always starting with '/', never containing '.' or '..' components) so that layers can
 * filter by glob and report file names rather than inodes. A backend implements the ops it
 * supports; a missing op answers ENOSYS. Every op receives one `OpCall`, whose `args` type is
 * fixed by `op`.
 */

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

export interface Layer {
  readonly name: string;
  /**
   * Wrap one op. Call `next()` to pass the call on (possibly after changing `call.args` in place,
   * e.g. shortening a buffer), or throw an FsError, or answer without calling next.
   */
  around<O extends FsOp>(
    call: OpCall<O>,
    next: () => Promise<OpResultMap[O]>,
  ): Promise<OpResultMap[O]>;
  /** True when the layer needs to see file data (disables kernel passthrough and caches). */
  readonly needsData?: boolean;
  /**
   * True when the reader tap is all this layer needs of READ/WRITE that the reader threads serve
   * themselves (ADR 0076): those requests then skip `around`, and the layer takes their counts
   * from the tap (src/vfs/reader-tap.ts). Every other op still goes through `around`.
   */
  readonly readerTap?: boolean;
  /**
   * The layer's reader-side form for READ/WRITE (throttle, latency; src/vfs/reader-gate.ts):
   * the reader threads apply it themselves and those requests skip `around`. Absent: any
   * READ/WRITE under this layer goes through the main thread.
   */
  readonly readerGate?: GateConfig;
  /**
   * True when the layer, as configured, does nothing to the requests the reader threads serve
   * (READ, WRITE, FSYNC, FLUSH of registered files; src/fuse/session/direct-io.ts): no delay, no
   * fault, no count, no random draw, and nothing that can change before the next stack swap
   * (which computes a new plan). Those requests then skip `around`; every other op still goes
   * through it.
   */
  readonly readerIdle?: boolean;
  /**
   * Present when the layer decides per open file whether it must see READ/WRITE/FSYNC/FLUSH
   * (trace: only sampled files get spans). Asked on the main thread right after open/create
   * answered with the backend's handle `fh`: true when the layer has nothing to do for that
   * handle's data requests until its release, which still goes through `around`. A handle it
   * does not know must answer false.
   */
  readerServes?(fh: number): boolean;
  /**
   * The metadata requests the reader threads may answer themselves (LOOKUP of a known name,
   * GETATTR, GETXATTR of security.capability: StackPlan.readerGetattr) are ones this layer acts
   * on only in this share (0..1) of them, drawn per request, and passes on untouched otherwise
   * (trace's per-op sampling). A reader then draws itself: it answers what is not drawn and
   * hands what is to the main thread with OpCall.sampled, which the layer must act on without
   * drawing again. Absent: the layer keeps those requests on the main thread.
   */
  readonly readerMetaSample?: number;
  /**
   * True when, as configured, every ENOENT a LOOKUP gets through this layer is the backend's own
   * answer: the layer never fails a LOOKUP with ENOENT itself (a fault with lookup in its errno
   * table may) and never adds, removes or renames a backend name but by passing on the app's op.
   * Under `-o exclusive` the kernel may then keep such an answer as a negative entry (StackPlan
   * `cacheMisses`). Absent: it may not (the safe default for a layer that does not say).
   */
  readonly missesFromBackend?: boolean;
  close?(): Promise<void>;
}
