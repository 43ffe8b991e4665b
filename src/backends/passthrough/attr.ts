import type { BigIntStats } from 'node:fs';
import type { Attr } from '../../vfs/types.js';

/** The contract's Attr from a BigIntStats (nanosecond times, 64-bit inode numbers intact). */
export function toAttr(st: BigIntStats): Attr {
  return {
    ino: st.ino,
    dev: Number(st.dev),
    size: Number(st.size),
    blocks: Number(st.blocks),
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    mode: Number(st.mode),
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    rdev: Number(st.rdev),
    blksize: Number(st.blksize),
  };
}
