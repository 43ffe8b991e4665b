import { describe, expect, it } from '@jest/globals';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import type { Layer, OpResultMap } from '../../../src/vfs/types.js';
import { Fattr, Opcode } from '../../../src/fuse/protocol/constants.js';
import { SetattrOff } from '../../../src/fuse/protocol/layout.js';
import { createFrame, cstr, frame, lookupFrame, parseEntry, u64s } from './frames.js';
import { createTestServer } from './harness.js';

type TestServer = ReturnType<typeof createTestServer>;

async function entryOf(t: TestServer, f: Buffer): Promise<ReturnType<typeof parseEntry>> {
  const r = (await t.send(f))!;
  expect(r.error).toBe(0);
  return parseEntry(r.body);
}

const link = (oldNode: number, parent: number, name: string): Buffer =>
  frame(Opcode.LINK, Buffer.concat([u64s(oldNode), cstr(name)]), { nodeid: parent });

function setattrMode(nodeid: number, mode: number): Buffer {
  const a = Buffer.alloc(88);
  a.writeUInt32LE(Fattr.MODE, SetattrOff.valid);
  a.writeUInt32LE(mode, SetattrOff.mode);
  return frame(Opcode.SETATTR, a, { nodeid });
}

/** A file `f` with a second name `g`, looked up afresh (as after the kernel forgot both). */
async function linkedPair(t: TestServer): Promise<{ f: number; g: number }> {
  const f = (await entryOf(t, createFrame(1, 'f'))).nodeid;
  const g = (await entryOf(t, link(f, 1, 'g'))).nodeid;
  return { f, g };
}

describe('one node ID per inode (hard links)', () => {
  it('LINK answers with the node ID of the inode, and LOOKUP of either name too', async () => {
    const t = createTestServer();
    const { f, g } = await linkedPair(t);
    expect(g).toBe(f);
    expect((await entryOf(t, lookupFrame(1, 'g'))).nodeid).toBe(f);
    expect((await entryOf(t, lookupFrame(1, 'f'))).nodeid).toBe(f);
    // Every reply counted as a kernel lookup of that one node: create, link, two lookups.
    expect(t.ctx.nodes.get(f)!.nlookup).toBe(4);
  });

  it('names the kernel learns separately join one node; unlink of one keeps the other', async () => {
    const t = createTestServer();
    const { f } = await linkedPair(t);
    t.ctx.nodes.forget(f, 2); // the kernel forgot the inode: both names are new to it
    const viaG = (await entryOf(t, lookupFrame(1, 'g'))).nodeid;
    const viaF = (await entryOf(t, lookupFrame(1, 'f'))).nodeid;
    expect(viaF).toBe(viaG);
    expect(viaG).not.toBe(f);
    expect((await t.send(frame(Opcode.UNLINK, cstr('f'), { nodeid: 1 })))!.error).toBe(0);
    expect(t.ctx.nodes.path(viaG)).toBe('/g');
    const attr = (await t.send(frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid: viaG })))!;
    expect(attr.error).toBe(0);
  });

  it('a chmod through one name is the attributes of every name', async () => {
    const t = createTestServer();
    const { f } = await linkedPair(t);
    expect((await t.send(setattrMode(f, 0o600)))!.error).toBe(0);
    const g = await entryOf(t, lookupFrame(1, 'g'));
    expect([g.nodeid, g.mode]).toEqual([f, 0o100600]);
  });

  it('invalidates other node IDs of the inode that a predecessor made per name', async () => {
    const t = createTestServer();
    const { f } = await linkedPair(t);
    // A node table restored from a journal written before names shared node IDs.
    const ino = t.ctx.nodes.get(f)!.ino;
    const restored = createNodeTable({
      restore: [
        { id: 40, parent: 1, name: 'f', ino },
        { id: 41, parent: 1, name: 'g', ino },
      ],
    });
    const invalidated: number[][] = [];
    Object.assign(t.ctx, {
      nodes: restored,
      invalidateAttrs: (ids: readonly number[]) => invalidated.push([...ids]),
    });
    expect((await t.send(setattrMode(40, 0o640)))!.error).toBe(0);
    expect(invalidated).toEqual([[41]]);
  });

  it('a name replaced by another inode gets the node of that inode', async () => {
    const t = createTestServer();
    const { f } = await linkedPair(t);
    // Replace g behind the kernel's back: same name, another inode.
    const other = (await entryOf(t, createFrame(1, 'h'))).nodeid;
    const r = (await t.send(
      frame(Opcode.RENAME, Buffer.concat([u64s(1), cstr('h'), cstr('g')]), { nodeid: 1 }),
    ))!;
    expect(r.error).toBe(0);
    expect((await entryOf(t, lookupFrame(1, 'g'))).nodeid).toBe(other);
    expect((await entryOf(t, lookupFrame(1, 'f'))).nodeid).toBe(f);
  });

  it('an inode number alone joins nothing: the attributes now must match too', async () => {
    // Two different files that report one inode number with two links (as across filesystems).
    const collide: Layer = {
      name: 'collide',
      async around(call, next) {
        const r = await next();
        if (
          (call.path === '/x' || call.path === '/y') &&
          typeof r === 'object' &&
          r !== null &&
          'ino' in r
        ) {
          Object.assign(r, { ino: 777n, nlink: 2 });
        }
        return r as OpResultMap[typeof call.op];
      },
    };
    const t = createTestServer({ layers: [collide] });
    for (const name of ['x', 'y']) await entryOf(t, createFrame(1, name));
    t.ctx.nodes.forget(t.ctx.nodes.lookupEdge(1, 'x')!, 1);
    t.ctx.nodes.forget(t.ctx.nodes.lookupEdge(1, 'y')!, 1);
    expect(
      (await t.send(setattrMode((await entryOf(t, lookupFrame(1, 'x'))).nodeid, 0o600)))!.error,
    ).toBe(0);
    const x = (await entryOf(t, lookupFrame(1, 'x'))).nodeid;
    const y = (await entryOf(t, lookupFrame(1, 'y'))).nodeid;
    expect(y).not.toBe(x);
  });
});
