import fs from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { inlineSyscalls, settled } from '../../sys/libc.js';

/**
 * Promise wrappers over Node's fs API for raw fd numbers and confined paths (fs.promises only
 * works with FileHandle objects, which the backend does not want: it owns its fds and closes them
 * itself). Data calls (read, write, fsync) always run on the libuv threadpool; metadata calls run
 * inline when the process runs metadata system calls inline (sys/libc.ts `setInlineSyscalls`).
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
    () => fs.openSync(path, flags, mode),
    (cb) => fs.open(path, flags, mode, cb),
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
    () => fs.lstatSync(path, { bigint: true }),
    (cb) => fs.lstat(path, { bigint: true }, cb),
  );

/** Namespace calls on confined `/proc/self/fd/N/name` paths (confine.ts). */
export const pathIo = {
  unlink: (p: string): Promise<void> =>
    meta(
      () => fs.unlinkSync(p),
      (cb) => fs.unlink(p, done(cb)),
    ),
  rmdir: (p: string): Promise<void> =>
    meta(
      () => fs.rmdirSync(p),
      (cb) => fs.rmdir(p, done(cb)),
    ),
  mkdir: (p: string, mode: number): Promise<void> =>
    meta(
      () => void fs.mkdirSync(p, { mode }),
      (cb) => fs.mkdir(p, { mode }, (e) => cb(e, undefined)),
    ),
  symlink: (target: string, p: string): Promise<void> =>
    meta(
      () => fs.symlinkSync(target, p),
      (cb) => fs.symlink(target, p, done(cb)),
    ),
  link: (from: string, to: string): Promise<void> =>
    meta(
      () => fs.linkSync(from, to),
      (cb) => fs.link(from, to, done(cb)),
    ),
  readlink: (p: string): Promise<string> =>
    meta(
      () => fs.readlinkSync(p, 'utf8'),
      (cb) => fs.readlink(p, 'utf8', cb),
    ),
  lchown: (p: string, uid: number, gid: number): Promise<void> =>
    meta(
      () => fs.lchownSync(p, uid, gid),
      (cb) => fs.lchown(p, uid, gid, done(cb)),
    ),
  chown: (p: string, uid: number, gid: number): Promise<void> =>
    meta(
      () => fs.chownSync(p, uid, gid),
      (cb) => fs.chown(p, uid, gid, done(cb)),
    ),
  chmod: (p: string, mode: number): Promise<void> =>
    meta(
      () => fs.chmodSync(p, mode),
      (cb) => fs.chmod(p, mode, done(cb)),
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
