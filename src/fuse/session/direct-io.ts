/**
 * Direct I/O in the reader threads: READ and WRITE of a file opened while the stack had no
 * layers are served by the reader thread that read the request, with one pread/pwrite on the
 * backing fd and the reply written on the same queue fd. No hand-off to the main thread, no
 * threadpool hop, no event-loop wake-up: the request costs what it costs in libfuse.
 *
 * The table is a SharedArrayBuffer of (handle counter, backing fd) pairs, written only by the
 * main thread (register at OPEN/CREATE, unregister at RELEASE, clear on a stack swap that adds
 * layers) and read by every reader. A request the table does not cover (a layer is active, a
 * predecessor's handle, O_APPEND, a resent request, a malformed frame) goes to the main thread
 * exactly as before.
 *
 * Why an fd cannot be closed under a reader: the kernel sends RELEASE only after the last
 * reference to the open file is gone, and every READ/WRITE in flight holds one; RELEASE clears
 * the entry before the backend closes the fd. See docs/adr/0073-direct-io-in-reader-threads.md.
 */
import { fstatSync, readSync, writeSync } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { GATE_HANDOFF, GATE_SERVE, gateEnter, gateUndo, setGate } from '../../vfs/reader-gate.js';
import type { GateConfig, GateView } from '../../vfs/reader-gate.js';
import { tapServed } from '../../vfs/reader-tap.js';
import { WRITE_KILL_SUIDGID, privBits } from '../ops/priv-bits.js';
import { FUSE_UNIQUE_RESEND_HI, Opcode } from '../protocol/constants.js';
import {
  ArgSize,
  IN_HEADER_SIZE as A,
  InHeader,
  OUT_HEADER_SIZE as O,
  OutHeader,
  WRITE_OUT_SIZE,
} from '../protocol/layout.js';

const { READ, WRITE } = Opcode;
const TWO32 = 0x1_0000_0000;

/** Ints before the entries: the handle epoch, the enabled flag, requests served, the tap flag. */
const HEAD = 4;
const EPOCH = 0;
const ENABLED = 1;
const SERVED = 2;
/** Count what the readers serve in the reader tap (an observe-only layer consumes it). */
const TAP = 3;
export const DIRECT_CAPACITY = 4096;

/** Index of the (counter, fd) pair for handle counter `lo`: the one mapping both sides use. */
const entryOf = (lo: number, capacity: number): number => HEAD + (lo % capacity) * 2;

/** The main thread's side: which open handles the readers may serve themselves. */
export interface DirectIoTable {
  readonly sab: SharedArrayBuffer;
  /** Let the readers serve READ/WRITE of `fh` on `fd`; false when the table cannot take it. */
  register(fh: number, fd: number): boolean;
  /** Before the fd is closed (RELEASE). */
  unregister(fh: number): void;
  /** Off clears every entry (a stack with layers must see every READ and WRITE). */
  setEnabled(on: boolean): void;
  /**
   * The stack's plan: readers serve READ/WRITE (readerData), counting them in the tap (tap),
   * through the reader forms of throttle and latency (gate).
   */
  setPlan(plan: { readerData: boolean; tap: boolean; gate?: GateConfig | undefined }): void;
  readonly enabled: boolean;
  readonly tapping: boolean;
  /** Handles currently served by the readers. */
  readonly size: number;
  /** READ/WRITE requests the readers served themselves so far. */
  readonly served: number;
}

/**
 * `epoch`: the handle table's (every handle this process issues is epoch * 2^32 + counter).
 * `gate`: where the plan's reader forms go (the port's reader tap buffer); without one, a plan
 * that has reader forms is served on the main thread.
 */
export function createDirectIoTable(
  epoch: number,
  capacity = DIRECT_CAPACITY,
  gate?: GateView,
): DirectIoTable {
  const sab = new SharedArrayBuffer((HEAD + capacity * 2) * 4);
  const t = new Int32Array(sab);
  t[EPOCH] = epoch;
  let size = 0;
  const slotOf = (fh: number): number | undefined => {
    const hi = Math.floor(fh / TWO32);
    const lo = fh % TWO32;
    if (hi !== epoch || lo <= 0 || lo > 0x7fff_ffff) return undefined;
    return entryOf(lo, capacity);
  };
  return {
    sab,
    register(fh, fd) {
      const i = slotOf(fh);
      if (i === undefined || Atomics.load(t, ENABLED) === 0 || Atomics.load(t, i) !== 0)
        return false;
      // The fd first: a reader that sees the key also sees its fd.
      Atomics.store(t, i + 1, fd);
      Atomics.store(t, i, fh % TWO32);
      size++;
      return true;
    },
    unregister(fh) {
      const i = slotOf(fh);
      if (i === undefined || Atomics.load(t, i) !== fh % TWO32) return;
      Atomics.store(t, i, 0);
      size--;
    },
    setEnabled(on) {
      Atomics.store(t, ENABLED, on ? 1 : 0);
      if (on) return;
      for (let i = HEAD; i < t.length; i += 2) Atomics.store(t, i, 0);
      size = 0;
    },
    setPlan(plan) {
      const serve = plan.readerData && (plan.gate === undefined || gate !== undefined);
      // Tap and gate on before serving starts, off only after serving stopped: nothing is
      // served uncounted or unthrottled.
      if (!serve) this.setEnabled(false);
      if (plan.tap) Atomics.store(t, TAP, 1);
      if (gate !== undefined) setGate(gate, serve ? plan.gate : undefined);
      this.setEnabled(serve);
      if (!plan.tap) Atomics.store(t, TAP, 0);
    },
    get enabled() {
      return Atomics.load(t, ENABLED) === 1;
    },
    get tapping() {
      return Atomics.load(t, TAP) === 1;
    },
    get size() {
      return size;
    },
    get served() {
      return Atomics.load(t, SERVED) >>> 0;
    },
  };
}

const { O_APPEND } = fsConstants;

/** The errno of a failed fs call (Node reports it negated). */
const errnoOf = (err: unknown): number => {
  const no = (err as NodeJS.ErrnoException).errno;
  return typeof no === 'number' && no !== 0 ? Math.abs(no) : 5; // EIO
};

/**
 * The reader's side. Serves the frame in `buf` (n bytes) when the table covers it and writes
 * the reply in place; returns the reply length, or -1 when the main thread must serve it.
 * `gate`: the reader forms of throttle and latency (src/vfs/reader-gate.ts), applied first.
 */
export function serveDirect(
  table: Int32Array,
  buf: Buffer,
  n: number,
  tap?: BigInt64Array,
  gate?: GateView,
): number {
  if (n < A + ArgSize.read || Atomics.load(table, ENABLED) === 0) return -1;
  const opcode = buf.readUInt32LE(InHeader.opcode);
  if (opcode !== READ && opcode !== WRITE) return -1;
  if ((buf.readUInt32LE(InHeader.unique + 4) & FUSE_UNIQUE_RESEND_HI) !== 0) return -1;
  const lo = buf.readUInt32LE(A);
  if (buf.readUInt32LE(A + 4) !== table[EPOCH] || lo === 0 || lo > 0x7fff_ffff) return -1;
  const i = entryOf(lo, (table.length - HEAD) / 2);
  if (Atomics.load(table, i) !== lo) return -1;
  const fd = Atomics.load(table, i + 1);
  const offsetHi = buf.readUInt32LE(A + 12);
  // Offsets from 2^53 on are not exact as numbers: the main thread's decoder answers those.
  if (offsetHi > 0x1f_ffff) return -1;
  const offset = buf.readUInt32LE(A + 8) + offsetHi * TWO32;
  const size = buf.readUInt32LE(A + 16);
  const write = opcode === WRITE;
  if (write && !writableHere(fd, buf, n, size)) return -1;
  const tapping = tap !== undefined && Atomics.load(table, TAP) === 1;
  const start = tapping ? process.hrtime.bigint() : 0n;
  const gated = gate === undefined ? GATE_SERVE : gateEnter(gate, write, size);
  if (gated === GATE_HANDOFF || (gated !== GATE_SERVE && tapping)) return -1;
  if (gated !== GATE_SERVE) return replyError(buf, -gated);
  let len: number;
  try {
    len = write ? directWrite(fd, buf, offset, size) : directRead(fd, buf, offset, size);
  } catch (err) {
    // Observed: the main thread runs it again through the stack, which counts the errno.
    // pread/pwrite at an offset are idempotent, so repeating them is safe.
    if (tapping) {
      if (gate !== undefined) gateUndo(gate, write, size, true);
      return -1;
    }
    return replyError(buf, errnoOf(err));
  }
  // A short read (end of file) did not use the bandwidth it paid for.
  if (gate !== undefined && !write && len - O < size) gateUndo(gate, false, size - (len - O), false);
  if (tapping) {
    const bytes = write ? size : len - O;
    tapServed(tap, write ? 1 : 0, bytes, process.hrtime.bigint() - start);
  }
  Atomics.add(table, SERVED, 1);
  buf.writeUInt32LE(len, OutHeader.len);
  buf.writeInt32LE(0, OutHeader.error);
  return len;
}

function replyError(buf: Buffer, errno: number): number {
  buf.writeUInt32LE(O, OutHeader.len);
  buf.writeInt32LE(-errno, OutHeader.error);
  return O;
}

/**
 * O_APPEND is not idempotent (crash custody keeps an intent log on the main thread); a caller
 * without CAP_FSETID writing a setuid/setgid file needs the bits cleared through the stack
 * first (HANDLE_KILLPRIV_V2): one fstat, no round trip to the kernel.
 */
function writableHere(fd: number, buf: Buffer, n: number, size: number): boolean {
  if (buf.readUInt32LE(A + 32) & O_APPEND || A + ArgSize.write + size > n) return false;
  return !(buf.readUInt32LE(A + 20) & WRITE_KILL_SUIDGID && privBits(fstatSync(fd).mode) !== 0);
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
