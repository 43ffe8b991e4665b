import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { serveDirect } from '../../../src/fuse/session/direct-serve.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { readFrame, writeFrame } from './frames.js';
import { createReaderTap } from '../../../src/vfs/reader-tap.js';

const EPOCH = 77;
const fhOf = (counter: number): number => EPOCH * 0x1_0000_0000 + counter;

/** A reader's slot: the frame at the start, room for a 1 MiB reply. */
function slot(frame: Buffer, size = 1 << 20): { buf: Buffer; n: number } {
  const buf = Buffer.alloc(size + 4096);
  frame.copy(buf);
  return { buf, n: frame.length };
}

describe('direct I/O table', () => {
  it('takes only its own handles, one per slot, and forgets them all when switched off', () => {
    const t = createDirectIoTable(EPOCH, 8);
    t.setEnabled(true);
    expect(t.register(fhOf(1), 10)).toBe(true);
    expect(t.register(fhOf(9), 11)).toBe(false); // same slot as counter 1 (capacity 8)
    expect(t.register(12 * 0x1_0000_0000 + 2, 12)).toBe(false); // another epoch's handle
    expect(t.register(fhOf(2), 13)).toBe(true);
    expect(t.size).toBe(2);
    // Not registered: the entry of counter 1 stays. No node mapped: nothing to wait for.
    expect(t.unregister(fhOf(9))).toBeUndefined();
    expect(t.size).toBe(2);
    expect(t.unregister(fhOf(1))).toBeUndefined();
    expect(t.register(fhOf(9), 11)).toBe(true);
    t.setEnabled(false);
    expect(t.size).toBe(0);
    expect(t.register(fhOf(3), 14)).toBe(false);
  });
});

describe('serveDirect (reader-thread READ/WRITE)', () => {
  let dir: string;
  let fd: number;
  const t = () => {
    const table = createDirectIoTable(EPOCH);
    table.setEnabled(true);
    return table;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-io-'));
    writeFileSync(join(dir, 'f'), Buffer.from('0123456789abcdef'));
    fd = openSync(join(dir, 'f'), 'r+');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a READ of a registered handle in place, short at end of file', () => {
    const table = t();
    table.register(fhOf(5), fd);
    const { buf, n } = slot(readFrame(Opcode.READ, 2, fhOf(5), 10, 4096));
    const unique = buf.readBigUInt64LE(8);
    const len = serveDirect(new Int32Array(table.sab), buf, n);
    expect(len).toBe(16 + 6);
    expect(buf.readUInt32LE(0)).toBe(len);
    expect(buf.readInt32LE(4)).toBe(0);
    expect(buf.readBigUInt64LE(8)).toBe(unique);
    expect(buf.subarray(16, len).toString()).toBe('abcdef');
    expect(table.served).toBe(1);
  });

  it('writes a WRITE through to the file and answers its size', () => {
    const table = t();
    table.register(fhOf(6), fd);
    const { buf, n } = slot(writeFrame(2, fhOf(6), 4, Buffer.from('XYZ')));
    const len = serveDirect(new Int32Array(table.sab), buf, n);
    expect(len).toBe(16 + 8);
    expect(buf.readInt32LE(4)).toBe(0);
    expect(buf.readUInt32LE(16)).toBe(3);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('0123XYZ789abcdef');
  });

  it('answers the errno of a failed call instead of throwing', () => {
    const ro = openSync(join(dir, 'f'), 'r');
    const table = t();
    table.register(fhOf(7), ro);
    const { buf, n } = slot(writeFrame(2, fhOf(7), 0, Buffer.from('no')));
    expect(serveDirect(new Int32Array(table.sab), buf, n)).toBe(16);
    expect(buf.readInt32LE(4)).toBe(-9); // EBADF: the fd is read-only
    closeSync(ro);
  });

  it('hands a flagged WRITE (caller without CAP_FSETID) of a setuid file to the main thread', () => {
    const table = t();
    table.register(fhOf(9), fd);
    const view = new Int32Array(table.sab);
    const killing = (): { buf: Buffer; n: number } => {
      const f = writeFrame(2, fhOf(9), 0, Buffer.from('K'));
      f.writeUInt32LE(1 << 2, 40 + 20); // FUSE_WRITE_KILL_SUIDGID
      return slot(f);
    };
    chmodSync(join(dir, 'f'), 0o4755);
    const a = killing();
    expect(serveDirect(view, a.buf, a.n)).toBe(-1);
    // setgid without group execute is a locking mark, not a privilege: served here.
    chmodSync(join(dir, 'f'), 0o2745);
    const b = killing();
    expect(serveDirect(view, b.buf, b.n)).toBe(16 + 8);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('K123456789abcdef');
  });

  it('hands an observed READ that failed to the main thread with its frame as it came', () => {
    // The read fails (a directory fd: EISDIR); with the reader tap on (metrics), the main thread
    // runs it again through the stack to count the errno, so it needs the request intact.
    const dirFd = openSync(dir, 'r');
    const table = t();
    table.setPlan({ readerData: true, tap: true });
    table.register(fhOf(10), dirFd);
    const frame = readFrame(Opcode.READ, 2, fhOf(10), 0, 4096);
    const { buf, n } = slot(frame);
    expect(serveDirect(new Int32Array(table.sab), buf, n, new BigInt64Array(createReaderTap()))).toBe(-1);
    expect(buf.subarray(0, frame.length)).toEqual(frame);
    closeSync(dirFd);
  });

  it('leaves to the main thread what it must not serve', () => {
    const table = t();
    table.register(fhOf(8), fd);
    const view = new Int32Array(table.sab);
    const pass = (frame: Buffer): number => {
      const { buf, n } = slot(frame);
      return serveDirect(view, buf, n);
    };
    // Unknown handle, a predecessor's handle, an O_APPEND write, a resent request, a truncated
    // WRITE, another opcode: all -1, and the file is untouched.
    expect(pass(readFrame(Opcode.READ, 2, fhOf(99), 0, 10))).toBe(-1);
    expect(pass(readFrame(Opcode.READ, 2, 3 * 0x1_0000_0000 + 8, 0, 10))).toBe(-1);
    const append = writeFrame(2, fhOf(8), 0, Buffer.from('A'));
    append.writeUInt32LE(fsConstants.O_WRONLY | fsConstants.O_APPEND, 40 + 32);
    expect(pass(append)).toBe(-1);
    const resent = readFrame(Opcode.READ, 2, fhOf(8), 0, 10);
    resent.writeUInt32LE((resent.readUInt32LE(12) | 0x8000_0000) >>> 0, 12);
    expect(pass(resent)).toBe(-1);
    const truncated = writeFrame(2, fhOf(8), 0, Buffer.from('0123456789')).subarray(0, 85);
    expect(pass(truncated)).toBe(-1);
    expect(pass(readFrame(Opcode.READDIR, 2, fhOf(8), 0, 10))).toBe(-1);
    const huge = readFrame(Opcode.READ, 2, fhOf(8), 0, 10);
    huge.writeUInt32LE(0x20_0000, 40 + 12); // offset 2^53: not exact as a number
    expect(pass(huge)).toBe(-1);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('0123456789abcdef');
    table.setEnabled(false);
    expect(pass(readFrame(Opcode.READ, 2, fhOf(8), 0, 10))).toBe(-1);
    expect(table.served).toBe(0);
  });
});
