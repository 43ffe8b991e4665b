import { decodeName } from '../vfs/names.js';
import { callMeta, libc } from './libc.js';
import type { MetaIoPolicy } from './libc.js';
import { SEEK_SET } from './constants.js';

export interface RawDirEntry {
  name: string;
  ino: bigint;
  /** d_type (DT_*), 0 when the filesystem does not report it. */
  dtype: number;
}

const CHUNK = 64 * 1024;

/**
 * Parse linux_dirent64 records: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, name\0.
 * Names are bytes: decoded losslessly (docs/adr/0075), an invalid UTF-8 byte as its escape.
 */
export function parseDirents(buf: Buffer, length: number, into: RawDirEntry[]): void {
  let off = 0;
  while (off < length) {
    const reclen = buf.readUInt16LE(off + 16);
    if (reclen === 0) break;
    const nameStart = off + 19;
    let nameEnd = buf.indexOf(0, nameStart);
    if (nameEnd < 0 || nameEnd > off + reclen) nameEnd = off + reclen;
    const name = decodeName(buf, nameStart, nameEnd);
    if (name !== '.' && name !== '..') {
      into.push({ name, ino: buf.readBigUInt64LE(off), dtype: buf.readUInt8(off + 18) });
    }
    off += reclen;
  }
}

/** The whole listing of an open directory fd, from its start (rewinds first). */
export async function readAllDirents(io: MetaIoPolicy, fd: number): Promise<RawDirEntry[]> {
  await callMeta(io, libc.lseek, 'lseek', fd, 0, SEEK_SET);
  const buf = Buffer.allocUnsafe(CHUNK);
  const out: RawDirEntry[] = [];
  for (;;) {
    const n = await callMeta(io, libc.getdents64, 'getdents64', fd, buf, CHUNK);
    if (n === 0) return out;
    parseDirents(buf, n, out);
  }
}
