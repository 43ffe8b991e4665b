import { nameByteLength } from '../../vfs/names.js';
import type { Attr } from '../../vfs/types.js';
import { BLOCK_SIZE, DIRENT_SIZE, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './constants.js';
import type { FileData } from './file-data.js';

/** What every inode has: the stat fields, xattrs and the count of open handles. */
interface InodeBase {
  readonly ino: bigint;
  /** Type bits and permission bits, as in st_mode. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  xattrs: Map<string, Buffer> | undefined;
  /** Open handles: an unlinked inode lives (and keeps its data) until this drops to zero. */
  openCount: number;
}

export interface DirInode extends InodeBase {
  readonly kind: 'dir';
  readonly entries: Map<string, Inode>;
  /** Path of this directory (directories have exactly one), kept current across renames. */
  path: string;
}

export interface FileInode extends InodeBase {
  readonly kind: 'file';
  readonly data: FileData;
}

export interface SymlinkInode extends InodeBase {
  readonly kind: 'symlink';
  readonly target: string;
}

/** FIFOs, sockets and device nodes: metadata only, their I/O never reaches a filesystem. */
export interface SpecialInode extends InodeBase {
  readonly kind: 'special';
  readonly rdev: number;
}

export type Inode = DirInode | FileInode | SymlinkInode | SpecialInode;

export type InodeKind = Inode['kind'];

export function kindOfMode(mode: number): InodeKind {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return 'dir';
    case S_IFREG:
    case 0:
      return 'file';
    case S_IFLNK:
      return 'symlink';
    default:
      return 'special';
  }
}

function sizeOf(node: Inode): number {
  switch (node.kind) {
    case 'dir':
      return (node.entries.size + 2) * DIRENT_SIZE;
    case 'file':
      return node.data.size;
    case 'symlink':
      return nameByteLength(node.target);
    case 'special':
      return 0;
  }
}

export function toAttr(node: Inode): Attr {
  const allocated = node.kind === 'file' ? node.data.allocated : 0;
  return {
    ino: node.ino,
    size: sizeOf(node),
    blocks: Math.ceil(allocated / 512),
    atimeNs: node.atimeNs,
    mtimeNs: node.mtimeNs,
    ctimeNs: node.ctimeNs,
    mode: node.mode,
    nlink: node.nlink,
    uid: node.uid,
    gid: node.gid,
    rdev: node.kind === 'special' ? node.rdev : 0,
    blksize: BLOCK_SIZE,
  };
}

/** Heap charged for one extended attribute. */
export const xattrCost = (name: string, value: Buffer): number =>
  Buffer.byteLength(name) + value.length;
