import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { serveDirect } from '../../../src/fuse/session/direct-serve.js';
import type { DirectIoTable } from '../../../src/fuse/session/direct-io-table.js';
import { IDLE } from '../../../src/fuse/session/direct-layout.js';
import { FUSE_FSYNC_FDATASYNC, Opcode } from '../../../src/fuse/protocol/constants.js';
import { setGate } from '../../../src/vfs/reader-gate.js';
import { createReaderTap, readerGateOf, takeTap } from '../../../src/vfs/reader-tap.js';
import { frame } from './frames.js';

const EPOCH = 78;
const fhOf = (counter: number): number => EPOCH * 0x1_0000_0000 + counter;

/** fuse_fsync_in {fh, fsync_flags, padding}. */
function fsyncFrame(fh: number, flags = 0): Buffer {
  const a = Buffer.alloc(16);
  a.writeBigUInt64LE(BigInt(fh), 0);
  a.writeUInt32LE(flags, 8);
  return frame(Opcode.FSYNC, a, { nodeid: 2 });
}

/** fuse_flush_in {fh, unused, padding, lock_owner}. */
function flushFrame(fh: number): Buffer {
  const a = Buffer.alloc(24);
  a.writeBigUInt64LE(BigInt(fh), 0);
  a.writeBigUInt64LE(0xabcdn, 16);
  return frame(Opcode.FLUSH, a, { nodeid: 2 });
}

/** The readers' view of the table, with `idle` other readers sitting in read(2). */
function viewOf(t: DirectIoTable, idle = 1): Int32Array {
  const view = new Int32Array(t.sab);
  Atomics.store(view, IDLE, idle);
  return view;
}

function serve(view: Int32Array, f: Buffer, tap?: BigInt64Array, sab?: SharedArrayBuffer) {
  const buf = Buffer.alloc(4096);
  f.copy(buf);
  const unique = buf.readBigUInt64LE(8);
  const gate = sab === undefined ? undefined : readerGateOf(sab);
  const len = serveDirect(view, buf, f.length, tap, gate);
  if (len >= 0) expect(buf.readBigUInt64LE(8)).toBe(unique);
  return { len, error: buf.readInt32LE(4), replyLen: buf.readUInt32LE(0) };
}

describe('serveDirect: FSYNC and FLUSH in the reader', () => {
  let dir: string;
  let fd: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-sync-'));
    writeFileSync(join(dir, 'f'), 'data');
    fd = openSync(join(dir, 'f'), 'r+');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  const table = () => {
    const t = createDirectIoTable(EPOCH, 64);
    t.setEnabled(true);
    t.register(fhOf(3), fd);
    return t;
  };

  it.each([
    ['fsync', fsyncFrame(fhOf(3))],
    ['fdatasync', fsyncFrame(fhOf(3), FUSE_FSYNC_FDATASYNC)],
    ['flush', flushFrame(fhOf(3))],
  ])('answers %s of a registered handle with the header alone', (_, f) => {
    const t = table();
    expect(serve(viewOf(t), f)).toEqual({ len: 16, error: 0, replyLen: 16 });
    expect(t.served).toBe(1);
  });

  it('answers the errno of a failed fsync (it is never run twice: a second one may succeed)', () => {
    // fsync of a /proc file is EINVAL, like any file whose filesystem cannot sync.
    const proc = openSync('/proc/sys/kernel/ostype', 'r');
    const t = table();
    t.register(fhOf(4), proc);
    const tapSab = createReaderTap();
    const tap = new BigInt64Array(tapSab);
    t.setPlan({ readerData: true, tap: true });
    expect(serve(viewOf(t), fsyncFrame(fhOf(4)), tap)).toMatchObject({
      len: 16,
      error: -22,
    });
    closeSync(proc);
    // Counted as served, and by errno in the tap, with its latency.
    expect(t.served).toBe(1);
    const taken = takeTap(tap, 'fsync');
    expect(taken).toMatchObject({ count: 1, bytes: 0, failed: [{ errno: 22, count: 1 }] });
    expect(taken.buckets.reduce((n, b) => n + b.count, 0)).toBe(1);
  });

  it('counts served FSYNC and FLUSH in the tap when the plan taps', () => {
    const t = table();
    const tap = new BigInt64Array(createReaderTap());
    t.setPlan({ readerData: true, tap: true });
    const view = viewOf(t);
    serve(view, fsyncFrame(fhOf(3)), tap);
    serve(view, fsyncFrame(fhOf(3), FUSE_FSYNC_FDATASYNC), tap);
    serve(view, flushFrame(fhOf(3)), tap);
    expect(takeTap(tap, 'fsync')).toMatchObject({ count: 2, failed: [] });
    expect(takeTap(tap, 'flush')).toMatchObject({ count: 1, failed: [] });
    expect(takeTap(tap, 'read').count).toBe(0);
  });

  it('hands every FLUSH to the main thread while an open node has a POSIX lock request', () => {
    const t = table();
    const view = viewOf(t);
    t.lockAsked(9);
    t.lockAsked(9);
    expect(t.lockedNodes).toBe(1);
    expect([t.hasLockRequest(9), t.hasLockRequest(7)]).toEqual([true, false]);
    // Whichever handle: a close releases the owner's locks on the file through any fd.
    expect(serve(view, flushFrame(fhOf(3))).len).toBe(-1);
    // FSYNC has nothing to do with locks.
    expect(serve(view, fsyncFrame(fhOf(3))).len).toBe(16);
    // Counted across a swap to a stack with layers and back: locks outlive a swap.
    t.setEnabled(false);
    t.setEnabled(true);
    t.register(fhOf(3), fd);
    expect(serve(view, flushFrame(fhOf(3))).len).toBe(-1);
    t.nodeClosed(7); // another node: nothing changes
    expect(serve(view, flushFrame(fhOf(3))).len).toBe(-1);
    t.nodeClosed(9);
    expect(t.lockedNodes).toBe(0);
    expect(t.hasLockRequest(9)).toBe(false);
    expect(serve(view, flushFrame(fhOf(3))).len).toBe(16);
  });

  it('leaves unregistered, foreign, resent and truncated FSYNC/FLUSH to the main thread', () => {
    const t = table();
    const view = viewOf(t);
    expect(serve(view, fsyncFrame(fhOf(5))).len).toBe(-1);
    expect(serve(view, flushFrame(3 * 0x1_0000_0000 + 3)).len).toBe(-1);
    const resent = fsyncFrame(fhOf(3));
    resent.writeUInt32LE((resent.readUInt32LE(12) | 0x8000_0000) >>> 0, 12);
    expect(serve(view, resent).len).toBe(-1);
    expect(serve(view, flushFrame(fhOf(3)).subarray(0, 40 + 16)).len).toBe(-1);
    t.setEnabled(false);
    expect(serve(view, fsyncFrame(fhOf(3))).len).toBe(-1);
    expect(t.served).toBe(0);
  });

  it('serves an FSYNC only while another reader sits in read(2); FLUSH regardless', () => {
    const t = table();
    // No other reader idle (readers=1, or every other one busy): the main thread fsyncs on the
    // threadpool, and this reader goes back to reading /dev/fuse.
    const alone = viewOf(t, 0);
    expect(serve(alone, fsyncFrame(fhOf(3))).len).toBe(-1);
    expect(serve(alone, fsyncFrame(fhOf(3), FUSE_FSYNC_FDATASYNC)).len).toBe(-1);
    expect([t.served, t.fsyncHandedOver]).toEqual([0, 2]);
    // FLUSH without locks does no syscall: it cannot hold the reader.
    expect(serve(alone, flushFrame(fhOf(3))).len).toBe(16);
    // The decision only reads the count: counting in and out is the reader loop's.
    expect(Atomics.load(alone, IDLE)).toBe(0);
    const other = viewOf(t, 1);
    expect(serve(other, fsyncFrame(fhOf(3))).len).toBe(16);
    const three = viewOf(t, 3);
    expect(serve(three, fsyncFrame(fhOf(3), FUSE_FSYNC_FDATASYNC)).len).toBe(16);
    expect(Atomics.load(three, IDLE)).toBe(3);
    expect([t.served, t.fsyncHandedOver]).toEqual([3, 2]);
  });

  it('takes an op token of the reader gate when the throttle covers the op', () => {
    const sab = createReaderTap();
    const t = createDirectIoTable(EPOCH, 64, readerGateOf(sab));
    const view = viewOf(t);
    const cfg = { opsPerSecond: 0.001, burstOps: 1, fail: true, read: true, write: true };
    t.setPlan({ readerData: true, tap: false, gate: { throttle: { ...cfg, fsync: true } } });
    t.register(fhOf(3), fd);
    expect(serve(view, fsyncFrame(fhOf(3)), undefined, sab).len).toBe(16);
    // The one token is spent: mode=fail answers EAGAIN here (nothing observes it).
    expect(serve(view, fsyncFrame(fhOf(3)), undefined, sab)).toMatchObject({ len: 16, error: -11 });
    // FLUSH out of the scope takes none.
    expect(serve(view, flushFrame(fhOf(3)), undefined, sab)).toMatchObject({ len: 16, error: 0 });
    // Observed (tap on), a throttled request goes to the main thread, which counts the EAGAIN.
    const tap = new BigInt64Array(sab);
    t.setPlan({ readerData: true, tap: true, gate: { throttle: { ...cfg, fsync: true } } });
    expect(serve(view, fsyncFrame(fhOf(3)), tap, sab).len).toBe(-1);
    expect(takeTap(tap, 'fsync').count).toBe(0);
    // Cleared: no token taken any more.
    setGate(readerGateOf(sab), undefined);
    expect(serve(view, fsyncFrame(fhOf(3)), tap, sab)).toMatchObject({ len: 16, error: 0 });
  });
});
