import { fstatSync } from 'node:fs';
import type { Logger } from '../../log/logger.js';
import { FUSE_DEV_IOC_BACKING_CLOSE, FUSE_DEV_IOC_BACKING_OPEN } from '../protocol/constants.js';
import { sysIoctl } from '../../sys/mount-calls.js';

/**
 * Kernel passthrough backing files (FUSE_DEV_IOC_BACKING_OPEN): one backing id per inode with a
 * reference count, since the kernel refuses a second backing file for an inode that already has
 * one (EBUSY). The kernel opens its own backing file per FUSE open from the registered file's path
 * and the open's flags, so sharing one id between a read-only and a read-write open is correct.
 */
export interface BackingTable {
  /** Register `fd` (or take another reference on its inode's id); 0 when the kernel refused. */
  open(fd: number): number;
  close(id: number): void;
  readonly size: number;
}

export interface BackingOptions {
  /** Any fd of the connection (ids belong to the connection). */
  devFd: number;
  logger: Logger;
  /** The ioctl; a test passes a double of the kernel. */
  ioctl?: (fd: number, request: number, arg: Buffer) => number;
  /** The inode identity of an fd. */
  inodeKey?: (fd: number) => string;
}

const statKey = (fd: number): string => {
  const st = fstatSync(fd, { bigint: true });
  return `${st.dev}:${st.ino}`;
};

export function createBackingTable(o: BackingOptions): BackingTable {
  const ioctl = o.ioctl ?? sysIoctl;
  const keyOf = o.inodeKey ?? statKey;
  const byKey = new Map<string, { id: number; refs: number }>();
  const keyById = new Map<number, string>();
  const map = Buffer.alloc(16); // struct fuse_backing_map { s32 fd; u32 flags; u64 padding }
  let refused = false;

  return {
    open(fd) {
      const key = keyOf(fd);
      const known = byKey.get(key);
      if (known) {
        known.refs++;
        return known.id;
      }
      map.fill(0);
      map.writeInt32LE(fd, 0);
      let id: number;
      try {
        id = ioctl(o.devFd, FUSE_DEV_IOC_BACKING_OPEN, map);
      } catch (err) {
        // EPERM without CAP_SYS_ADMIN: serve the file through the daemon instead; say so once.
        if (!refused) o.logger.warn({ err: (err as Error).message }, 'kernel passthrough refused; serving files through the server');
        refused = true;
        return 0;
      }
      byKey.set(key, { id, refs: 1 });
      keyById.set(id, key);
      return id;
    },
    close(id) {
      const key = keyById.get(id);
      const entry = key === undefined ? undefined : byKey.get(key);
      if (key === undefined || entry === undefined) return;
      if (--entry.refs > 0) return;
      byKey.delete(key);
      keyById.delete(id);
      const arg = Buffer.alloc(4);
      arg.writeUInt32LE(id, 0);
      try {
        ioctl(o.devFd, FUSE_DEV_IOC_BACKING_CLOSE, arg);
      } catch (err) {
        o.logger.debug({ err: (err as Error).message, id }, 'backing close failed');
      }
    },
    get size() {
      return byKey.size;
    },
  };
}
