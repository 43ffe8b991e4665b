import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { afterReply, attachMeta, serveDirect } from '../../../src/fuse/session/direct-serve.js';
import { createKeptMisses } from '../../../src/fuse/session/kept-misses.js';
import { createMissRing } from '../../../src/fuse/session/miss-ring.js';
import { createNameChanges } from '../../../src/fuse/session/name-changes.js';
import { createNodeMirror } from '../../../src/fuse/session/node-mirror.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { createSilentLogger } from '../../../src/log/logger.js';
import { createReaderTap, takeTap } from '../../../src/vfs/reader-tap.js';
import { createTestServer } from './harness.js';
import { mainReply, readerReply } from './direct-rig.js';
import { frame } from './frames.js';

const EPOCH = 7;
const ODD = Buffer.from([0x6d, 0xff, 0x80]);
const lookupOf = (parent: number, name: Buffer | string): Buffer =>
  frame(Opcode.LOOKUP, Buffer.concat([Buffer.from(name), Buffer.from([0])]), { nodeid: parent });

/**
 * LOOKUP of a missing name in the reader threads (direct-miss.ts): the reply is the main
 * thread's byte for byte, a kept one is listed for the swap, and what the main thread's
 * negative-entry rule would not keep is not kept.
 */
describe('LOOKUP of a missing name in the reader threads', () => {
  let dir: string;
  let devNull: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-miss-'));
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd/there'), 'x');
    devNull = openSync('/dev/null', 'w');
  });
  afterEach(() => {
    closeSync(devNull);
    rmSync(dir, { recursive: true, force: true });
  });

  function session(o: { exclusive: boolean; entryTimeout?: number; slots?: number }) {
    const times = { entryTimeout: o.entryTimeout ?? 2, attrTimeout: 1 };
    const table = createDirectIoTable(EPOCH, 64, undefined, times.attrTimeout);
    const mirror = createNodeMirror({ records: 1024 });
    const ring = createMissRing(o.slots ?? 256);
    const keep = o.exclusive && times.entryTimeout > 0;
    table.enableLookups({ mirror, entryTimeout: times.entryTimeout, misses: { ring, keep } });
    attachMeta({ nodes: mirror.sab, misses: ring.sab });
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const nodes = createNodeTable({ mirror });
    const logger = createSilentLogger();
    // Notifications go to /dev/null: what is counted is what would be taken back.
    const misses = createKeptMisses({ fd: devNull, nodes, minor: 38, logger, ring });
    const nameChanges = createNameChanges(ring.names);
    const t = createTestServer({
      backend,
      session: { times, direct: table, nodes, exclusive: o.exclusive, misses, nameChanges },
    });
    table.setPlan(t.ctx.stack.plan());
    const view = new Int32Array(table.sab);
    /** The reader's answer, its reply then written (afterReply). */
    const reader = (f: Buffer, tap?: BigInt64Array): Buffer | 'sampled' | undefined => {
      const r = readerReply(view, f, tap);
      afterReply();
      return r;
    };
    const main = (f: Buffer): Promise<Buffer> => mainReply(t.server, f);
    const look = async (parent: number, name: string): Promise<number> =>
      Number((await t.send(lookupOf(parent, name)))!.body.readBigUInt64LE(0));
    return {
      t,
      table,
      ring,
      misses,
      nameChanges,
      view,
      reader,
      main,
      look,
      close: () => backend.close(),
    };
  }

  it.each([false, true])(
    'answers a miss with the main thread bytes (exclusive %p), in the root and below',
    async (exclusive) => {
      const s = session({ exclusive });
      const d = await s.look(1, 'd');
      for (const [parent, name] of [
        [1, 'nothing'],
        [d, 'nothing'],
        [d, ODD],
      ] as const) {
        const one = lookupOf(parent, name);
        const r = s.reader(one);
        expect(r).toBeInstanceOf(Buffer);
        const m = await s.main(one);
        expect((r as Buffer).equals(m)).toBe(true);
        // Without negative entries an ENOENT; with them node ID 0 and the entry timeout.
        expect(m.readInt32LE(4)).toBe(exclusive ? 0 : -2);
      }
      expect(s.ring.answered).toBe(3);
      // Kept: each listed once (the main thread's answer of the same miss is the same entry).
      expect(s.misses.size).toBe(exclusive ? 3 : 0);
      if (exclusive) expect(await s.misses.expireAll()).toBe(3);
      await s.close();
    },
  );

  it('counts a miss in the lookup block of the tap as an ENOENT', async () => {
    const s = session({ exclusive: true });
    s.table.setPlan({ ...s.t.ctx.stack.plan(), tap: true });
    const tap = new BigInt64Array(createReaderTap());
    expect(s.reader(lookupOf(1, 'nothing'), tap)).toBeInstanceOf(Buffer);
    expect(takeTap(tap, 'lookup')).toMatchObject({ count: 1, failed: [{ errno: 2, count: 1 }] });
    await s.close();
  });

  it('leaves to the main thread a name that exists, an odd name, an unknown parent', async () => {
    const s = session({ exclusive: true });
    const d = await s.look(1, 'd');
    expect(s.reader(lookupOf(d, 'there'))).toBeUndefined();
    for (const name of ['.', '..']) expect(s.reader(lookupOf(d, name))).toBeUndefined();
    expect(s.reader(lookupOf(1, 'd/nothing'))).toBeUndefined();
    expect(s.reader(lookupOf(d + 100, 'nothing'))).toBeUndefined();
    expect(s.ring.answered).toBe(0);
    await s.close();
  });

  it('keeps no miss while a rename or rmdir through the mount is in flight or ran beside it', async () => {
    const s = session({ exclusive: true });
    const d = await s.look(1, 'd');
    const change = s.nameChanges.begin();
    expect(s.reader(lookupOf(d, 'nothing'))).toBeUndefined();
    change.end();
    expect(s.reader(lookupOf(d, 'nothing'))).toBeInstanceOf(Buffer);
    // Without negative entries the ENOENT is the backend's answer as it is: answered.
    const plain = session({ exclusive: false });
    const c2 = plain.nameChanges.begin();
    expect(plain.reader(lookupOf(1, 'nothing'))).toBeInstanceOf(Buffer);
    c2.end();
    await s.close();
    await plain.close();
  });

  it('hands a miss over when the ring is full; the main thread taking the list frees it', async () => {
    const s = session({ exclusive: true, slots: 2 });
    expect(s.reader(lookupOf(1, 'a'))).toBeInstanceOf(Buffer);
    expect(s.reader(lookupOf(1, 'b'))).toBeInstanceOf(Buffer);
    expect(s.reader(lookupOf(1, 'c'))).toBeUndefined();
    expect(s.misses.size).toBe(2);
    expect(s.reader(lookupOf(1, 'c'))).toBeInstanceOf(Buffer);
    await s.close();
  });

  it('answers ENOENT, not a negative entry, once a plan forbids keeping misses', async () => {
    const s = session({ exclusive: true });
    s.table.setPlan({ ...s.t.ctx.stack.plan(), cacheMisses: false });
    const r = s.reader(lookupOf(1, 'nothing'));
    expect((r as Buffer).readInt32LE(4)).toBe(-2);
    expect(s.misses.size).toBe(0);
    await s.close();
  });

  it("draws the plan's sample after claiming a slot: a drawn miss is handed over whole", async () => {
    const s = session({ exclusive: true });
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 1 });
    expect(s.reader(lookupOf(1, 'nothing'))).toBe('sampled');
    expect(s.misses.size).toBe(0);
    expect(s.ring.answered).toBe(0);
    await s.close();
  });

  it('a swap waits for a reader between its decision to keep a miss and its reply', async () => {
    const s = session({ exclusive: true });
    const buf = Buffer.alloc(4096);
    const f = lookupOf(1, 'nothing');
    f.copy(buf);
    expect(serveDirect(s.view, buf, f.length)).toBeGreaterThan(0);
    // The swap to a plan that forbids keeping misses: the mode drops at once...
    s.table.setPlan({ ...s.t.ctx.stack.plan(), cacheMisses: false });
    // (Served as another reader would: afterReply pairs with this thread's own last frame.)
    const other = Buffer.alloc(4096);
    lookupOf(1, 'other').copy(other);
    expect(serveDirect(s.view, other, lookupOf(1, 'other').length)).toBe(16);
    expect(other.readInt32LE(4)).toBe(-2);
    // ...and its expireAll waits for the first reader's reply, not written yet (no afterReply).
    let done = false;
    const expired = s.misses.expireAll().then((n) => ((done = true), n));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    afterReply();
    // Taken back: the kept one only (the other was answered ENOENT and never listed).
    expect(await expired).toBe(1);
    expect(s.misses.size).toBe(0);
    await s.close();
  });

  it('keeps no statx for an unknown name while a name change is in flight', async () => {
    const s = session({ exclusive: true });
    const change = s.nameChanges.begin();
    // Handed over before any call (the name exists: the main thread makes its node either way).
    expect(s.reader(lookupOf(1, 'd'))).toBeUndefined();
    change.end();
    await s.close();
  });
});
