import fs from 'node:fs';
import type { BigIntStats } from 'node:fs';

/**
 * Promise wrappers over Node's callback fs API for raw fd numbers (fs.promises only works with
 * FileHandle objects, which the backend does not want: it owns its fds and closes them itself).
 * Every call runs on the libuv threadpool.
 */
type Cb<T> = (err: NodeJS.ErrnoException | null, value: T) => void;

function wrap<T>(start: (cb: Cb<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((err, value) => (err ? reject(err) : resolve(value)));
  });
}

export const fdOpen = (path: string, flags: number, mode = 0o666): Promise<number> =>
  wrap((cb) => fs.open(path, flags, mode, cb));

export const fdClose = (fd: number): Promise<void> =>
  wrap<void>((cb) => fs.close(fd, (e) => cb(e, undefined)));

export const fdStat = (fd: number): Promise<BigIntStats> =>
  wrap((cb) => fs.fstat(fd, { bigint: true }, cb));

export const pathLstat = (path: string): Promise<BigIntStats> =>
  wrap((cb) => fs.lstat(path, { bigint: true }, cb));

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
  wrap<void>((cb) => fs.fchown(fd, uid, gid, (e) => cb(e, undefined)));

export const fdChmod = (fd: number, mode: number): Promise<void> =>
  wrap<void>((cb) => fs.fchmod(fd, mode, (e) => cb(e, undefined)));
