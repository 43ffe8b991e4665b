import { FsError } from '../../vfs/errors.js';
import type { OpArgsMap } from '../../vfs/types.js';
import { CHUNK_SIZE } from './chunked-data.js';
import {
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE,
  O_APPEND,
  SEEK_DATA,
  SEEK_HOLE,
} from './constants.js';
import type { FileInode } from './inode.js';
import type { BackendOps, FsState } from './state.js';
import { fileOf, readableHandle, writableHandle } from './state.js';

type SpaceOps = 'fallocate' | 'lseek' | 'copyFileRange';

const SUPPORTED = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE;

function checkFallocMode(mode: number): void {
  // COLLAPSE_RANGE, INSERT_RANGE and friends shift data; not offered, like on tmpfs.
  if ((mode & ~SUPPORTED) !== 0) throw new FsError('EOPNOTSUPP');
  const punch = (mode & FALLOC_FL_PUNCH_HOLE) !== 0;
  if (punch && (mode & FALLOC_FL_ZERO_RANGE) !== 0) throw new FsError('EINVAL');
  // vfs_fallocate: a hole punch must keep the size.
  if (punch && (mode & FALLOC_FL_KEEP_SIZE) === 0) throw new FsError('EOPNOTSUPP');
}

function fallocate(state: FsState, args: OpArgsMap['fallocate']): void {
  const { offset, length, mode } = args;
  if (offset < 0 || length <= 0) throw new FsError('EINVAL');
  checkFallocMode(mode);
  const node = fileOf(writableHandle(state, args.fh));
  const { data } = node;
  const end = offset + length;
  if ((mode & FALLOC_FL_PUNCH_HOLE) !== 0) {
    data.punch(offset, length);
    state.tree.touch(node, true);
    return;
  }
  if ((mode & FALLOC_FL_ZERO_RANGE) !== 0) data.punch(offset, length);
  data.reserve(offset, length);
  const grows = (mode & FALLOC_FL_KEEP_SIZE) === 0 && end > data.size;
  if (grows) data.truncate(end);
  if (grows || (mode & FALLOC_FL_ZERO_RANGE) !== 0) state.tree.touch(node, true);
}

function lseek(state: FsState, args: OpArgsMap['lseek']): number {
  const { data } = fileOf(state.handles.get(args.fh));
  if (args.whence !== SEEK_DATA && args.whence !== SEEK_HOLE) throw new FsError('EINVAL');
  if (args.offset < 0) throw new FsError('EINVAL');
  if (args.offset >= data.size) throw new FsError('ENXIO');
  if (args.whence === SEEK_HOLE) return data.nextHole(args.offset);
  const next = data.nextData(args.offset);
  if (next === undefined) throw new FsError('ENXIO');
  return next;
}

/** Is [offset, offset + length) of `file` all hole? */
const isHole = (file: FileInode, offset: number, length: number): boolean => {
  const next = file.data.nextData(offset);
  return next === undefined || next >= offset + length;
};

/**
 * Copy in chunk-sized steps through one buffer. Holes in the source that land past the end of
 * the destination are not written, so copying a sparse file keeps it sparse.
 */
function copyRange(src: FileInode, dst: FileInode, args: OpArgsMap['copyFileRange']): number {
  const total = Math.max(0, Math.min(args.length, src.data.size - args.offset));
  const buffer = Buffer.alloc(Math.min(total, CHUNK_SIZE));
  let done = 0;
  while (done < total) {
    const step = Math.min(buffer.length, total - done);
    const out = args.offsetOut + done;
    if (isHole(src, args.offset + done, step) && out >= dst.data.size) {
      done += step;
      continue;
    }
    const piece = buffer.subarray(0, step);
    src.data.read(piece, args.offset + done);
    let written: number;
    try {
      written = dst.data.write(piece, out);
    } catch (err) {
      if (done > 0) break;
      throw err;
    }
    done += written;
    if (written < step) break;
  }
  if (done > 0 && args.offsetOut + done > dst.data.size) dst.data.truncate(args.offsetOut + done);
  return done;
}

function copyFileRange(state: FsState, args: OpArgsMap['copyFileRange']): number {
  if (args.flags !== 0) throw new FsError('EINVAL');
  if (args.offset < 0 || args.offsetOut < 0 || args.length < 0) throw new FsError('EINVAL');
  const src = fileOf(readableHandle(state, args.fh));
  const outHandle = writableHandle(state, args.fhOut);
  if ((outHandle.flags & O_APPEND) !== 0) throw new FsError('EBADF');
  const dst = fileOf(outHandle);
  const overlap =
    args.offset < args.offsetOut + args.length && args.offsetOut < args.offset + args.length;
  if (src === dst && overlap) throw new FsError('EINVAL');
  const copied = copyRange(src, dst, args);
  if (copied > 0) state.tree.touch(dst, true);
  return copied;
}

export function createSpaceOps(state: FsState): BackendOps<SpaceOps> {
  return {
    fallocate: async ({ args }) => fallocate(state, args),
    lseek: async ({ args }) => lseek(state, args),
    copyFileRange: async ({ args }) => copyFileRange(state, args),
  };
}
