import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { FUSE_GETATTR_FH, Opcode } from '../../../src/fuse/protocol/constants.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { serveDirect } from '../../../src/fuse/session/direct-serve.js';
import type { DirectIoTable } from '../../../src/fuse/session/direct-io-table.js';
import { createReaderTap, takeTap } from '../../../src/vfs/reader-tap.js';
import { CAPACITY, createTestServer } from './harness.js';
import { frame, lookupFrame, u32s } from './frames.js';

/** The harness's handle epoch (createHandleTable(7)). */
const EPOCH = 7;
const O_RDWR = 2;

/** fuse_getattr_in {getattr_flags, dummy, fh}. */
function getattrFrame(nodeid: number, fh: number, flags = FUSE_GETATTR_FH): Buffer {
  const a = Buffer.alloc(16);
  a.writeUInt32LE(flags, 0);
  a.writeBigUInt64LE(BigInt(fh), 8);
  return frame(Opcode.GETATTR, a, { nodeid });
}

/**
 * GETATTR with a handle answered by the reader (issue 17): the reply must be the main thread's,
 * byte for byte: the passthrough backend's fstat of the same fd, the same encoder, the same
 * attribute timeout.
 */
describe('GETATTR with a handle in the reader threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-attr-'));
    writeFileSync(join(dir, 'f'), Buffer.alloc(12345, 7));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A session over the passthrough backend with `f` looked up and opened (so registered). */
  async function opened(attrTimeout: number, direct?: DirectIoTable, inlineMeta = true) {
    const table = direct ?? createDirectIoTable(EPOCH, 64, undefined, attrTimeout);
    const backend = createPassthroughBackend({ root: dir, inlineMeta });
    const t = createTestServer({
      backend,
      session: { times: { entryTimeout: 1, attrTimeout }, direct: table },
    });
    const entry = await t.send(lookupFrame(1, 'f'));
    const nodeid = Number(entry!.body.readBigUInt64LE(0));
    const open = await t.send(frame(Opcode.OPEN, u32s(O_RDWR, 0), { nodeid }));
    const fh = Number(open!.body.readBigUInt64LE(0));
    return { ...t, table, nodeid, fh, close: () => backend.close() };
  }

  /** The main thread's reply bytes, and the reader's, for the same frame. */
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

  it.each([1, 0, 0.25, 2.5e-7, 86400])(
    'answers with the main thread bytes exactly (attr_timeout %p)',
    async (attrTimeout) => {
      const s = await opened(attrTimeout);
      expect(s.table.size).toBe(1);
      expect(s.table.servingGetattr).toBe(true);
      writeFileSync(join(dir, 'f'), Buffer.alloc(777, 1), { flag: 'a' });
      const { main, reader } = await both(s, getattrFrame(s.nodeid, s.fh));
      expect(reader).toBeDefined();
      expect(main.length).toBe(16 + 104);
      expect(main.readInt32LE(4)).toBe(0);
      expect(main.readBigUInt64LE(16 + 16 + 8)).toBe(12345n + 777n); // fuse_attr.size
      expect(reader!.equals(main)).toBe(true);
      expect(s.table.served).toBe(1);
      await s.close();
    },
  );

  it('counts what it serves in the tap while the plan taps', async () => {
    const s = await opened(1);
    const tap = new BigInt64Array(createReaderTap());
    s.table.setPlan({ readerData: true, readerGetattr: true, tap: true });
    await both(s, getattrFrame(s.nodeid, s.fh), tap);
    await both(s, getattrFrame(s.nodeid, s.fh), tap);
    const taken = takeTap(tap, 'getattr');
    expect(taken).toMatchObject({ count: 2, bytes: 0, failed: [] });
    expect(takeTap(tap, 'read').count).toBe(0);
    await s.close();
  });

  it('hands a failed fstat to the main thread, which serves, logs and counts it', () => {
    const table = createDirectIoTable(EPOCH, 64, undefined, 1);
    table.setPlan({ readerData: true, readerGetattr: true, tap: true });
    // An fd number no process has open: fstat fails with EBADF.
    expect(table.register(EPOCH * 0x1_0000_0000 + 5, 1_000_000)).toBe(true);
    const tap = new BigInt64Array(createReaderTap());
    const buf = Buffer.alloc(4096);
    const f = getattrFrame(3, EPOCH * 0x1_0000_0000 + 5);
    f.copy(buf);
    expect(serveDirect(new Int32Array(table.sab), buf, f.length, tap)).toBe(-1);
    // The frame is intact for the main thread, and nothing was counted here.
    expect(buf.subarray(0, f.length).equals(f)).toBe(true);
    expect(takeTap(tap, 'getattr')).toMatchObject({ count: 0, failed: [] });
    expect(table.served).toBe(0);
  });

  it('leaves GETATTR to the main thread over a backend whose metadata calls may block long', async () => {
    // -o meta_io=pool, what a network volume gets (ADR 0074): an fstat on NFS writes the
    // file's dirty pages back first, which must not hold a reader.
    const s = await opened(1, undefined, false);
    expect(s.table.size).toBe(1);
    expect(s.table.servingGetattr).toBe(false);
    const { reader } = await both(s, getattrFrame(s.nodeid, s.fh));
    expect(reader).toBeUndefined();
    await s.close();
  });

  it('leaves to the main thread what it must not answer', async () => {
    const s = await opened(1);
    const view = new Int32Array(s.table.sab);
    const tryServe = (f: Buffer): number => {
      const buf = Buffer.alloc(4096);
      f.copy(buf);
      return serveDirect(view, buf, f.length);
    };
    // stat(2)/fstat(2): no handle.
    expect(tryServe(getattrFrame(s.nodeid, s.fh, 0))).toBe(-1);
    // A handle the table does not know (a predecessor's, a directory, another epoch).
    expect(tryServe(getattrFrame(s.nodeid, s.fh + 1))).toBe(-1);
    // A plan with a layer that acts on getattr: switched off at once, data still served.
    s.table.setPlan({ readerData: true, readerGetattr: false, tap: false });
    expect(s.table.servingGetattr).toBe(false);
    expect(s.table.enabled).toBe(true);
    expect(tryServe(getattrFrame(s.nodeid, s.fh))).toBe(-1);
    // And back.
    s.table.setPlan({ readerData: true, readerGetattr: true, tap: false });
    expect(tryServe(getattrFrame(s.nodeid, s.fh))).toBe(120);
    // A plan the readers cannot serve data under at all.
    s.table.setPlan({ readerData: false, readerGetattr: true, tap: false });
    expect(tryServe(getattrFrame(s.nodeid, s.fh))).toBe(-1);
    await s.close();
  });

  it('throws what is not a system call error (the reader answers EIO and reports it as a bug)', async () => {
    const s = await opened(1);
    const f = getattrFrame(s.nodeid, s.fh);
    // A slot too small for the reply: a bug of this code, not an errno of the file.
    expect(() => serveDirect(new Int32Array(s.table.sab), Buffer.from(f), f.length)).toThrow(
      /out of range/,
    );
    await s.close();
  });

  it('never answers without the session attribute timeout', async () => {
    const s = await opened(1, createDirectIoTable(EPOCH, 64));
    expect(s.table.size).toBe(1);
    expect(s.table.servingGetattr).toBe(false);
    const f = getattrFrame(s.nodeid, s.fh);
    expect(serveDirect(new Int32Array(s.table.sab), Buffer.from(f), f.length)).toBe(-1);
    await s.close();
  });
});
