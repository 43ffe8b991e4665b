/**
 * Linux constants the in-memory filesystem needs. Carried here (not read from node:fs) because
 * several (O_ACCMODE, FALLOC_FL_*, SEEK_DATA, XATTR_*) are missing from Node's `fs.constants`,
 * and because the values are the FUSE wire values on Linux whatever platform runs the tests.
 */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const S_IXGRP = 0o010;
/** Permission bits plus setuid, setgid and sticky: what chmod may change. */
export const MODE_BITS = 0o7777;

export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;

// The kernel's flag values, defined once with the syscall bindings.
export {
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE,
  RENAME_EXCHANGE,
  RENAME_NOREPLACE,
  RENAME_WHITEOUT,
  SEEK_DATA,
  SEEK_HOLE,
} from '../../sys/constants.js';

export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;

export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;

export const R_OK = 4;
export const W_OK = 2;
export const X_OK = 1;

/** Longest name in a directory (bytes), as on ext4 and tmpfs. */
export const NAME_MAX = 255;
/** Largest hard-link count (ext4's limit); beyond it link(2) fails with EMLINK. */
export const LINK_MAX = 65000;
/** Largest file size: byte offsets are JS numbers, exact up to 2^53 - 1. */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
/** Block size reported by stat and statfs. */
export const BLOCK_SIZE = 4096;
/** tmpfs reports a directory's size as this many bytes per entry (plus '.' and '..'). */
export const DIRENT_SIZE = 20;
