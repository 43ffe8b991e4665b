import { FsError } from '../vfs/errors.js';
import { decodeName, encodeNameZ as z } from '../vfs/names.js';
import { callMeta, libc } from './libc.js';
import type { MetaIoPolicy } from './libc.js';

/**
 * xattr calls on a path. The passthrough backend passes `/proc/self/fd/N` of an O_PATH fd, which
 * the kernel resolves to exactly that inode (a symlink's own inode, never its target), so the
 * following variants are both confined and correct for every file type. Paths and attribute
 * names are bytes to the kernel (docs/adr/0075): converted here, never as lossy UTF-8.
 */
// Most values (ACLs, capabilities, security labels) are far smaller; larger ones cost two more calls.
const FIRST_TRY = 1024;

async function readSized(
  probe: (buf: Buffer | null, size: number) => Promise<number>,
): Promise<Buffer> {
  const small = Buffer.allocUnsafe(FIRST_TRY);
  try {
    const n = await probe(small, small.length);
    return Buffer.from(small.subarray(0, n));
  } catch (err) {
    if (!(err instanceof FsError) || err.code !== 'ERANGE') throw err;
  }
  // The value is larger than the first guess: ask for its size, then read exactly that much.
  // A concurrent change between the two calls surfaces as ERANGE, as it would for the caller.
  const size = await probe(null, 0);
  const buf = Buffer.allocUnsafe(size);
  const n = await probe(buf, size);
  return buf.subarray(0, n);
}

export function getxattr(io: MetaIoPolicy, path: string, name: string): Promise<Buffer> {
  return readSized((buf, size) =>
    callMeta(io, libc.getxattr, 'getxattr', z(path), z(name), buf, size),
  );
}

export async function setxattr(
  io: MetaIoPolicy,
  path: string,
  name: string,
  value: Buffer,
  flags: number,
): Promise<void> {
  await callMeta(io, libc.setxattr, 'setxattr', z(path), z(name), value, value.length, flags);
}

export async function listxattr(io: MetaIoPolicy, path: string): Promise<string[]> {
  const raw = await readSized((buf, size) =>
    callMeta(io, libc.listxattr, 'listxattr', z(path), buf, size),
  );
  const names: string[] = [];
  for (let off = 0; off < raw.length;) {
    let nul = raw.indexOf(0, off);
    if (nul < 0) nul = raw.length;
    if (nul > off) names.push(decodeName(raw, off, nul));
    off = nul + 1;
  }
  return names;
}

export async function removexattr(io: MetaIoPolicy, path: string, name: string): Promise<void> {
  await callMeta(io, libc.removexattr, 'removexattr', z(path), z(name));
}
