import type { Caller } from '../../vfs/types.js';
import { S_ISGID } from '../../sys/constants.js';
import { fdStat } from './fd-io.js';
import type { MetaIoPolicy } from '../../sys/libc.js';

/** How to change the owner and mode of one just-created object without following symlinks. */
export interface CreatedObject {
  /** O_PATH fd of the directory it was created in. */
  readonly dirfd: number;
  chown(uid: number, gid: number): Promise<void>;
  readonly isDir?: boolean;
  /** Absent for symlinks, whose mode cannot change. */
  chmod?(mode: number): Promise<void>;
}

export interface Ownership {
  /** True when new objects are given to the caller (the server runs as root). */
  readonly chownNew: boolean;
  /**
   * Make a just-created object look as if the caller had created it: owned by the caller's uid,
   * by the caller's gid unless the directory is set-group-ID (then the kernel already chose the
   * directory's group), with exactly `mode` even where the server's own umask removed bits.
   */
  adopt(obj: CreatedObject, caller: Caller, mode: number | undefined): Promise<void>;
}

export function createOwnership(options: {
  chownNew: boolean;
  processUmask: number;
  io: MetaIoPolicy;
}): Ownership {
  const { chownNew, processUmask, io } = options;
  return {
    chownNew,
    async adopt(obj, caller, mode) {
      const needChown = chownNew && !isServerIdentity(caller);
      const chmod = modeNeedsFix(mode, processUmask, needChown) ? obj.chmod : undefined;
      if (!needChown && chmod === undefined) return;
      const setgidDir = (Number((await fdStat(io, obj.dirfd)).mode) & S_ISGID) !== 0;
      // In a set-group-ID directory the kernel already chose the directory's group: keep it.
      if (needChown) await obj.chown(caller.uid, setgidDir ? -1 : caller.gid);
      if (chmod !== undefined)
        await chmod(inheritSetgid(mode ?? 0, obj.isDir === true && setgidDir));
    },
  };
}

/** A root caller (root:root) needs no chown from a root server. */
function isServerIdentity(caller: Caller): boolean {
  return caller.uid === 0 && caller.gid === 0;
}

/** A directory created in a set-group-ID directory inherits the bit: keep it. */
function inheritSetgid(mode: number, inherits: boolean): number {
  return inherits ? mode | S_ISGID : mode;
}

/**
 * The server's umask may have removed bits that the caller's umask (already applied to `mode`)
 * kept, and chown() clears set-ID bits: in both cases the mode must be set explicitly.
 */
function modeNeedsFix(mode: number | undefined, processUmask: number, chowned: boolean): boolean {
  if (mode === undefined) return false;
  return (mode & processUmask) !== 0 || (chowned && (mode & 0o6000) !== 0);
}

/** The process umask, read without changing it (process.umask() with no argument is deprecated). */
export function readProcessUmask(statusText: string): number {
  const m = /^Umask:\s*([0-7]+)/m.exec(statusText);
  return m?.[1] === undefined ? 0o022 : parseInt(m[1], 8);
}
