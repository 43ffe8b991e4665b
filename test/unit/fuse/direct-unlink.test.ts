import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { attachMeta } from '../../../src/fuse/session/direct-serve.js';
import {
  claimSlot,
  createMissRing,
  publishSlot,
  ringView,
} from '../../../src/fuse/session/miss-ring.js';
import { createNodeMirror } from '../../../src/fuse/session/node-mirror.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { removalsAbsorber } from '../../../src/fuse/session/removals.js';
import type { NodeTable } from '../../../src/fuse/session/node-types.js';
import type { Logger } from '../../../src/log/logger.js';
import { createReaderTap, takeTap } from '../../../src/vfs/reader-tap.js';
import { createTestServer } from './harness.js';
import { mainReply, readerReply } from './direct-rig.js';
import { frame } from './frames.js';

const named = (op: number, parent: number, name: string): Buffer =>
  frame(op, Buffer.from(`${name}\0`), { nodeid: parent });
const statFrame = (nodeid: number): Buffer => frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid });

/**
 * UNLINK in the reader threads (direct-unlink.ts): the backend's unlink, the reply the main
 * thread would send, and the name out of the main thread's node table before its next request.
 */
describe('UNLINK in the reader threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-unlink-'));
    mkdirSync(join(dir, 'd/sub'), { recursive: true });
    for (const n of ['a', 'b', 'c', 'x']) writeFileSync(join(dir, 'd', n), n);
    linkSync(join(dir, 'd/a'), join(dir, 'd/a2'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function session(o: { slots?: number; removals?: boolean } = {}) {
    const times = { entryTimeout: 1, attrTimeout: 1 };
    const table = createDirectIoTable(7, 64, undefined, times.attrTimeout);
    const mirror = createNodeMirror({ records: 1024 });
    const ring = createMissRing(o.slots ?? 256);
    table.enableLookups({
      mirror,
      entryTimeout: 1,
      ...(o.removals !== false && { removals: ring }),
    });
    attachMeta({ nodes: mirror.sab, removals: ring.sab });
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const t = createTestServer({
      backend,
      session: { times, direct: table, nodes: createNodeTable({ mirror }) },
    });
    t.ctx.absorb = removalsAbsorber(ring, t.ctx);
    table.setPlan(t.ctx.stack.plan());
    const view = new Int32Array(table.sab);
    const reader = (f: Buffer, tap?: BigInt64Array) => readerReply(view, f, tap);
    const main = (f: Buffer): Promise<Buffer> => mainReply(t.server, f);
    const look = async (parent: number, name: string): Promise<number> =>
      Number((await t.send(named(Opcode.LOOKUP, parent, name)))!.body.readBigUInt64LE(0));
    return { t, table, ring, reader, main, look, close: () => backend.close() };
  }

  it('removes the name in the backend, answers as the main thread, and the table follows', async () => {
    const s = session();
    const d = await s.look(1, 'd');
    const b = await s.look(d, 'b');
    const unlinkB = named(Opcode.UNLINK, d, 'b');
    const r = s.reader(unlinkB) as Buffer;
    expect(r.length).toBe(16);
    expect(r.readInt32LE(4)).toBe(0);
    expect(r.subarray(8, 16).equals(unlinkB.subarray(8, 16))).toBe(true);
    expect(existsSync(join(dir, 'd/b'))).toBe(false);
    // The main thread's node table has the edge until its next request takes the ring in.
    expect(s.t.ctx.nodes.lookupEdge(d, 'b')).toBe(b);
    await s.main(statFrame(1));
    expect(s.t.ctx.nodes.lookupEdge(d, 'b')).toBeUndefined();
    // The node lives on (the kernel still holds it) with no name, as after the main's unlink.
    expect(s.t.ctx.nodes.get(b)).toBeDefined();
    expect(s.ring.answered).toBe(1);
    await s.close();
  });

  it('answers the failures the main thread answers the same way, byte for byte', async () => {
    const s = session();
    const d = await s.look(1, 'd');
    // Known to the kernel: a directory, and a file removed behind the mount.
    await s.look(d, 'sub');
    await s.look(d, 'x');
    rmSync(join(dir, 'd/x'));
    for (const [name, errno] of [
      ['x', -2],
      ['sub', -21],
    ] as const) {
      const f = named(Opcode.UNLINK, d, name);
      const r = s.reader(f) as Buffer;
      const m = await s.main(f);
      expect(m.readInt32LE(4)).toBe(errno);
      expect(r.equals(m)).toBe(true);
    }
    expect(existsSync(join(dir, 'd/sub'))).toBe(true);
    await s.close();
  });

  it('removes one name of a hard link: the node keeps its other name', async () => {
    const s = session();
    const d = await s.look(1, 'd');
    const a = await s.look(d, 'a');
    expect(await s.look(d, 'a2')).toBe(a);
    expect(s.reader(named(Opcode.UNLINK, d, 'a'))).toBeInstanceOf(Buffer);
    const attr = await s.main(statFrame(a));
    expect(attr.readInt32LE(4)).toBe(0);
    expect(s.t.ctx.nodes.path(a)).toBe('/d/a2');
    await s.close();
  });

  it('counts what it answers in the unlink block of the tap', async () => {
    const s = session();
    s.table.setPlan({ ...s.t.ctx.stack.plan(), tap: true });
    const d = await s.look(1, 'd');
    await s.look(d, 'c');
    const tap = new BigInt64Array(createReaderTap());
    s.reader(named(Opcode.UNLINK, d, 'c'), tap);
    s.reader(named(Opcode.UNLINK, d, 'c'), tap);
    expect(takeTap(tap, 'unlink')).toMatchObject({ count: 2, failed: [{ errno: 2, count: 1 }] });
    await s.close();
  });

  it('changes nothing for a request it hands over: drawn into a sample, a full ring, no ring, an odd name', async () => {
    const s = session({ slots: 2 });
    const d = await s.look(1, 'd');
    for (const name of ['a', 'b', 'c', 'x']) await s.look(d, name);
    // A name the kernel has no node for in the mirror: the main thread's.
    expect(s.reader(named(Opcode.UNLINK, d, 'a2'))).toBeUndefined();
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 1 });
    expect(s.reader(named(Opcode.UNLINK, d, 'a'))).toBe('sampled');
    expect(existsSync(join(dir, 'd/a'))).toBe(true);
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 0 });
    // Two slots: the sampled request's (published empty), then one more; the third is refused.
    expect(s.reader(named(Opcode.UNLINK, d, 'b'))).toBeInstanceOf(Buffer);
    expect(s.reader(named(Opcode.UNLINK, d, 'c'))).toBeUndefined();
    expect(existsSync(join(dir, 'd/c'))).toBe(true);
    await s.main(statFrame(1));
    expect(s.reader(named(Opcode.UNLINK, d, 'c'))).toBeInstanceOf(Buffer);
    for (const name of ['.', '..', 'sub/x'])
      expect(s.reader(named(Opcode.UNLINK, d, name))).toBeUndefined();
    // A parent the mirror does not know.
    expect(s.reader(named(Opcode.UNLINK, d + 50, 'x'))).toBeUndefined();
    // A plan with a layer that acts on metadata.
    s.table.setPlan({ readerData: true, readerGetattr: false, tap: false });
    expect(s.reader(named(Opcode.UNLINK, d, 'x'))).toBeUndefined();
    expect(existsSync(join(dir, 'd/x'))).toBe(true);
    await s.close();
    const none = session({ removals: false });
    const d2 = await none.look(1, 'd');
    await none.look(d2, 'x');
    expect(none.reader(named(Opcode.UNLINK, d2, 'x'))).toBeUndefined();
    await none.close();
  });
  it('a reader still in its unlink holds back no other removal, and a name made again stays', async () => {
    const s = session();
    const d = await s.look(1, 'd');
    const b = await s.look(d, 'b');
    // Another reader has claimed a slot and sits in a slow unlink (its publication comes last).
    const rv = ringView(s.ring.sab);
    const stuck = claimSlot(rv)!;
    expect((s.reader(named(Opcode.UNLINK, d, 'b')) as Buffer).readInt32LE(4)).toBe(0);
    // The kernel saw b gone; the app makes it again (the main thread, which takes the ring in).
    const mk = Buffer.alloc(16);
    mk.writeUInt32LE(0o100644, 0);
    mk.writeUInt32LE(0o022, 8);
    const made = await s.main(
      frame(Opcode.MKNOD, Buffer.concat([mk, Buffer.from('b\0')]), { nodeid: d }),
    );
    expect(made.readInt32LE(4)).toBe(0);
    const b2 = Number(made.readBigUInt64LE(16));
    expect(b2).not.toBe(b);
    expect(s.t.ctx.nodes.lookupEdge(d, 'b')).toBe(b2);
    // The stuck reader's entry (a removal of b by the old node's ID) changes nothing now.
    publishSlot(rv, stuck, { parent: d, name: Buffer.from('b'), value: b });
    await s.main(statFrame(1));
    expect(s.t.ctx.nodes.lookupEdge(d, 'b')).toBe(b2);
    expect((await s.main(statFrame(b2))).readInt32LE(4)).toBe(0);
    await s.close();
  });

  it('publishes the slot it held when it hands a request over after the claim', async () => {
    const s = session({ slots: 2 });
    const d = await s.look(1, 'd');
    for (const name of ['b', 'c']) await s.look(d, name);
    // Drawn into a layer's sample after the claim: handed over, the slot given back each time.
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 1 });
    for (let i = 0; i < 4; i++) {
      expect(s.reader(named(Opcode.UNLINK, d, 'b'))).toBe('sampled');
      // The main thread takes the ring in before each request (that empty entry frees its slot).
      await s.main(statFrame(1));
    }
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 0 });
    expect(s.reader(named(Opcode.UNLINK, d, 'b'))).toBeInstanceOf(Buffer);
    expect(s.reader(named(Opcode.UNLINK, d, 'c'))).toBeInstanceOf(Buffer);
    await s.close();
  });
  it('a removal the table cannot take in is logged, not thrown at the request being served', () => {
    const ring = createMissRing(4);
    const v = ringView(ring.sab);
    publishSlot(v, claimSlot(v)!, { parent: 1, name: Buffer.from('x'), value: 5 });
    const warned: unknown[] = [];
    const absorb = removalsAbsorber(ring, {
      nodes: {
        lookupEdge: () => 5,
        get: () => undefined,
        detach: () => {
          throw new Error('journal write failed');
        },
      } as unknown as NodeTable,
      logger: { warn: (...a: unknown[]) => warned.push(a) } as unknown as Logger,
    });
    expect(() => absorb()).not.toThrow();
    expect(warned).toHaveLength(1);
  });
});
