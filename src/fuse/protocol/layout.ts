/**
 * Byte layouts of the FUSE structs we read and write (all little-endian). This file and the
 * codec next to it are the only places that know offsets.
 */
export const IN_HEADER_SIZE = 40;
export const OUT_HEADER_SIZE = 16;

export const InHeader = {
  len: 0,
  opcode: 4,
  unique: 8,
  nodeid: 16,
  uid: 24,
  gid: 28,
  pid: 32,
  totalExtlen: 36,
} as const;

export const OutHeader = { len: 0, error: 4, unique: 8 } as const;

export const ATTR_SIZE = 88;
export const ENTRY_OUT_SIZE = 40 + ATTR_SIZE; // 128
export const ATTR_OUT_SIZE = 16 + ATTR_SIZE; // 104
export const OPEN_OUT_SIZE = 16;
export const WRITE_OUT_SIZE = 8;
export const STATFS_OUT_SIZE = 80;
export const INIT_OUT_SIZE = 64;
export const GETXATTR_OUT_SIZE = 8;
export const LK_OUT_SIZE = 24;
export const DIRENT_BASE_SIZE = 24;

/** Fixed argument sizes per request (bytes after the in header, before any names). */
export const ArgSize = {
  forget: 8,
  batchForget: 8,
  forgetOne: 16,
  getattr: 16,
  setattr: 88,
  mknod: 16,
  mkdir: 8,
  rename: 8,
  rename2: 16,
  link: 8,
  open: 8,
  create: 16,
  read: 40,
  write: 40,
  release: 24,
  flush: 24,
  fsync: 16,
  setxattr: 8,
  setxattrExt: 16,
  getxattr: 8,
  access: 8,
  init: 16,
  interrupt: 8,
  lk: 48,
  fallocate: 32,
  lseek: 24,
  copyFileRange: 56,
} as const;

export const AttrOff = {
  ino: 0,
  size: 8,
  blocks: 16,
  atime: 24,
  mtime: 32,
  ctime: 40,
  atimensec: 48,
  mtimensec: 52,
  ctimensec: 56,
  mode: 60,
  nlink: 64,
  uid: 68,
  gid: 72,
  rdev: 76,
  blksize: 80,
  flags: 84,
} as const;

export const SetattrOff = {
  valid: 0,
  fh: 8,
  size: 16,
  lockOwner: 24,
  atime: 32,
  mtime: 40,
  ctime: 48,
  atimensec: 56,
  mtimensec: 60,
  ctimensec: 64,
  mode: 68,
  uid: 76,
  gid: 80,
} as const;

export const InitInOff = { major: 0, minor: 4, maxReadahead: 8, flags: 12, flags2: 16 } as const;

export const InitOutOff = {
  major: 0,
  minor: 4,
  maxReadahead: 8,
  flags: 12,
  maxBackground: 16,
  congestionThreshold: 18,
  maxWrite: 20,
  timeGran: 24,
  maxPages: 28,
  mapAlignment: 30,
  flags2: 32,
  maxStackDepth: 36,
} as const;
