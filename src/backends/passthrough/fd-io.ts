import fs from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { inlineSyscalls, settled } from '../../sys/libc.js';
import { decodeName, encodeName as b } from '../../vfs/names.js';

/**
 * Promise wrappers over Node's fs API for raw fd numbers and confined paths (fs.promises only
 * works with FileHandle objects, which the backend does not want: it owns its fds and closes them
 * itself). Data calls (read, write, fsync) always run on the libuv threadpool; metadata calls run
 * inline when the process runs metadata system calls inline (sys/libc.ts `setInlineSyscalls`).
 * Paths are volume strings and reach the kernel as their exact bytes (`b`, docs/adr/0075): Node
 * would encode a string path as lossy UTF-8, so it is never given one.
 */
type Cb<T> = (err: NodeJS.ErrnoException | null, value: T) => void;

function wrap<T>(start: (cb: Cb<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((err, value) => (err ? reject(err) : resolve(value)));
  });
}

/** A metadata call: `now` inline under that policy (a settled promise), else `later` on the pool. */
function meta<T>(now: () => T, later: (cb: Cb<T>) => void): Promise<T> {
  return inlineSyscalls() ? settled(now) : wrap(later);
}

const done =
  (cb: Cb<void>) =>
  (e: NodeJS.ErrnoException | null): void =>
    cb(e, undefined);

export const fdOpen = (path: string, flags: number, mode = 0o666): Promise<number> =>
  meta(
    () => fs.openSync(b(path), flags, mode),
    (cb) => fs.open(b(path), flags, mode, cb),
  );

export const fdClose = (fd: number): Promise<void> =>
  meta(
    () => fs.closeSync(fd),
    (cb) => fs.close(fd, done(cb)),
  );

export const fdStat = (fd: number): Promise<BigIntStats> =>
  meta(
    () => fs.fstatSync(fd, { bigint: true }),
    (cb) => fs.fstat(fd, { bigint: true }, cb),
  );

export const pathLstat = (path: string): Promise<BigIntStats> =>
  meta(
    () => fs.lstatSync(b(path), { bigint: true }),
    (cb) => fs.lstat(b(path), { bigint: true }, cb),
  );

/** Namespace calls on confined `/proc/self/fd/N/name` paths (confine.ts). */
export const pathIo = {
  unlink: (p: string): Promise<void> =>
    meta(
      () => fs.unlinkSync(b(p)),
      (cb) => fs.unlink(b(p), done(cb)),
    ),
  rmdir: (p: string): Promise<void> =>
    meta(
      () => fs.rmdirSync(b(p)),
      (cb) => fs.rmdir(b(p), done(cb)),
    ),
  mkdir: (p: string, mode: number): Promise<void> =>
    meta(
      () => void fs.mkdirSync(b(p), { mode }),
      (cb) => fs.mkdir(b(p), { mode }, (e) => cb(e, undefined)),
    ),
  symlink: (target: string, p: string): Promise<void> =>
    meta(
      () => fs.symlinkSync(b(target), b(p)),
      (cb) => fs.symlink(b(target), b(p), done(cb)),
    ),
  link: (from: string, to: string): Promise<void> =>
    meta(
      () => fs.linkSync(b(from), b(to)),
      (cb) => fs.link(b(from), b(to), done(cb)),
    ),
  readlink: (p: string): Promise<string> =>
    meta(
      () => decodeName(fs.readlinkSync(b(p), 'buffer')),
      (cb) => fs.readlink(b(p), 'buffer', (e, t) => cb(e, e ? '' : decodeName(t))),
    ),
  lchown: (p: string, uid: number, gid: number): Promise<void> =>
    meta(
      () => fs.lchownSync(b(p), uid, gid),
      (cb) => fs.lchown(b(p), uid, gid, done(cb)),
    ),
  chown: (p: string, uid: number, gid: number): Promise<void> =>
    meta(
      () => fs.chownSync(b(p), uid, gid),
      (cb) => fs.chown(b(p), uid, gid, done(cb)),
    ),
  chmod: (p: string, mode: number): Promise<void> =>
    meta(
      () => fs.chmodSync(b(p), mode),
      (cb) => fs.chmod(b(p), mode, done(cb)),
    ),
};

/** pread into `buffer` (its whole length) with no intermediate copy. */
export const fdRead = (fd: number, buffer: Buffer, position: number): Promise<number> =>
  wrap((cb) => fs.read(fd, buffer, 0, buffer.length, position, cb));

/** pwrite all of `buffer`, looping over short writes (rare on local filesystems, legal). */
export async function fdWriteAll(fd: number, buffer: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const chunk = done === 0 ? buffer : buffer.subarray(done);
    const n = await wrap<number>((cb) => fs.write(fd, chunk, 0, chunk.length, position + done, cb));
    if (n === 0) break;
    done += n;
  }
  return done;
}

export const fdSync = (fd: number, datasync: boolean): Promise<void> =>
  wrap<void>((cb) =>
    datasync ? fs.fdatasync(fd, (e) => cb(e, undefined)) : fs.fsync(fd, (e) => cb(e, undefined)),
  );

export const fdTruncate = (fd: number, size: number): Promise<void> =>
  wrap<void>((cb) => fs.ftruncate(fd, size, (e) => cb(e, undefined)));

export const fdChown = (fd: number, uid: number, gid: number): Promise<void> =>
  meta(
    () => fs.fchownSync(fd, uid, gid),
    (cb) => fs.fchown(fd, uid, gid, done(cb)),
  );

export const fdChmod = (fd: number, mode: number): Promise<void> =>
  meta(
    () => fs.fchmodSync(fd, mode),
    (cb) => fs.fchmod(fd, mode, done(cb)),
  );
