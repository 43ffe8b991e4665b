import { FsError } from '../../vfs/errors.js';
import type { LockSpec } from '../../vfs/types.js';
import { F_UNLCK, F_WRLCK } from './constants.js';

/**
 * POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW, keyed by lock owner, byte ranges with an
 * inclusive end) and flock(2) locks (whole file, held by an open file description, i.e. by our
 * handle: two opens conflict even within one process, and the lock goes with the handle).
 * Types use the fcntl values the FUSE protocol carries: F_RDLCK, F_WRLCK, F_UNLCK. A blocked
 * request waits until some lock on the inode goes, or until the call is interrupted (EINTR); a
 * POSIX wait that would close a cycle of owners waiting on each other fails with EDEADLK, as
 * fcntl(F_SETLKW) does.
 */
interface PosixLock extends LockSpec {
  owner: bigint;
}

interface InodeLocks {
  posix: PosixLock[];
  /** Handle -> lock type. */
  flocks: Map<number, number>;
  waiters: Set<() => void>;
}

export interface LockTable {
  getlk(ino: bigint, owner: bigint, lock: LockSpec): LockSpec;
  setlk(
    ino: bigint,
    req: { owner: bigint; lock: LockSpec; wait: boolean },
    signal: AbortSignal,
  ): Promise<void>;
  flock(
    ino: bigint,
    req: { fh: number; type: number; wait: boolean },
    signal: AbortSignal,
  ): Promise<void>;
  /** close(2) of any descriptor drops the owner's POSIX locks on the file. */
  dropOwner(ino: bigint, owner: bigint): void;
  /** The last close of an open file description drops its flock. */
  dropHandle(ino: bigint, fh: number): void;
}

const overlaps = (a: LockSpec, b: LockSpec): boolean => a.start <= b.end && b.start <= a.end;
const conflicts = (held: LockSpec, wanted: LockSpec): boolean =>
  overlaps(held, wanted) && (held.type === F_WRLCK || wanted.type === F_WRLCK);

/** The parts of `held` outside [start, end]. */
function cut(held: PosixLock, start: number, end: number): PosixLock[] {
  if (!overlaps(held, { start, end, type: F_UNLCK, pid: 0 })) return [held];
  const rest: PosixLock[] = [];
  if (held.start < start) rest.push({ ...held, end: start - 1 });
  if (held.end > end) rest.push({ ...held, start: end + 1 });
  return rest;
}

function waitForChange(state: InodeLocks, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new FsError('EINTR'));
      return;
    }
    const onAbort = (): void => {
      state.waiters.delete(wake);
      reject(new FsError('EINTR'));
    };
    const wake = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    state.waiters.add(wake);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function validate(lock: LockSpec): void {
  if (lock.start < 0 || lock.end < lock.start) throw new FsError('EINVAL');
}

export function createLockTable(): LockTable {
  const table = new Map<bigint, InodeLocks>();
  const stateOf = (ino: bigint): InodeLocks => {
    let state = table.get(ino);
    if (state === undefined) {
      state = { posix: [], flocks: new Map(), waiters: new Set() };
      table.set(ino, state);
    }
    return state;
  };
  const changed = (ino: bigint, state: InodeLocks): void => {
    const waiters = [...state.waiters];
    state.waiters.clear();
    for (const wake of waiters) wake();
    if (state.posix.length === 0 && state.flocks.size === 0 && state.waiters.size === 0)
      table.delete(ino);
  };
  /** Owner -> the owners holding the locks it waits for (across all inodes). */
  const waitingOn = new Map<bigint, bigint[]>();
  /** Would `owner` waiting on `blockers` close a cycle of waits? */
  const closesCycle = (owner: bigint, blockers: bigint[]): boolean => {
    const seen = new Set<bigint>();
    const queue = [...blockers];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      if (next === owner) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...(waitingOn.get(next) ?? []));
    }
    return false;
  };
  const posixBlockers = (state: InodeLocks, owner: bigint, lock: LockSpec): bigint[] =>
    state.posix.filter((held) => held.owner !== owner && conflicts(held, lock)).map((h) => h.owner);
  const posixConflict = (state: InodeLocks, owner: bigint, lock: LockSpec): PosixLock | undefined =>
    state.posix.find((held) => held.owner !== owner && conflicts(held, lock));
  const flockConflict = (state: InodeLocks, fh: number, type: number): boolean =>
    [...state.flocks].some(([h, held]) => h !== fh && (held === F_WRLCK || type === F_WRLCK));

  return {
    getlk(ino, owner, lock) {
      validate(lock);
      const state = table.get(ino);
      const held = state === undefined ? undefined : posixConflict(state, owner, lock);
      if (held === undefined) return { ...lock, type: F_UNLCK };
      return { start: held.start, end: held.end, type: held.type, pid: held.pid };
    },
    async setlk(ino, { owner, lock, wait }, signal) {
      validate(lock);
      // Re-read the state after each wait: an inode's entry is dropped when it empties.
      let state = stateOf(ino);
      for (;;) {
        const blockers = lock.type === F_UNLCK ? [] : posixBlockers(state, owner, lock);
        if (blockers.length === 0) break;
        if (!wait) throw new FsError('EAGAIN');
        if (closesCycle(owner, blockers)) throw new FsError('EDEADLK');
        waitingOn.set(owner, blockers);
        try {
          await waitForChange(state, signal);
        } finally {
          waitingOn.delete(owner);
        }
        state = stateOf(ino);
      }
      const kept = state.posix.flatMap((h) =>
        h.owner === owner ? cut(h, lock.start, lock.end) : [h],
      );
      if (lock.type !== F_UNLCK) kept.push({ ...lock, owner });
      state.posix = kept;
      changed(ino, state);
    },
    async flock(ino, { fh, type, wait }, signal) {
      let state = stateOf(ino);
      while (type !== F_UNLCK && flockConflict(state, fh, type)) {
        if (!wait) throw new FsError('EAGAIN');
        await waitForChange(state, signal);
        state = stateOf(ino);
      }
      if (type === F_UNLCK) state.flocks.delete(fh);
      else state.flocks.set(fh, type);
      changed(ino, state);
    },
    dropOwner(ino, owner) {
      const state = table.get(ino);
      if (state === undefined) return;
      state.posix = state.posix.filter((h) => h.owner !== owner);
      changed(ino, state);
    },
    dropHandle(ino, fh) {
      const state = table.get(ino);
      if (state === undefined) return;
      state.flocks.delete(fh);
      changed(ino, state);
    },
  };
}
