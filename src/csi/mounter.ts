/**
 * What the driver needs from the FUSE engine, behind an interface so that the gRPC tests run
 * with an in-process fake and the real implementation (fuse-mounter.ts) stays a thin adapter.
 */
export interface MountSpec {
  targetPath: string;
  readOnly: boolean;
  /** Source column of /proc/mounts. */
  fsName: string;
  /** Queue fds in total: the mounted fd plus queues - 1 FUSE_DEV_IOC_CLONE copies. */
  queues: number;
  /** The volume's fixed FUSE_INIT choices (volume attributes and chart values). */
  init: Readonly<Record<string, unknown>>;
}

export interface Mounted {
  /** fds[0] is the fd the mount was made with; the rest are cloned queue fds. */
  fds: number[];
  /** The negotiated INIT parameters, JSON-serialisable (the kernel sends INIT only once). */
  init: Readonly<Record<string, unknown>>;
}

export interface Mounter {
  /** Open /dev/fuse, mount at the target, answer FUSE_INIT, clone the queue fds. */
  mount(spec: MountSpec): Promise<Mounted>;
  /** Unmount; a busy mount is detached lazily. Not mounted is not an error. */
  unmount(targetPath: string): Promise<void>;
  /** The type of what is mounted at the target (e.g. fuse.fs-interposer), undefined if nothing. */
  mountType(targetPath: string): Promise<string | undefined>;
  closeFds(fds: readonly number[]): void;
}
