import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { serveDirect } from '../../../src/fuse/session/direct-serve.js';
import { attachMirror } from '../../../src/fuse/session/direct-meta-paths.js';
import { createNodeMirror } from '../../../src/fuse/session/node-mirror.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { createReaderTap, takeTap } from '../../../src/vfs/reader-tap.js';
import { CAPACITY, createTestServer } from './harness.js';
import { frame, u64s } from './frames.js';

const EPOCH = 7;
/** A name of bytes that are not UTF-8 (the volume's names are bytes: docs/adr/0075). */
const ODD = Buffer.from([0x66, 0xff, 0x80, 0x67]);

const lookupOf = (parent: number, name: Buffer): Buffer =>
  frame(Opcode.LOOKUP, Buffer.concat([name, Buffer.from([0])]), { nodeid: parent });
const statFrame = (nodeid: number): Buffer => frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid });

/**
 * LOOKUP of a known name and GETATTR without a handle of a known node in the reader threads
 * (ADR 0087 step 2, direct-lookup.ts): the reply must be the main thread's, byte for byte, and
 * whatever the main thread would answer by creating or changing something stays with it.
 */
describe('LOOKUP and GETATTR of known nodes in the reader threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-lookup-'));
    mkdirSync(join(dir, 'd/e'), { recursive: true });
    writeFileSync(join(dir, 'd/e/f'), Buffer.alloc(321, 7));
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/d/`), ODD]), 'x');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function session(
    o: {
      entryTimeout?: number;
      attrTimeout?: number;
      inlineMeta?: boolean;
      lookups?: boolean;
    } = {},
  ) {
    const times = { entryTimeout: o.entryTimeout ?? 1, attrTimeout: o.attrTimeout ?? 1 };
    const table = createDirectIoTable(EPOCH, 64, undefined, times.attrTimeout);
    const mirror = createNodeMirror({ records: 1024 });
    if (o.lookups !== false) table.enableLookups({ mirror, entryTimeout: times.entryTimeout });
    attachMirror(mirror.sab);
    const backend = createPassthroughBackend({ root: dir, inlineMeta: o.inlineMeta ?? true });
    const t = createTestServer({
      backend,
      session: { times, direct: table, nodes: createNodeTable({ mirror }) },
    });
    table.setPlan(t.ctx.stack.plan());
    const view = new Int32Array(table.sab);
    /** The reader's answer (undefined: handed over) for one frame. */
    const reader = (f: Buffer, tap?: BigInt64Array): Buffer | undefined => {
      const buf = Buffer.alloc(4096);
      f.copy(buf);
      const len = serveDirect(view, buf, f.length, tap);
      return len < 0 ? undefined : buf.subarray(0, len);
    };
    const main = async (f: Buffer): Promise<Buffer> => {
      const buf = Buffer.alloc(CAPACITY);
      f.copy(buf);
      return Buffer.from(buf.subarray(0, await t.server.serve(buf, f.length, CAPACITY)));
    };
    /** LOOKUP through the main thread: the node ID. */
    const look = async (parent: number, name: string | Buffer): Promise<number> =>
      Number(
        (await t.send(
          lookupOf(parent, typeof name === 'string' ? Buffer.from(name) : name),
        ))!.body.readBigUInt64LE(0),
      );
    return { t, table, mirror, reader, main, look, close: () => backend.close() };
  }

  it.each([
    [1, 1],
    [0, 0],
    [2.5e-7, 86400],
  ])(
    'answers a LOOKUP of a known name with the main thread bytes (entry %p s, attr %p s)',
    async (entryTimeout, attrTimeout) => {
      const s = session({ entryTimeout, attrTimeout });
      const d = await s.look(1, 'd');
      const e = await s.look(d, 'e');
      const f = await s.look(e, 'f');
      const odd = await s.look(d, ODD);
      writeFileSync(join(dir, 'd/e/f'), 'changed size');
      for (const [parent, name, id] of [
        [1, Buffer.from('d'), d],
        [e, Buffer.from('f'), f],
        [d, ODD, odd],
      ] as const) {
        const one = lookupOf(parent, name);
        const r = s.reader(one);
        expect(r).toBeDefined();
        const m = await s.main(one);
        expect(m.readInt32LE(4)).toBe(0);
        expect(Number(m.readBigUInt64LE(16))).toBe(id);
        expect(r!.equals(m)).toBe(true);
      }
      // Each node was looked up three times: once by the setup, once here by each thread.
      expect(s.t.ctx.nodes.get(f)!.nlookup + s.mirror.take(f)).toBe(3);
      expect(s.table.served).toBe(3);
      await s.close();
    },
  );

  it('counts the lookups it answers: the node lives until the kernel forgets them all', async () => {
    const s = session();
    const d = await s.look(1, 'd');
    expect(s.reader(lookupOf(1, Buffer.from('d')))).toBeDefined();
    expect(s.reader(lookupOf(1, Buffer.from('d')))).toBeDefined();
    await s.t.send(frame(Opcode.FORGET, u64s(2), { nodeid: d }));
    expect(s.t.ctx.nodes.get(d)).toBeDefined();
    await s.t.send(frame(Opcode.FORGET, u64s(1), { nodeid: d }));
    expect(s.t.ctx.nodes.get(d)).toBeUndefined();
    // Freed: the name is unknown to the readers again (the main thread makes a new node).
    expect(s.reader(lookupOf(1, Buffer.from('d')))).toBeUndefined();
    await s.close();
  });

  it('answers a GETATTR without a handle of a known node with the main thread bytes', async () => {
    const s = session({ attrTimeout: 0.5 });
    const d = await s.look(1, 'd');
    const e = await s.look(d, 'e');
    const f = await s.look(e, 'f');
    const odd = await s.look(d, ODD);
    writeFileSync(join(dir, 'd/e/f'), 'other size');
    for (const id of [d, e, f, odd]) {
      const frameOf = statFrame(id);
      const r = s.reader(frameOf);
      expect(r).toBeDefined();
      const m = await s.main(frameOf);
      expect(r!.equals(m)).toBe(true);
    }
    await s.close();
  });

  it('counts what it serves in the lookup and getattr blocks of the tap', async () => {
    const s = session();
    s.table.setPlan({ ...s.t.ctx.stack.plan(), tap: true });
    const d = await s.look(1, 'd');
    const tap = new BigInt64Array(createReaderTap());
    s.reader(lookupOf(1, Buffer.from('d')), tap);
    s.reader(statFrame(d), tap);
    expect(takeTap(tap, 'lookup')).toMatchObject({ count: 1, failed: [] });
    expect(takeTap(tap, 'getattr')).toMatchObject({ count: 1, failed: [] });
    await s.close();
  });

  it('leaves to the main thread what would create or change a node, and what it cannot know', async () => {
    const s = session();
    const d = await s.look(1, 'd');
    const e = await s.look(d, 'e');
    const f = await s.look(e, 'f');
    // A name the kernel has no node for: a new node.
    writeFileSync(join(dir, 'd/new'), '');
    expect(s.reader(lookupOf(d, Buffer.from('new')))).toBeUndefined();
    // The root's attributes; a node ID beyond 32 bits.
    expect(s.reader(statFrame(1))).toBeUndefined();
    expect(s.reader(statFrame(f + 2 ** 32))).toBeUndefined();
    // Replaced behind the mount by another inode: the main thread drops the name.
    writeFileSync(join(dir, 'd/e/g'), 'g');
    renameSync(join(dir, 'd/e/g'), join(dir, 'd/e/f'));
    expect(s.reader(lookupOf(e, Buffer.from('f')))).toBeUndefined();
    expect(s.reader(statFrame(f))).toBeUndefined();
    // Gone behind the mount: ENOENT, and the negative-entry rules, are the main thread's.
    unlinkSync(join(dir, 'd/e/f'));
    expect(s.reader(lookupOf(e, Buffer.from('f')))).toBeUndefined();
    // Unlinked through the mount: no name left.
    writeFileSync(join(dir, 'd/e/h'), 'h');
    const h = await s.look(e, 'h');
    expect(s.reader(statFrame(h))).toBeDefined();
    s.t.ctx.nodes.detach(e, 'h');
    expect(s.reader(statFrame(h))).toBeUndefined();
    // A plan with a layer that acts on metadata.
    s.table.setPlan({ readerData: true, readerGetattr: false, tap: false });
    expect(s.reader(lookupOf(1, Buffer.from('d')))).toBeUndefined();
    expect(s.reader(statFrame(d))).toBeUndefined();
    s.table.setPlan(s.t.ctx.stack.plan());
    expect(s.reader(lookupOf(1, Buffer.from('d')))).toBeDefined();
    await s.close();
  });

  it('serves nothing over a backend whose metadata calls may block (meta_io=pool), or without lookups enabled', async () => {
    for (const o of [{ inlineMeta: false }, { lookups: false }]) {
      const s = session(o);
      const d = await s.look(1, 'd');
      expect(s.reader(lookupOf(1, Buffer.from('d')))).toBeUndefined();
      expect(s.reader(statFrame(d))).toBeUndefined();
      await s.close();
    }
  });

  it("draws the plan's sample: a drawn request is handed over whole, marked, the others answered", async () => {
    const s = session();
    const d = await s.look(1, 'd');
    const view = new Int32Array(s.table.sab);
    const tryServe = (f: Buffer): { len: number; intact: boolean } => {
      const buf = Buffer.alloc(4096);
      f.copy(buf);
      const len = serveDirect(view, buf, f.length);
      return { len, intact: buf.subarray(0, f.length).equals(f) };
    };
    // A layer samples every request (trace at 1 would not offer a sample; this is the limit).
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 1 });
    expect(tryServe(lookupOf(1, Buffer.from('d')))).toEqual({ len: -2, intact: true });
    expect(tryServe(statFrame(d))).toEqual({ len: -2, intact: true });
    // Nothing was counted for the handed-over LOOKUP: the main thread counts it when it serves.
    expect(s.mirror.take(d)).toBe(0);
    // A share of 0: every one answered here.
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 0 });
    expect(tryServe(lookupOf(1, Buffer.from('d'))).len).toBeGreaterThan(0);
    expect(tryServe(statFrame(d)).len).toBeGreaterThan(0);
    await s.close();
  });
});
