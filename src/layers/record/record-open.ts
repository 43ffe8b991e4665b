import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';

// libuv opens every file O_CLOEXEC.
const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

/** Log files are private: they hold every user's paths, and the server often runs as root. */
export const LOG_FILE_MODE = 0o600;

export interface OpenLogFileOptions {
  /** Append to an existing regular file owned by this uid (else an existing file is refused). */
  append?: boolean;
  /** What the file is, for errors ("record file", "decision log"). */
  what?: string;
}

/** The files this process created (path -> dev:ino): reopening one of them is not appending. */
const created = new Map<string, string>();
const idOf = (st: { dev: number; ino: number }): string => `${st.dev}:${st.ino}`;

/**
 * Open a log file the server writes (record, decision log) for appending, safely as root in a
 * directory others can write: never through a symlink (O_NOFOLLOW), a new file created
 * exclusively (O_EXCL) with mode 0600, and an existing file only when asked to append and only
 * a regular file of ours with one link (no device, FIFO, or hard link to someone else's file).
 * A file this process created itself (a stack swap that keeps the path, a rotation) reopens.
 */
export function openLogFile(path: string, o: OpenLogFileOptions = {}): number {
  const what = o.what ?? 'log file';
  try {
    const fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW, LOG_FILE_MODE);
    created.set(path, idOf(fstatSync(fd)));
    return fd;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(path);
  const ours = created.get(path) === idOf(st);
  if (!ours) refuseExisting(path, st, what, o.append === true);
  // O_NONBLOCK: should the file have been swapped for a FIFO since the lstat, do not wait on it.
  const fd = openSync(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK);
  if (idOf(fstatSync(fd)) !== idOf(st)) {
    closeSync(fd);
    throw new Error(`${what} ${path} was replaced while it was opened; not writing to it`);
  }
  return fd;
}

function refuseExisting(
  path: string,
  st: { isFile(): boolean; isSymbolicLink(): boolean; uid: number; nlink: number },
  what: string,
  append: boolean,
): void {
  const uid = process.geteuid?.() ?? 0;
  if (st.isSymbolicLink())
    throw new Error(`${what} ${path} is a symlink; a log file is never written through one`);
  if (!append)
    throw new Error(
      `${what} ${path} already exists: remove it or choose a new path (or set append: true to add to it)`,
    );
  if (!st.isFile())
    throw new Error(`${what} ${path} is not a regular file; only one can be appended to`);
  if (st.uid !== uid)
    throw new Error(`${what} ${path} is owned by uid ${st.uid}, not ${uid}; not appending to it`);
  if (st.nlink !== 1)
    throw new Error(`${what} ${path} has ${st.nlink} hard links; not appending to it`);
}
