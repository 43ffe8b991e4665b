/**
 * The reader's side of span-ring.ts: a metadata request drawn into the plan's sample (trace) is
 * served here like any other, and listed for the main thread, which tells the layer after the
 * reply (ADR 0087 step 5 for trace). `handOverDrawn` replaces the draw at every site that drew
 * (direct-layout.ts drawnIntoSample): it draws, and for a drawn request claims a slot and writes
 * the op, the caller and the node's path from the mirror, before anything is written over the
 * frame; `spanAnswered` completes the slot from the reply and publishes it. When it cannot list
 * the request (no ring, a full ring, a path the mirror cannot give or the slot cannot hold) it
 * says "hand it over", as the draw did before: the main thread then serves it marked drawn. A
 * request the reader hands over after its draw (a call that failed otherwise than the main
 * thread's would) publishes its slot unused and goes over unmarked: the main thread draws it
 * again, so each request is still traced with the plan's probability.
 *
 * One request at a time per reader thread, so one open slot per thread.
 */
import { Opcode } from '../protocol/constants.js';
import { IN_HEADER_SIZE as A, InHeader, OUT_HEADER_SIZE as O } from '../protocol/layout.js';
import { drawnIntoSample } from './direct-layout.js';
import { mirrorOf, ROOT } from './direct-meta-paths.js';
import { claimSlot, commitSlot, slotAt } from './miss-ring.js';
import type { RingView } from './miss-ring.js';
import { consistent, pathOf } from './node-mirror-read.js';
import {
  PATH_AT,
  PATH_ROOM,
  spanRingView,
  wakeConsumer,
  writeData,
  writeEnd,
  writeStart,
  writeUnused,
} from './span-ring.js';

const ENOENT = 2;
const ERANGE = 34;
/** fuse_entry_out: nodeid at 0, the attributes' inode number at 40; fuse_attr_out's at 16. */
const ENTRY_INO = 40;
const ATTR_INO = 16;

let ring: RingView | undefined;
/** The slot of the request being served, or -1; its byte offset and opcode. */
let open = -1;
let openAt = 0;
let openOp = 0;
/** When the request being served began (epoch ms), taken only while a ring is attached. */
let began = 0;
const scratch = new Uint8Array(4096);

export function attachSpanRing(sab: SharedArrayBuffer): void {
  ring = spanRingView(sab);
}

/** A request's start (`t0`: performance.now()), for its span if it is drawn. */
export function requestBegan(t0: number): void {
  if (ring !== undefined) began = performance.timeOrigin + t0;
}

/**
 * Draw the request in `buf` into the plan's sample; true when it is drawn and must be handed
 * over (SAMPLED), false to serve it here (not drawn, or drawn and listed for its span).
 */
export function handOverDrawn(table: Int32Array, buf: Buffer): boolean {
  if (!drawnIntoSample(table)) return false;
  const v = ring;
  if (v === undefined || open >= 0) return true;
  const opcode = buf.readUInt32LE(InHeader.opcode);
  // The path first: a request that cannot be listed takes no slot (nothing to publish).
  const path = pathOfFrame(buf, opcode);
  if (path === undefined) return true;
  const at = openSlot(v, buf, opcode, path.len);
  if (at === undefined) return true;
  // Nothing from the claim to the publication throws (the ring's rule: miss-ring.ts).
  v.bytes.set(path.dir, at + PATH_AT);
  if (path.sep) v.bytes[at + PATH_AT + path.dir.length] = 0x2f;
  v.bytes.set(path.name, at + PATH_AT + path.dir.length + path.sep);
  return false;
}

/**
 * A READ, WRITE, FLUSH or FSYNC of a listed handle (direct-layout.ts LISTED: a file a layer
 * records the data requests of), about to be served here: its slot claimed and its handle,
 * offset and size written; false when it cannot be listed (no ring, a full ring): the main
 * thread then serves it.
 */
export function listData(buf: Buffer, opcode: number): boolean {
  const v = ring;
  if (v === undefined || open >= 0) return false;
  const at = openSlot(v, buf, opcode, 0);
  if (at === undefined) return false;
  const sized = opcode === Opcode.READ || opcode === Opcode.WRITE;
  writeData(v, at, {
    fh: buf.readBigUInt64LE(A),
    offset: sized ? buf.readBigUInt64LE(A + 8) : 0n,
    size: sized ? buf.readUInt32LE(A + 16) : 0,
  });
  return true;
}

/**
 * Claim a slot for the frame in `buf` and write its start (op, caller, start time, the path's
 * length): this thread's open slot, published by spanAnswered; its byte offset, or undefined
 * when the ring is full.
 */
function openSlot(v: RingView, buf: Buffer, opcode: number, pathLen: number): number | undefined {
  const pos = claimSlot(v);
  if (pos === undefined) return undefined;
  const at = slotAt(v, pos);
  const caller = {
    pid: buf.readUInt32LE(InHeader.pid),
    uid: buf.readUInt32LE(InHeader.uid),
    gid: buf.readUInt32LE(InHeader.gid),
  };
  writeStart(v, at, { opcode, caller, start: began, pathLen });
  open = pos;
  openAt = at;
  openOp = opcode;
  return at;
}

/**
 * The node's path beneath the root, or for LOOKUP and UNLINK the parent's and the name: its
 * parts (the directory's bytes in this thread's scratch) and length; undefined when the mirror
 * cannot give it or the slot cannot hold it.
 */
function pathOfFrame(
  buf: Buffer,
  opcode: number,
): { dir: Uint8Array; sep: number; name: Uint8Array; len: number } | undefined {
  const mirror = mirrorOf();
  if (mirror === undefined) return undefined;
  const id = buf.readUInt32LE(InHeader.nodeid);
  let from: number | undefined;
  try {
    from = consistent(mirror, () => {
      const p = pathOf(mirror, id, scratch);
      return p < 0 ? undefined : p;
    });
  } catch {
    // A read that failed on a stable table (a bug): hand the request over, listed nowhere.
    return undefined;
  }
  if (from === undefined) return undefined;
  const dir = scratch.subarray(from);
  const named = opcode === Opcode.LOOKUP || opcode === Opcode.UNLINK;
  const nameEnd = named ? buf.indexOf(0, A) : A;
  if (nameEnd < A) return undefined;
  const name = buf.subarray(A, nameEnd);
  const sep = named && id !== ROOT ? 1 : 0;
  const len = dir.length + sep + name.length;
  return len > PATH_ROOM ? undefined : { dir, sep, name, len };
}

/**
 * The frame just served (`len` bytes of reply in `buf`, -1: handed over after all), before its
 * reply is written: the open slot completed and published, or published unused. Before the
 * write, so that the main thread, which takes published entries before each request it serves
 * (session.ts), has every entry of a reply the kernel had before it sent that request; the span
 * ends there, as the main thread's end before their replies are written.
 */
export function spanAnswered(buf: Buffer, len: number): void {
  if (open < 0) return;
  const v = ring!;
  const pos = open;
  open = -1;
  if (len < O) writeUnused(v, openAt);
  else {
    const { errno, ino } = answerOf(buf, len, openOp);
    writeEnd(v, openAt, { end: performance.timeOrigin + performance.now(), errno, ino });
  }
  commitSlot(v, pos);
  wakeConsumer(v);
}

/**
 * The errno (0: success) and the inode number or bytes moved that the reply of `len` bytes in
 * `buf` to a request of `opcode` gives, as the main thread's span of it would record them.
 */
function answerOf(buf: Buffer, len: number, opcode: number): { errno: number; ino: bigint } {
  const errno = -buf.readInt32LE(4);
  if (errno !== 0) {
    // A value larger than the caller's buffer: the stack's getxattr succeeded, and the main
    // thread answers ERANGE after it (replySized); its span has no errno.
    return { errno: errno === ERANGE && opcode === Opcode.GETXATTR ? 0 : errno, ino: 0n };
  }
  if (opcode === Opcode.LOOKUP && len >= O + ENTRY_INO + 8) {
    // A kept miss is a success with node ID 0 (a negative entry): the main thread's ENOENT.
    if (buf.readBigUInt64LE(O) === 0n) return { errno: ENOENT, ino: 0n };
    return { errno: 0, ino: buf.readBigUInt64LE(O + ENTRY_INO) };
  }
  if (opcode === Opcode.GETATTR && len >= O + ATTR_INO + 8)
    return { errno: 0, ino: buf.readBigUInt64LE(O + ATTR_INO) };
  // READ: the data after the header; WRITE: fuse_write_out's size.
  if (opcode === Opcode.READ) return { errno: 0, ino: BigInt(len - O) };
  if (opcode === Opcode.WRITE && len >= O + 4)
    return { errno: 0, ino: BigInt(buf.readUInt32LE(O)) };
  return { errno: 0, ino: 0n };
}
