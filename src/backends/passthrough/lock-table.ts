import type { Logger } from 'pino';
import { FsError } from '../../vfs/errors.js';
import type { LockSpec } from '../../vfs/types.js';
import { ofdGetlk, ofdSetlk } from '../../sys/locks.js';
import type { RangeLock } from '../../sys/locks.js';
import { F_UNLCK, O_ACCMODE, O_CLOEXEC, O_RDWR } from '../../sys/constants.js';
import { fdClose, fdOpen, fdStat } from './fd-io.js';
import type { MetaIoPolicy } from '../../sys/libc.js';
import type { HandleTable, OpenFile } from './handles.js';
import { applyLock, overlaps } from './lock-ranges.js';

interface OwnerLocks {
  fd: number;
  pid: number;
  held: RangeLock[];
}

export interface LockTable {
  getlk(file: OpenFile, owner: bigint, lock: LockSpec): Promise<LockSpec>;
  /** Non-blocking: throws EAGAIN on conflict (the caller polls for waiting locks). */
  trySetlk(file: OpenFile, owner: bigint, lock: LockSpec): Promise<void>;
  releaseOwner(file: OpenFile, owner: bigint): Promise<void>;
  fileClosed(file: OpenFile): Promise<void>;
  /** Close every lock fd (backend shutdown): all locks taken through the mount are dropped. */
  close(): Promise<void>;
}

/**
 * POSIX record locks on top of open-file-description (OFD) locks. POSIX locks belong to a lock
 * owner (a process), not to an fd: one process never conflicts with itself, even through two
 * opens, and any close drops all its locks on the file. So every (inode, owner) pair gets its own
 * backing fd, reopened from an open handle, and the OFD locks on it behave exactly like that
 * owner's POSIX locks, visible to every other process on the host. See docs/posix.md.
 */
export function createLockTable(deps: {
  handles: HandleTable;
  log: Logger | undefined;
  io: MetaIoPolicy;
}): LockTable {
  const { io } = deps;
  const byInode = new Map<string, Map<bigint, OwnerLocks>>();

  const inodeKey = async (file: OpenFile): Promise<string> => {
    if (file.inodeKey === undefined) {
      const st = await fdStat(io, file.fd);
      file.inodeKey = `${st.dev}:${st.ino}`;
    }
    return file.inodeKey;
  };

  const ownerFd = async (file: OpenFile): Promise<number> => {
    const proc = `/proc/self/fd/${file.fd}`;
    try {
      return await fdOpen(io, proc, O_RDWR | O_CLOEXEC);
    } catch {
      // A file the server may only read (or only write): lock with the handle's own access.
      return fdOpen(io, proc, (file.flags & O_ACCMODE) | O_CLOEXEC);
    }
  };

  const closeOwner = async (owners: Map<bigint, OwnerLocks>, owner: bigint): Promise<void> => {
    const entry = owners.get(owner);
    if (entry === undefined) return;
    owners.delete(owner);
    await fdClose(io, entry.fd);
  };

  return {
    async getlk(file, owner, lock) {
      const owners = byInode.get(await inodeKey(file));
      const mine = owners?.get(owner);
      const got = await ofdGetlk(mine?.fd ?? file.fd, { ...lock, pid: 0 });
      if (got.type === F_UNLCK) return { ...lock, type: F_UNLCK };
      let pid = got.pid > 0 ? got.pid : 0;
      for (const [other, entry] of owners ?? []) {
        if (other !== owner && overlaps(entry.held, got) !== undefined) pid = entry.pid;
      }
      return { start: got.start, end: got.end, type: got.type, pid };
    },

    async trySetlk(file, owner, lock) {
      const key = await inodeKey(file);
      let owners = byInode.get(key);
      if (owners === undefined) byInode.set(key, (owners = new Map()));
      let entry = owners.get(owner);
      if (entry === undefined) {
        if (lock.type === F_UNLCK) return;
        const fd = await ownerFd(file);
        // Another request of the same owner may have won the race for the first lock fd.
        entry = owners.get(owner);
        if (entry === undefined) owners.set(owner, (entry = { fd, pid: lock.pid, held: [] }));
        else await fdClose(io, fd);
      }
      try {
        await ofdSetlk(entry.fd, lock);
      } catch (err) {
        // OFD conflicts report EAGAIN or EACCES; POSIX F_SETLK callers expect EAGAIN.
        if (err instanceof FsError && err.code === 'EACCES') throw new FsError('EAGAIN');
        throw err;
      }
      entry.pid = lock.pid;
      entry.held = applyLock(entry.held, lock);
    },

    async releaseOwner(file, owner) {
      // Any fd of the file, not only one that took a lock: close(2) of another fd of the same
      // file drops the owner's locks too. No lock anywhere: nothing to stat for.
      if (byInode.size === 0) return;
      const owners = byInode.get(await inodeKey(file));
      if (owners !== undefined) await closeOwner(owners, owner);
    },

    async fileClosed(file) {
      const key = file.inodeKey;
      if (key === undefined) return;
      for (const other of deps.handles.values()) if (other.inodeKey === key) return;
      const owners = byInode.get(key);
      byInode.delete(key);
      // Normally empty: every close sends FLUSH first. Whatever is left goes with the last handle.
      for (const owner of [...(owners?.keys() ?? [])]) await closeOwner(owners!, owner);
      deps.log?.debug({ key }, 'lock state of inode dropped');
    },

    async close() {
      const all = [...byInode.values()];
      byInode.clear();
      for (const owners of all)
        for (const owner of [...owners.keys()]) await closeOwner(owners, owner);
    },
  };
}
