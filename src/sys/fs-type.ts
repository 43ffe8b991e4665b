import { statfsSync } from 'node:fs';
import type { Logger } from '../log/logger.js';
import { inlineSyscalls, setInlineSyscalls } from './libc.js';

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

/** `auto`: inline for a local filesystem, the threadpool otherwise. */
function resolveMetaIo(mode: MetaIo, path: string): { inline: boolean; fs: FilesystemKind } {
  const fs = filesystemKind(path);
  return { inline: mode === 'inline' || (mode === 'auto' && fs.local), fs };
}

let volumes = 0;

/**
 * Set the process-wide policy (libc.ts `setInlineSyscalls`) for one more volume served by this
 * process: inline only while every volume so far resolved to inline; one volume on the threadpool
 * (a network filesystem) keeps them all there.
 */
export function adoptMetaIo(mode: MetaIo, path: string, logger: Logger): void {
  const io = resolveMetaIo(mode, path);
  setInlineSyscalls(io.inline && (volumes++ === 0 || inlineSyscalls()));
  logger.info(
    { filesystem: io.fs.name, metaIo: inlineSyscalls() ? 'inline' : 'pool' },
    'metadata system calls',
  );
}
