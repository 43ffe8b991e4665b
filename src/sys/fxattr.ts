import koffi from 'koffi';

/**
 * fgetxattr for the reader threads (src/fuse/session/direct-xattr.ts), synchronous: the reader
 * runs the call itself. Not through libc.ts: importing that declares every libc function the
 * main thread uses, in every reader at start; this loads libc (already mapped in the process)
 * and declares the one function on a reader's first GETXATTR.
 */
type Fgetxattr = (fd: number, name: string, value: Buffer, size: number) => number | bigint;
let fn: Fgetxattr | undefined;

/** The value's length, or -errno. */
export function fgetxattrSync(fd: number, name: string, value: Buffer, size: number): number {
  fn ??= koffi
    .load('libc.so.6')
    .func('long fgetxattr(int fd, const char *name, void *value, size_t size)') as Fgetxattr;
  const n = Number(fn(fd, name, value, size));
  return n < 0 ? -koffi.errno() : n;
}
