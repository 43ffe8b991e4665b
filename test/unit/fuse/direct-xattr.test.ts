import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { fstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { serveDirect } from '../../../src/fuse/session/direct-serve.js';
import { createReaderTap, takeTap } from '../../../src/vfs/reader-tap.js';
import { countedReader, settledSoon } from './counted-reader.js';
import { CAPACITY, createTestServer } from './harness.js';
import { cstr, frame, lookupFrame, u32s } from './frames.js';

/** The harness's handle epoch (createHandleTable(7)). */
const EPOCH = 7;
const O_RDWR = 2;
const CAP = 'security.capability';

/** fuse_getxattr_in {size, padding} + name. */
/** The inode the fd number refers to now; undefined once closed. */
const inoOf = (fd: number): number | undefined => {
  try {
    return fstatSync(fd).ino;
  } catch {
    return undefined;
  }
};

const getxattrFrame = (nodeid: number, size: number, name = CAP): Buffer =>
  frame(Opcode.GETXATTR, Buffer.concat([u32s(size, 0), cstr(name)]), { nodeid });

/**
 * GETXATTR(security.capability) answered by the reader (issue 17): what a write(2) asks after
 * every attribute refresh. The reply must be the main thread's, byte for byte.
 */
describe('GETXATTR(security.capability) in the reader threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-xattr-'));
    writeFileSync(join(dir, 'f'), 'data');
    writeFileSync(join(dir, 'g'), 'data');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function opened(inlineMeta = true) {
    const table = createDirectIoTable(EPOCH, 64, undefined, 1);
    const backend = createPassthroughBackend({ root: dir, inlineMeta });
    const t = createTestServer({
      backend,
      session: { times: { entryTimeout: 1, attrTimeout: 1 }, direct: table },
    });
    const look = async (name: string) =>
      Number((await t.send(lookupFrame(1, name)))!.body.readBigUInt64LE(0));
    const open = async (nodeid: number) =>
      Number((await t.send(frame(Opcode.OPEN, u32s(O_RDWR, 0), { nodeid })))!.body.readBigUInt64LE(0));
    const release = (nodeid: number, fh: number) => {
      const a = Buffer.alloc(24);
      a.writeBigUInt64LE(BigInt(fh), 0);
      return t.send(frame(Opcode.RELEASE, a, { nodeid }));
    };
    const nodeid = await look('f');
    const fh = await open(nodeid);
    return { ...t, table, nodeid, fh, look, open, release, close: () => backend.close() };
  }

  async function both(s: Awaited<ReturnType<typeof opened>>, f: Buffer, tap?: BigInt64Array) {
    const main = Buffer.alloc(CAPACITY);
    f.copy(main);
    const mainLen = await s.server.serve(main, f.length, CAPACITY);
    const reader = Buffer.alloc(4096);
    f.copy(reader);
    const readerLen = serveDirect(new Int32Array(s.table.sab), reader, f.length, tap);
    return {
      main: main.subarray(0, mainLen),
      reader: readerLen < 0 ? undefined : reader.subarray(0, readerLen),
    };
  }

  const expectSame = async (s: Awaited<ReturnType<typeof opened>>, f: Buffer) => {
    const { main, reader } = await both(s, f);
    expect(reader).toBeDefined();
    expect(reader!.toString('hex')).toBe(main.toString('hex'));
    return main;
  };

  it('answers ENODATA as the main thread does', async () => {
    const s = await opened();
    expect(s.table.mappedNodes).toBe(1);
    for (const size of [0, 24, 4096]) {
      const main = await expectSame(s, getxattrFrame(s.nodeid, size));
      expect(main.readInt32LE(4)).toBe(-61);
    }
    expect(s.table.served).toBe(3);
    await s.close();
  });

  it('answers a real capability: size probe, exact size, too small', async () => {
    execFileSync('setcap', ['cap_net_raw+ep', join(dir, 'f')]);
    const s = await opened();
    const probe = await expectSame(s, getxattrFrame(s.nodeid, 0));
    expect(probe.readInt32LE(4)).toBe(0);
    const len = probe.readUInt32LE(16);
    expect(len).toBeGreaterThanOrEqual(20);
    const exact = await expectSame(s, getxattrFrame(s.nodeid, len));
    expect(exact.length).toBe(16 + len);
    expect(exact.readUInt32LE(16) >>> 24).toBeGreaterThanOrEqual(2); // VFS_CAP_REVISION_2 or 3
    const short = await expectSame(s, getxattrFrame(s.nodeid, len - 1));
    expect(short.readInt32LE(4)).toBe(-34); // ERANGE
    await expectSame(s, getxattrFrame(s.nodeid, 65536));
    await s.close();
  });

  it('counts in the tap as the metrics layer counts the main thread', async () => {
    const s = await opened();
    const tap = new BigInt64Array(createReaderTap());
    s.table.setPlan({ readerData: true, readerGetattr: true, tap: true });
    await both(s, getxattrFrame(s.nodeid, 0), tap);
    expect(takeTap(tap, 'getxattr')).toMatchObject({ count: 1, failed: [{ errno: 61, count: 1 }] });
    await s.close();
  });

  it('hands over other names, unmapped nodes and plans that keep metadata', async () => {
    const s = await opened();
    const view = new Int32Array(s.table.sab);
    const tryServe = (f: Buffer): number => serveDirect(view, Buffer.concat([f, Buffer.alloc(4096)]), f.length);
    expect(tryServe(getxattrFrame(s.nodeid, 0, 'user.x'))).toBe(-1);
    expect(tryServe(getxattrFrame(s.nodeid, 0, 'security.capabilityx'))).toBe(-1);
    expect(tryServe(getxattrFrame(s.nodeid, 0, 'security.capabilit'))).toBe(-1);
    // Not open: not mapped.
    expect(tryServe(getxattrFrame(await s.look('g'), 0))).toBe(-1);
    // Truncated frame.
    const f = getxattrFrame(s.nodeid, 0);
    expect(serveDirect(view, Buffer.from(f), f.length - 1)).toBe(-1);
    s.table.setPlan({ readerData: true, readerGetattr: false, tap: false });
    expect(tryServe(getxattrFrame(s.nodeid, 0))).toBe(-1);
    s.table.setPlan({ readerData: true, readerGetattr: true, tap: false });
    expect(tryServe(getxattrFrame(s.nodeid, 0))).toBeGreaterThan(0);
    await s.close();
  });

  it('keeps the node mapped while one of its handles is open, to another handle fd', async () => {
    const s = await opened();
    const second = await s.open(s.nodeid);
    expect(s.table.mappedNodes).toBe(1);
    await s.release(s.nodeid, s.fh);
    // The first handle's fd is closed: the slot now holds the second's.
    expect(s.table.mappedNodes).toBe(1);
    await expectSame(s, getxattrFrame(s.nodeid, 0));
    await s.release(s.nodeid, second);
    expect(s.table.mappedNodes).toBe(0);
    const f = getxattrFrame(s.nodeid, 0);
    expect(serveDirect(new Int32Array(s.table.sab), Buffer.concat([f, Buffer.alloc(64)]), f.length)).toBe(-1);
    await s.close();
  });

  it('serves on while a reader reads a released handle fd, and closes it after the reader', async () => {
    const s = await opened();
    const reader = countedReader(new Int32Array(s.table.sab), s.nodeid);
    const ino = inoOf(reader.fd);
    const released = s.release(s.nodeid, s.fh);
    await s.look('g');
    expect(reader.timedOut).toBe(false);
    expect(await settledSoon(released)).toBe(false);
    expect(inoOf(reader.fd)).toBe(ino);
    reader.leave();
    await released;
    expect(inoOf(reader.fd)).not.toBe(ino);
    expect(s.table.mappedNodes).toBe(0);
    await s.close();
  });

  it('a swap that clears the table under a reader returns at once; the later close waits', async () => {
    const s = await opened();
    const reader = countedReader(new Int32Array(s.table.sab), s.nodeid);
    const ino = inoOf(reader.fd);
    s.table.setPlan({ readerData: false, readerGetattr: false, tap: false });
    expect(reader.timedOut).toBe(false);
    const released = s.release(s.nodeid, s.fh);
    expect(await settledSoon(released)).toBe(false);
    expect(inoOf(reader.fd)).toBe(ino);
    reader.leave();
    await released;
    expect(inoOf(reader.fd)).not.toBe(ino);
    await s.close();
  });

  it('leaves GETXATTR to the main thread over a backend whose metadata calls may block long', async () => {
    const s = await opened(false);
    const { reader } = await both(s, getxattrFrame(s.nodeid, 0));
    expect(reader).toBeUndefined();
    await s.close();
  });
});
