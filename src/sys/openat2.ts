import { encodeNameZ } from '../vfs/names.js';
import { callMeta, callSync, libc } from './libc.js';
import type { MetaIoPolicy } from './libc.js';
import { SYS_OPENAT2 } from './constants.js';

/** struct open_how: u64 flags, u64 mode, u64 resolve (24 bytes, extensible by size). */
export function encodeOpenHow(flags: number, mode: number, resolve: number): Buffer {
  const how = Buffer.alloc(24);
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(BigInt(mode), 8);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  return how;
}

/**
 * openat2(2) on the threadpool. `path` is relative to `dirfd`; with RESOLVE_BENEATH the kernel
 * refuses any resolution that leaves `dirfd` (EXDEV), including through '..' or racing renames.
 * `path` is a volume name string, handed to the kernel as its exact bytes (docs/adr/0075).
 */
export function openat2(
  io: MetaIoPolicy,
  dirfd: number,
  path: string,
  how: { flags: number; mode?: number; resolve: number },
): Promise<number> {
  const buf = encodeOpenHow(how.flags, how.mode ?? 0, how.resolve);
  return callMeta(
    io,
    libc.syscall4,
    'openat2',
    SYS_OPENAT2,
    dirfd,
    encodeNameZ(path),
    buf,
    buf.length,
  );
}

/** close(2) synchronously: only for O_PATH fds, whose close never does I/O. */
export function closePathFd(fd: number): void {
  callSync(libc.close, 'close', fd);
}
