/**
 * GETXATTR("security.capability") in the reader threads (issue 17). After every attribute
 * refresh the kernel clears S_NOSEC, so the next write(2) asks whether the file has
 * capabilities to kill (file_remove_privs): in a write + lseek(SEEK_END) loop one GETXATTR per
 * write, which the main thread answered. It carries the node ID, no handle: the reader finds
 * the fd of a registered handle of the node (direct-nodes.ts) and asks fgetxattr, where the
 * passthrough backend asks getxattr on /proc/self/fd/N of the node's O_PATH fd: the same inode.
 * The reply is the main thread's (src/fuse/ops/misc.ts getxattr): size 0 -> the value's length,
 * a value longer than the buffer -> ERANGE, no attribute -> ENODATA. Any other name, a
 * malformed or resent frame, an unmapped node, a value larger than FIRST_TRY or any other error
 * goes to the main thread.
 */
import { fgetxattrSync } from '../../sys/fxattr.js';
import { TAP_GETXATTR, tapServed } from '../../vfs/reader-tap.js';
import { FUSE_UNIQUE_RESEND_HI } from '../protocol/constants.js';
import { encodeOutHeader } from '../protocol/encode.js';
import {
  ArgSize,
  GETXATTR_OUT_SIZE,
  IN_HEADER_SIZE as A,
  InHeader,
  OUT_HEADER_SIZE as O,
} from '../protocol/layout.js';
import { GETATTR, SAMPLED, SERVED } from './direct-layout.js';
import { handOverDrawn } from './direct-span.js';
import { nodeEnter, nodeLeave } from './direct-nodes.js';

const CAPABILITY = 'security.capability';
const NAME_Z = Buffer.from(`${CAPABILITY}\0`, 'latin1');
/** The backend's first read size (src/sys/xattr.ts); a capability is at most 24 bytes. */
const FIRST_TRY = 1024;
/** One per thread. */
const value = Buffer.alloc(FIRST_TRY);
const ENODATA = 61;
const ERANGE = 34;

/**
 * The GETXATTR in `buf` (n bytes) when it asks for security.capability of a mapped node while
 * the plan lets the readers answer metadata (the table's GETATTR flag); -1 hands it over.
 */
export function serveXattr(table: Int32Array, buf: Buffer, n: number, tap?: BigInt64Array): number {
  const at = A + ArgSize.getxattr;
  if (n < at + NAME_Z.length || Atomics.load(table, GETATTR) === 0) return -1;
  if ((buf.readUInt32LE(InHeader.unique + 4) & FUSE_UNIQUE_RESEND_HI) !== 0) return -1;
  if (buf.readUInt32LE(InHeader.len) !== n || buf.readUInt32LE(InHeader.nodeid + 4) !== 0)
    return -1;
  if (buf.compare(NAME_Z, 0, NAME_Z.length, at, at + NAME_Z.length) !== 0) return -1;
  const size = buf.readUInt32LE(A);
  const slot = nodeEnter(table, buf.readUInt32LE(InHeader.nodeid));
  if (slot < 0) return -1;
  const start = tap !== undefined ? process.hrtime.bigint() : 0n;
  let got: number;
  try {
    got = fgetxattrSync(Atomics.load(table, slot + 1), CAPABILITY, value, FIRST_TRY);
  } finally {
    nodeLeave(table, slot);
  }
  // ERANGE here: a value beyond FIRST_TRY, which the backend reads in two more calls.
  if (got < 0 && got !== -ENODATA) return -1;
  if (handOverDrawn(table, buf)) return SAMPLED;
  const len = got < 0 ? reply(buf, 0, -got) : sized(buf, got, size);
  if (tap !== undefined)
    tapServed(tap, TAP_GETXATTR, 0, process.hrtime.bigint() - start, got < 0 ? -got : 0);
  Atomics.add(table, SERVED, 1);
  return len;
}

/** The size-probe protocol, as the main thread's replySized. */
function sized(buf: Buffer, got: number, size: number): number {
  if (size === 0) {
    buf.writeUInt32LE(got, O);
    buf.writeUInt32LE(0, O + 4);
    return reply(buf, O + GETXATTR_OUT_SIZE, 0);
  }
  if (got > size || O + got > buf.length) return reply(buf, 0, ERANGE);
  value.copy(buf, O, 0, got);
  return reply(buf, O + got, 0);
}

function reply(buf: Buffer, len: number, errno: number): number {
  const total = errno === 0 ? len : O;
  encodeOutHeader(buf, total, errno === 0 ? 0 : -errno);
  return total;
}
