import fs from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { settled } from '../../sys/libc.js';
import type { MetaIoPolicy } from '../../sys/libc.js';
import { decodeName, encodeName as b } from '../../vfs/names.js';

/**
 * Promise wrappers over Node's fs API for raw fd numbers and confined paths (fs.promises only
 * works with FileHandle objects, which the backend does not want: it owns its fds and closes them
 * itself). Data calls (read, write, fsync) always run on the libuv threadpool; metadata calls run
 * inline when the backend's policy says so (`io`, sys/libc.ts `MetaIoPolicy`).
 * Paths are volume strings and reach the kernel as their exact bytes (`b`, docs/adr/0075): Node
 * would encode a string path as lossy UTF-8, so it is never given one.
 */
type Cb<T> = (err: NodeJS.ErrnoException | null, value: T) => void;

function wrap<T>(start: (cb: Cb<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((err, value) => (err ? reject(err) : resolve(value)));
  });
}

/** A metadata call: `now` inline under `io` (a settled promise), else `later` on the pool. */
function meta<T>(io: MetaIoPolicy, now: () => T, later: (cb: Cb<T>) => void): Promise<T> {
  return io.inline ? settled(now) : wrap(later);
}

const done =
  (cb: Cb<void>) =>
  (e: NodeJS.ErrnoException | null): void =>
    cb(e, undefined);

export const fdOpen = (
  io: MetaIoPolicy,
  path: string,
  flags: number,
  mode = 0o666,
): Promise<number> =>
  meta(
    io,
    () => fs.openSync(b(path), flags, mode),
    (cb) => fs.open(b(path), flags, mode, cb),
  );

export const fdClose = (io: MetaIoPolicy, fd: number): Promise<void> =>
  meta(
    io,
    () => fs.closeSync(fd),
    (cb) => fs.close(fd, done(cb)),
  );

export const fdStat = (io: MetaIoPolicy, fd: number): Promise<BigIntStats> =>
  meta(
    io,
    () => fs.fstatSync(fd, { bigint: true }),
    (cb) => fs.fstat(fd, { bigint: true }, cb),
  );

/** Namespace calls on confined `/proc/self/fd/N/name` paths (confine.ts). */
export const pathIo = {
  unlink: (io: MetaIoPolicy, p: string): Promise<void> =>
    meta(
      io,
      () => fs.unlinkSync(b(p)),
      (cb) => fs.unlink(b(p), done(cb)),
    ),
  rmdir: (io: MetaIoPolicy, p: string): Promise<void> =>
    meta(
      io,
      () => fs.rmdirSync(b(p)),
      (cb) => fs.rmdir(b(p), done(cb)),
    ),
  mkdir: (io: MetaIoPolicy, p: string, mode: number): Promise<void> =>
    meta(
      io,
      () => void fs.mkdirSync(b(p), { mode }),
      (cb) => fs.mkdir(b(p), { mode }, (e) => cb(e, undefined)),
    ),
  symlink: (io: MetaIoPolicy, target: string, p: string): Promise<void> =>
    meta(
      io,
      () => fs.symlinkSync(b(target), b(p)),
      (cb) => fs.symlink(b(target), b(p), done(cb)),
    ),
  link: (io: MetaIoPolicy, from: string, to: string): Promise<void> =>
    meta(
      io,
      () => fs.linkSync(b(from), b(to)),
      (cb) => fs.link(b(from), b(to), done(cb)),
    ),
  readlink: (io: MetaIoPolicy, p: string): Promise<string> =>
    meta(
      io,
      () => decodeName(fs.readlinkSync(b(p), 'buffer')),
      (cb) => fs.readlink(b(p), 'buffer', (e, t) => cb(e, e ? '' : decodeName(t))),
    ),
  lchown: (io: MetaIoPolicy, p: string, uid: number, gid: number): Promise<void> =>
    meta(
      io,
      () => fs.lchownSync(b(p), uid, gid),
      (cb) => fs.lchown(b(p), uid, gid, done(cb)),
    ),
  chown: (io: MetaIoPolicy, p: string, uid: number, gid: number): Promise<void> =>
    meta(
      io,
      () => fs.chownSync(b(p), uid, gid),
      (cb) => fs.chown(b(p), uid, gid, done(cb)),
    ),
  chmod: (io: MetaIoPolicy, p: string, mode: number): Promise<void> =>
    meta(
      io,
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

export const fdChown = (io: MetaIoPolicy, fd: number, uid: number, gid: number): Promise<void> =>
  meta(
    io,
    () => fs.fchownSync(fd, uid, gid),
    (cb) => fs.fchown(fd, uid, gid, done(cb)),
  );

export const fdChmod = (io: MetaIoPolicy, fd: number, mode: number): Promise<void> =>
  meta(
    io,
    () => fs.fchmodSync(fd, mode),
    (cb) => fs.fchmod(fd, mode, done(cb)),
  );
