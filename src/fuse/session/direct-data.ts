/**
 * READ and WRITE in the reader threads (ADR 0073): one pread/pwrite on the backing fd into or
 * from the reader's own slot, the reply written in place.
 */
import { fstatSync, readSync, writeSync } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { GATE_HANDOFF, GATE_SERVE, gateEnter, gateUndo } from '../../vfs/reader-gate.js';
import type { GateView } from '../../vfs/reader-gate.js';
import { TAP_READ, TAP_WRITE, tapServed } from '../../vfs/reader-tap.js';
import { WRITE_KILL_SUIDGID, privBits } from '../ops/priv-bits.js';
import {
  ArgSize,
  IN_HEADER_SIZE as A,
  OUT_HEADER_SIZE as O,
  OutHeader,
  WRITE_OUT_SIZE,
} from '../protocol/layout.js';
import { TWO32, errnoOf, replyHeader } from './direct-layout.js';

export interface DataIo {
  fd: number;
  write: boolean;
  tap: BigInt64Array | undefined;
  gate: GateView | undefined;
}

/**
 * A tapped READ that fails goes to the main thread as it came; the read writes the reply over
 * the frame from byte 16, so the frame's header and arguments are kept here first (a pread
 * that returns part and then fails, cut by a signal on a network filesystem, would otherwise
 * hand the main thread a frame whose handle, offset and size are file data). One per thread.
 */
const kept = Buffer.alloc(A + ArgSize.read);

/** READ or WRITE of a registered handle: one pread/pwrite; -1 hands it to the main thread. */
export function serveData(buf: Buffer, n: number, io: DataIo): number {
  const { fd, write, tap, gate } = io;
  if (n < A + ArgSize.read) return -1;
  const offsetHi = buf.readUInt32LE(A + 12);
  // Offsets from 2^53 on are not exact as numbers: the main thread's decoder answers those.
  if (offsetHi > 0x1f_ffff) return -1;
  const offset = buf.readUInt32LE(A + 8) + offsetHi * TWO32;
  const size = buf.readUInt32LE(A + 16);
  if (write && !writableHere(fd, buf, n, size)) return -1;
  const start = tap !== undefined ? process.hrtime.bigint() : 0n;
  const gated = gate === undefined ? GATE_SERVE : gateEnter(gate, write, size);
  if (gated === GATE_HANDOFF || (gated !== GATE_SERVE && tap !== undefined)) return -1;
  if (gated !== GATE_SERVE) return replyHeader(buf, -gated);
  let len: number;
  if (tap !== undefined && !write) buf.copy(kept, 0, 0, kept.length);
  try {
    len = write ? directWrite(fd, buf, offset, size) : directRead(fd, buf, offset, size);
  } catch (err) {
    // Observed: the main thread runs it again through the stack, which counts the errno.
    // pread/pwrite at an offset are idempotent, so repeating them is safe.
    if (tap !== undefined) {
      if (gate !== undefined) gateUndo(gate, write, size, true);
      if (!write) kept.copy(buf, 0);
      return -1;
    }
    return replyHeader(buf, errnoOf(err));
  }
  // A short read (end of file) did not use the bandwidth it paid for.
  if (gate !== undefined && !write && len - O < size)
    gateUndo(gate, false, size - (len - O), false);
  if (tap !== undefined) {
    const bytes = write ? size : len - O;
    tapServed(tap, write ? TAP_WRITE : TAP_READ, bytes, process.hrtime.bigint() - start);
  }
  buf.writeUInt32LE(len, OutHeader.len);
  buf.writeInt32LE(0, OutHeader.error);
  return len;
}

const { O_APPEND } = fsConstants;

/**
 * O_APPEND is not idempotent (crash custody keeps an intent log on the main thread); a caller
 * without CAP_FSETID writing a setuid/setgid file needs the bits cleared through the stack
 * first (HANDLE_KILLPRIV_V2): one fstat, no round trip to the kernel.
 */
function writableHere(fd: number, buf: Buffer, n: number, size: number): boolean {
  if (buf.readUInt32LE(A + 32) & O_APPEND || A + ArgSize.write + size > n) return false;
  if (!(buf.readUInt32LE(A + 20) & WRITE_KILL_SUIDGID)) return true;
  try {
    return privBits(fstatSync(fd).mode) === 0;
  } catch {
    return false; // the main thread's path answers the fstat's errno (a throw here ends the thread)
  }
}

function directRead(fd: number, buf: Buffer, offset: number, size: number): number {
  const want = Math.min(size, buf.length - O);
  let got = 0;
  // pread of a regular file is short only at end of file; a signal can cut it, so loop.
  while (got < want) {
    const r = readSync(fd, buf, O + got, want - got, offset + got);
    if (r === 0) break;
    got += r;
  }
  return O + got;
}

function directWrite(fd: number, buf: Buffer, offset: number, size: number): number {
  const data = A + ArgSize.write;
  let done = 0;
  while (done < size) done += writeSync(fd, buf, data + done, size - done, offset + done);
  // The request's header and args are no longer needed: the reply overwrites them.
  buf.writeUInt32LE(size, O);
  buf.writeUInt32LE(0, O + 4);
  return O + WRITE_OUT_SIZE;
}
