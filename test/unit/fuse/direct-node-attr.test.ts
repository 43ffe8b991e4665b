import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { FUSE_UNIQUE_RESEND_HI, Opcode } from '../../../src/fuse/protocol/constants.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { serveDirect } from '../../../src/fuse/session/direct-serve.js';
import { createReaderTap, takeTap } from '../../../src/vfs/reader-tap.js';
import { CAPACITY, createTestServer } from './harness.js';
import { frame, lookupFrame, u32s, u64s } from './frames.js';

/** The harness's handle epoch (createHandleTable(7)). */
const EPOCH = 7;
const O_RDWR = 2;

/** fuse_getattr_in without FUSE_GETATTR_FH: what stat(2) and fstat(2) send. */
const statFrame = (nodeid: number): Buffer => frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid });

/**
 * GETATTR without a handle of a node with an open file, in the reader threads under
 * `-o exclusive` (direct-attr.ts serveNodeAttr): the reply must be the main thread's, byte for
 * byte, and everything it cannot answer so stays with the main thread.
 */
describe('GETATTR without a handle of an open file in the reader threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-node-attr-'));
    writeFileSync(join(dir, 'f'), Buffer.alloc(12345, 7));
    writeFileSync(join(dir, 'g'), Buffer.alloc(10, 7));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A session over the passthrough backend with `f` opened and `g` only looked up. */
  async function opened(attrTimeout: number, exclusive: boolean) {
    const table = createDirectIoTable(EPOCH, 64, undefined, attrTimeout);
    if (exclusive) table.setExclusive();
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const t = createTestServer({
      backend,
      session: { times: { entryTimeout: 1, attrTimeout }, direct: table, exclusive },
    });
    const entry = await t.send(lookupFrame(1, 'f'));
    const nodeid = Number(entry!.body.readBigUInt64LE(0));
    const open = await t.send(frame(Opcode.OPEN, u32s(O_RDWR, 0), { nodeid }));
    const fh = Number(open!.body.readBigUInt64LE(0));
    const other = Number((await t.send(lookupFrame(1, 'g')))!.body.readBigUInt64LE(0));
    return { ...t, table, nodeid, fh, other, close: () => backend.close() };
  }

  /** The main thread's reply bytes, and the reader's (undefined: handed over), for one frame. */
  async function both(s: Awaited<ReturnType<typeof opened>>, f: Buffer, tap?: BigInt64Array) {
    const reader = Buffer.alloc(4096);
    f.copy(reader);
    const readerLen = serveDirect(new Int32Array(s.table.sab), reader, f.length, tap);
    const main = Buffer.alloc(CAPACITY);
    f.copy(main);
    const mainLen = await s.server.serve(main, f.length, CAPACITY);
    return {
      main: main.subarray(0, mainLen),
      reader: readerLen < 0 ? undefined : reader.subarray(0, readerLen),
    };
  }

  it.each([1, 0, 2.5e-7, 86400])(
    'answers with the main thread bytes exactly (attr_timeout %p)',
    async (attrTimeout) => {
      const s = await opened(attrTimeout, true);
      expect(s.table.mappedNodes).toBe(1);
      writeFileSync(join(dir, 'f'), Buffer.alloc(777, 1), { flag: 'a' });
      const { main, reader } = await both(s, statFrame(s.nodeid));
      expect(main.readInt32LE(4)).toBe(0);
      expect(main.readBigUInt64LE(16 + 16 + 8)).toBe(12345n + 777n); // fuse_attr.size
      expect(reader?.equals(main)).toBe(true);
      expect(s.table.served).toBe(1);
      await s.close();
    },
  );

  it('answers for a file unlinked while open as the main thread does (through the open file)', async () => {
    const s = await opened(1, true);
    unlinkSync(join(dir, 'f'));
    // The main thread learns of the unlink through the mount; here the node is made an orphan
    // as an UNLINK through the session would.
    s.ctx.nodes.detach(1, 'f');
    const { main, reader } = await both(s, statFrame(s.nodeid));
    expect(main.readInt32LE(4)).toBe(0);
    expect(main.readUInt32LE(16 + 16 + 8 * 6 + 4 * 3 + 4 * 1)).toBe(0); // fuse_attr.nlink
    expect(reader?.equals(main)).toBe(true);
    await s.close();
  });

  it('counts what it serves in the getattr block of the tap while the plan taps', async () => {
    const s = await opened(1, true);
    const tap = new BigInt64Array(createReaderTap());
    s.table.setPlan({ readerData: true, readerGetattr: true, tap: true });
    await both(s, statFrame(s.nodeid), tap);
    expect(takeTap(tap, 'getattr')).toMatchObject({ count: 1, failed: [] });
    await s.close();
  });

  it('leaves to the main thread what it must not answer', async () => {
    const s = await opened(1, true);
    const view = new Int32Array(s.table.sab);
    const tryServe = (f: Buffer): number => {
      const buf = Buffer.alloc(4096);
      f.copy(buf);
      return serveDirect(view, buf, f.length);
    };
    // A node with no open file, the root, a node ID beyond 32 bits.
    expect(tryServe(statFrame(s.other))).toBe(-1);
    expect(tryServe(statFrame(1))).toBe(-1);
    expect(tryServe(statFrame(s.nodeid + 2 ** 32))).toBe(-1);
    // A resent request (FUSE_UNIQUE_RESEND).
    const resent = statFrame(s.nodeid);
    resent.writeUInt32LE((resent.readUInt32LE(12) | FUSE_UNIQUE_RESEND_HI) >>> 0, 12);
    expect(tryServe(resent)).toBe(-1);
    // A plan with a layer that acts on getattr.
    s.table.setPlan({ readerData: true, readerGetattr: false, tap: false });
    expect(tryServe(statFrame(s.nodeid))).toBe(-1);
    s.table.setPlan({ readerData: true, readerGetattr: true, tap: false });
    expect(tryServe(statFrame(s.nodeid))).toBe(120);
    // The file released: its node is no longer mapped.
    expect(
      (await s.send(frame(Opcode.RELEASE, u64s(s.fh, 0, 0), { nodeid: s.nodeid })))!.error,
    ).toBe(0);
    expect(s.table.mappedNodes).toBe(0);
    expect(tryServe(statFrame(s.nodeid))).toBe(-1);
    await s.close();
  });

  it('leaves every GETATTR without a handle to the main thread without -o exclusive', async () => {
    // A name may have been replaced behind the mount: the main thread answers for the path.
    const s = await opened(1, false);
    expect(s.table.mappedNodes).toBe(1);
    const { main, reader } = await both(s, statFrame(s.nodeid));
    expect(main.readInt32LE(4)).toBe(0);
    expect(reader).toBeUndefined();
    await s.close();
  });
});
