import koffi from 'koffi';
import type { Attr } from '../vfs/types.js';
import {
  AT_SYMLINK_NOFOLLOW,
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  RESOLVE_BENEATH,
  RESOLVE_NO_SYMLINKS,
  SYS_OPENAT2,
} from './constants.js';
import { STATX_BASIC_STATS, STATX_SIZE, decodeStatx } from './statx-decode.js';

/**
 * The passthrough backend's LOOKUP and GETATTR of a path, for the reader threads
 * (src/fuse/session/direct-lookup.ts), synchronous: openat2 of the parent directory beneath the
 * root with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS and O_PATH (path-steps.ts), statx of the name
 * in it without following it (statx.ts), close; its UNLINK (unlinkat in that directory); and
 * futimens for SETATTR through an open file; write for the crash-custody journal's lines. Not through libc.ts: that declares every libc
 * function the main thread uses, in every reader at start; this loads libc (already mapped in
 * the process) and declares six functions on a reader's first use (as fxattr.ts does).
 */
type Syscall4 = (
  nr: number,
  dirfd: number,
  path: Buffer,
  how: Buffer,
  size: number,
) => number | bigint;
type Statx = (dirfd: number, path: Buffer, flags: number, mask: number, buf: Buffer) => number;
type Close = (fd: number) => number;
type Unlinkat = (dirfd: number, path: Buffer, flags: number) => number;
type Futimens = (fd: number, times: Buffer) => number;
type Write = (fd: number, buf: Buffer, n: number) => number | bigint;
let calls:
  | {
      openat2: Syscall4;
      statx: Statx;
      close: Close;
      unlinkat: Unlinkat;
      futimens: Futimens;
      write: Write;
    }
  | undefined;

const how = Buffer.alloc(24);
how.writeBigUInt64LE(BigInt(O_PATH | O_DIRECTORY | O_CLOEXEC), 0);
how.writeBigUInt64LE(BigInt(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), 16);
const statxBuf = Buffer.alloc(STATX_SIZE);

function load(): NonNullable<typeof calls> {
  const lib = koffi.load('libc.so.6');
  return {
    // openat2 has no glibc wrapper before 2.39 (as in libc.ts).
    openat2: lib.func(
      'long syscall(long nr, int dirfd, void *path, void *how, size_t size)',
    ) as Syscall4,
    statx: lib.func(
      'int statx(int dirfd, void *path, int flags, unsigned int mask, void *buf)',
    ) as Statx,
    close: lib.func('int close(int fd)') as Close,
    unlinkat: lib.func('int unlinkat(int dirfd, void *path, int flags)') as Unlinkat,
    futimens: lib.func('int futimens(int fd, void *times)') as Futimens,
    write: lib.func('long write(int fd, void *buf, size_t n)') as Write,
  };
}

/**
 * The attributes of `name` (NUL-terminated bytes) in the directory at `dir` (NUL-terminated
 * bytes relative to `rootFd`, or undefined for the root itself), or -errno.
 */
export function statBeneath(rootFd: number, dir: Buffer | undefined, name: Buffer): Attr | number {
  return inDir(rootFd, dir, (c, dirfd) =>
    c.statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, statxBuf) < 0
      ? -koffi.errno()
      : decodeStatx(statxBuf),
  );
}

/**
 * unlink(2) of `name` in the directory at `dir` (as statBeneath): 0, or -errno. The passthrough
 * backend's unlink is the same call through /proc/self/fd of the parent's O_PATH fd.
 */
export function unlinkBeneath(rootFd: number, dir: Buffer | undefined, name: Buffer): number {
  return inDir(rootFd, dir, (c, dirfd) => (c.unlinkat(dirfd, name, 0) < 0 ? -koffi.errno() : 0));
}

/** Declare the calls now (a reader that must not throw in a later window: direct-unlink.ts). */
export function metaCallsReady(): void {
  calls ??= load();
}

/**
 * One write(2) of `line` to the O_APPEND fd `fd` (the crash-custody journal: direct-journal.ts):
 * 0, or -errno. A short write counts as written, as the main thread's writeSync does.
 */
export function appendLine(fd: number, line: Buffer): number {
  calls ??= load();
  return Number(calls.write(fd, line, line.length)) < 0 ? -koffi.errno() : 0;
}

/** futimens(2) of `fd` with two struct timespec in `times` (SETATTR: direct-setattr.ts): 0 or -errno. */
export function futimensSync(fd: number, times: Buffer): number {
  calls ??= load();
  return calls.futimens(fd, times) < 0 ? -koffi.errno() : 0;
}

/** `fn` with the fd of `dir` resolved beneath the root (closed after), or -errno of openat2. */
function inDir<T>(
  rootFd: number,
  dir: Buffer | undefined,
  fn: (c: NonNullable<typeof calls>, dirfd: number) => T,
): T | number {
  calls ??= load();
  let dirfd = rootFd;
  if (dir !== undefined) {
    dirfd = Number(calls.openat2(SYS_OPENAT2, rootFd, dir, how, how.length));
    if (dirfd < 0) return -koffi.errno();
  }
  try {
    return fn(calls, dirfd);
  } finally {
    if (dirfd !== rootFd) calls.close(dirfd);
  }
}
