import koffi from 'koffi';
import { errnoError } from './errno.js';

/**
 * The one place that loads libc through koffi (the engine's mount calls, the handoff's sockets
 * and the backends' file calls all declare their functions on this handle). The file calls below
 * are called with `.async`, so the syscall runs on a libuv threadpool thread and never blocks the
 * event loop; koffi (>= 3.2) makes the calling thread's errno available inside the completion
 * callback, which is how a -1 result becomes an FsError with the right code.
 */
export const lib = koffi.load('libc.so.6');

type Native = ReturnType<typeof lib.func>;

function lastErrno(): number {
  return koffi.errno();
}

/** Run a native call on the threadpool; a negative result rejects with the thread's errno. */
export function callAsync(fn: Native, what: string, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, res: number | bigint) => {
      if (err !== null && err !== undefined) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const n = Number(res);
      if (n < 0) reject(errnoError(lastErrno(), what));
      else resolve(n);
    });
  });
}

/**
 * How one backend runs its metadata system calls: inline on the calling thread, or on the
 * threadpool. A call on a page-cache-warm local filesystem takes microseconds, while a threadpool
 * round trip costs two thread wake-ups and an event-loop turn (the bulk of a metadata request's
 * cost, docs/performance.md). Inline only for local filesystems: on a network filesystem one slow
 * call would stall every request (docs/adr/0074-inline-metadata-syscalls.md). The backend that
 * owns the calls holds the policy and passes it to each one.
 */
export interface MetaIoPolicy {
  readonly inline: boolean;
}

/** Run `now` at once and report its result or error as a settled promise (an inline call). */
export function settled<T>(now: () => T): Promise<T> {
  try {
    return Promise.resolve(now());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/** A metadata call: inline under `io` (settled promise), else on the threadpool. */
export function callMeta(
  io: MetaIoPolicy,
  fn: Native,
  what: string,
  ...args: unknown[]
): Promise<number> {
  return io.inline ? settled(() => callSync(fn, what, ...args)) : callAsync(fn, what, ...args);
}

/** Same, synchronously, for calls that never touch the disk (close of an O_PATH fd, fcntl). */
export function callSync(fn: Native, what: string, ...args: unknown[]): number {
  const n = Number(fn(...args) as number | bigint);
  if (n < 0) throw errnoError(lastErrno(), what);
  return n;
}

export const libc = {
  // openat2 has no glibc wrapper before 2.39: call it through syscall(2), declared with a fixed
  // signature because koffi cannot call variadic functions asynchronously (integer and pointer
  // arguments are passed identically on x86-64 and aarch64 Linux).
  syscall4: lib.func('long syscall(long nr, int dirfd, const char *path, void *how, size_t size)'),
  close: lib.func('int close(int fd)'),
  renameat2: lib.func(
    'int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)',
  ),
  utimensat: lib.func('int utimensat(int dirfd, const char *path, void *times, int flags)'),
  futimens: lib.func('int futimens(int fd, void *times)'),
  mknodat: lib.func('int mknodat(int dirfd, const char *path, uint32_t mode, uint64_t dev)'),
  fchmodat: lib.func('int fchmodat(int dirfd, const char *path, uint32_t mode, int flags)'),
  faccessat: lib.func('int faccessat(int dirfd, const char *path, int mode, int flags)'),
  fallocate: lib.func('int fallocate(int fd, int mode, int64_t offset, int64_t len)'),
  lseek: lib.func('int64_t lseek(int fd, int64_t offset, int whence)'),
  copyFileRange: lib.func(
    'int64_t copy_file_range(int fdin, void *offin, int fdout, void *offout, size_t len, unsigned int flags)',
  ),
  getdents64: lib.func('int64_t getdents64(int fd, void *buf, size_t count)'),
  fstatfs: lib.func('int fstatfs(int fd, void *buf)'),
  getxattr: lib.func(
    'int64_t getxattr(const char *path, const char *name, void *value, size_t size)',
  ),
  setxattr: lib.func(
    'int setxattr(const char *path, const char *name, void *value, size_t size, int flags)',
  ),
  listxattr: lib.func('int64_t listxattr(const char *path, void *list, size_t size)'),
  removexattr: lib.func('int removexattr(const char *path, const char *name)'),
  fcntlLock: lib.func('int fcntl(int fd, int cmd, void *lock)'),
  flock: lib.func('int flock(int fd, int op)'),
} as const;
