import { statfsSync } from 'node:fs';
import type { Logger } from '../log/logger.js';
import type { MetaIoPolicy } from './libc.js';

/**
 * Local filesystems (statfs f_type magic numbers, linux/magic.h): a metadata call on them is
 * bounded by the local disk, so it may run inline. Anything else (NFS, CIFS/SMB, Ceph, 9p, FUSE,
 * GlusterFS, Lustre...) can stall for seconds on the network and stays on the threadpool.
 */
const LOCAL: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
  [0x794c7630, 'overlayfs'],
  [0xf2f52010, 'f2fs'],
  [0x2fc12fc1, 'zfs'],
  [0xca451a4e, 'bcachefs'],
]);

export interface FilesystemKind {
  /** statfs f_type. */
  type: number;
  /** A name for logs: the local filesystem's, or the magic number in hex. */
  name: string;
  local: boolean;
}

export function filesystemKind(path: string): FilesystemKind {
  const type = Number(statfsSync(path).type) >>> 0;
  const name = LOCAL.get(type);
  return { type, name: name ?? `0x${type.toString(16)}`, local: name !== undefined };
}

/** How metadata system calls run: inline on the serving thread, on the threadpool, or chosen by filesystem. */
export type MetaIo = 'inline' | 'pool' | 'auto';
export const META_IO: readonly MetaIo[] = ['auto', 'inline', 'pool'];

/**
 * The metadata-call policy of one passthrough backend over `path`: `auto` is inline for a local
 * filesystem, the threadpool otherwise. Each backend holds its own, so a volume on a network
 * filesystem keeps its calls on the threadpool without moving a local volume's off the thread.
 */
export function metaIoFor(mode: MetaIo, path: string, logger: Logger): MetaIoPolicy {
  const fs = filesystemKind(path);
  const inline = mode === 'inline' || (mode === 'auto' && fs.local);
  logger.info({ filesystem: fs.name, metaIo: inline ? 'inline' : 'pool' }, 'metadata system calls');
  return { inline };
}
