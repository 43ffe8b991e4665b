/** Which mode bits a write by a caller without CAP_FSETID clears (HANDLE_KILLPRIV_V2). */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_IXGRP = 0o0010;

/** FUSE_WRITE_KILL_SUIDGID in fuse_write_in.write_flags. */
export const WRITE_KILL_SUIDGID = 1 << 2;
/** FUSE_OPEN_KILL_SUIDGID in fuse_open_in.open_flags / fuse_create_in.open_flags. */
export const OPEN_KILL_SUIDGID = 1 << 0;

/**
 * The privilege bits a write by an unprivileged caller must clear from `mode` (0: none): setuid
 * always, setgid only with group execute (without it, setgid marks mandatory locking).
 */
export function privBits(mode: number): number {
  if ((mode & S_IFMT) !== S_IFREG) return 0;
  let bits = mode & S_ISUID;
  if (mode & S_ISGID && mode & S_IXGRP) bits |= S_ISGID;
  return bits;
}
