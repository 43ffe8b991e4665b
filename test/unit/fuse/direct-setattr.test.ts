import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { linkSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPassthroughBackend } from '../../../src/backends/passthrough/backend.js';
import { Fattr, Opcode } from '../../../src/fuse/protocol/constants.js';
import { SetattrOff as S } from '../../../src/fuse/protocol/layout.js';
import { createDirectIoTable } from '../../../src/fuse/session/direct-io.js';
import { createReaderTap, takeTap } from '../../../src/vfs/reader-tap.js';
import { attachMirror } from '../../../src/fuse/session/direct-meta-paths.js';
import { createNodeMirror } from '../../../src/fuse/session/node-mirror.js';
import { createNodeTable } from '../../../src/fuse/session/nodes.js';
import { createTestServer } from './harness.js';
import { mainReply, readerReply } from './direct-rig.js';
import { frame, lookupFrame, u32s } from './frames.js';

const EPOCH = 7;
const O_RDWR = 2;

/** fuse_setattr_in with `valid`, the handle, a mode and times (seconds, nanoseconds). */
function setattrFrame(
  nodeid: number,
  fh: number,
  valid: number,
  o: { mode?: number; atime?: [number, number]; mtime?: [number, number]; size?: number } = {},
): Buffer {
  const a = Buffer.alloc(88);
  a.writeUInt32LE(valid, S.valid);
  a.writeBigUInt64LE(BigInt(fh), S.fh);
  a.writeBigUInt64LE(BigInt(o.size ?? 0), S.size);
  a.writeBigInt64LE(BigInt(o.atime?.[0] ?? 0), S.atime);
  a.writeUInt32LE(o.atime?.[1] ?? 0, S.atimensec);
  a.writeBigInt64LE(BigInt(o.mtime?.[0] ?? 0), S.mtime);
  a.writeUInt32LE(o.mtime?.[1] ?? 0, S.mtimensec);
  a.writeUInt32LE(o.mode ?? 0, S.mode);
  return frame(Opcode.SETATTR, a, { nodeid });
}

/** fuse_attr in an attr reply, without its ctime (each call moves it). */
const sansCtime = (reply: Buffer): Buffer => {
  const b = Buffer.from(reply);
  // fuse_attr_out: attr_valid(8) attr_valid_nsec(4) dummy(4), then fuse_attr: ino size blocks
  // atime mtime ctime (u64 each), atimensec mtimensec ctimensec (u32 each), ...
  b.fill(0, 16 + 16 + 40, 16 + 16 + 48);
  b.fill(0, 16 + 16 + 56, 16 + 16 + 60);
  return b;
};

/**
 * SETATTR of mode and times through an open file, in the reader threads (direct-setattr.ts):
 * the main thread's calls on the same fd, its reply (but the ctime the calls themselves move),
 * and everything else left to it.
 */
describe('SETATTR through an open file in the reader threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'direct-setattr-'));
    writeFileSync(join(dir, 'f'), Buffer.alloc(100, 7));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function opened(name = 'f', exclusive = false) {
    const table = createDirectIoTable(EPOCH, 64, undefined, 1);
    if (exclusive) table.setExclusive();
    // The node table's mirror: whether a node has a name (under a sampling layer).
    const mirror = createNodeMirror({ records: 64 });
    table.enableLookups({ mirror, entryTimeout: 1 });
    attachMirror(mirror.sab);
    const backend = createPassthroughBackend({ root: dir, inlineMeta: true });
    const times = { entryTimeout: 1, attrTimeout: 1 };
    const nodes = createNodeTable({ mirror });
    const t = createTestServer({ backend, session: { times, direct: table, exclusive, nodes } });
    const entry = await t.send(lookupFrame(1, name));
    const nodeid = Number(entry!.body.readBigUInt64LE(0));
    const open = await t.send(frame(Opcode.OPEN, u32s(O_RDWR, 0), { nodeid }));
    const fh = Number(open!.body.readBigUInt64LE(0));
    // No SETATTR is drawn into a sample: a reply or undefined.
    const reader = (f: Buffer, tap?: BigInt64Array) =>
      readerReply(new Int32Array(table.sab), f, tap) as Buffer | undefined;
    const main = (f: Buffer): Promise<Buffer> => mainReply(t.server, f);
    return { t, table, mirror, nodeid, fh, reader, main, close: () => backend.close() };
  }

  it('sets mode and times as the main thread does, with its reply', async () => {
    const s = await opened();
    const valid = Fattr.FH | Fattr.MODE | Fattr.ATIME | Fattr.MTIME | Fattr.LOCKOWNER;
    const f = setattrFrame(s.nodeid, s.fh, valid, {
      mode: 0o100640,
      atime: [1_600_000_000, 123_456_789],
      mtime: [1_500_000_000, 987_654_321],
    });
    const r = s.reader(f);
    expect(r).toBeDefined();
    const st = statSync(join(dir, 'f'), { bigint: true });
    expect(st.mode & 0o7777n).toBe(0o640n);
    expect(st.atimeNs).toBe(1_600_000_000_123_456_789n);
    expect(st.mtimeNs).toBe(1_500_000_000_987_654_321n);
    const m = await s.main(f);
    expect(m.readInt32LE(4)).toBe(0);
    expect(sansCtime(r!).equals(sansCtime(m))).toBe(true);
    // Times only, one of them now and the other left alone.
    const now = s.reader(setattrFrame(s.nodeid, s.fh, Fattr.FH | Fattr.MTIME | Fattr.MTIME_NOW));
    expect(now).toBeDefined();
    const st2 = statSync(join(dir, 'f'), { bigint: true });
    expect(st2.atimeNs).toBe(1_600_000_000_123_456_789n);
    expect(st2.mtimeNs).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
    expect(s.table.served).toBe(2);
    await s.close();
  });

  it('without a handle (fchmod, futimens) under -o exclusive: through an open file of the node', async () => {
    const s = await opened('f', true);
    const f = setattrFrame(s.nodeid, 0, Fattr.MODE | Fattr.MTIME, {
      mode: 0o100604,
      mtime: [1_400_000_000, 5],
    });
    const r = s.reader(f);
    expect(r).toBeDefined();
    const st = statSync(join(dir, 'f'), { bigint: true });
    expect([st.mode & 0o7777n, st.mtimeNs]).toEqual([0o604n, 1_400_000_000_000_000_005n]);
    expect(sansCtime(r!).equals(sansCtime(await s.main(f)))).toBe(true);
    // Not without exclusive (the path may name another inode).
    const plain = await opened('f', false);
    expect(
      plain.reader(setattrFrame(plain.nodeid, 0, Fattr.MODE, { mode: 0o600 })),
    ).toBeUndefined();
    // Under a sampling layer: drawn first, handed over whole when drawn. (This thread reads the
    // mirror attached last: this session's again.)
    attachMirror(s.mirror.sab);
    const chmod = setattrFrame(s.nodeid, 0, Fattr.MODE, { mode: 0o600 });
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 1 });
    expect(readerReply(new Int32Array(s.table.sab), chmod)).toBe('sampled');
    expect(statSync(join(dir, 'f')).mode & 0o7777).toBe(0o604);
    s.table.setPlan({ ...s.t.ctx.stack.plan(), metaSample: 1e-12 });
    expect(s.reader(chmod)).toBeInstanceOf(Buffer);
    expect(statSync(join(dir, 'f')).mode & 0o7777).toBe(0o600);
    // A node with no name left: the main thread answers through any open handle of it.
    s.t.ctx.nodes.detach(1, 'f');
    expect(s.reader(setattrFrame(s.nodeid, 0, Fattr.MODE, { mode: 0o640 }))).toBeUndefined();
    expect(statSync(join(dir, 'f')).mode & 0o7777).toBe(0o600);
    await s.close();
    await plain.close();
  });

  it('counts what it answers in the setattr block of the tap', async () => {
    const s = await opened();
    s.table.setPlan({ readerData: true, readerGetattr: true, tap: true });
    const tap = new BigInt64Array(createReaderTap());
    s.reader(setattrFrame(s.nodeid, s.fh, Fattr.FH | Fattr.MODE, { mode: 0o600 }), tap);
    expect(takeTap(tap, 'setattr')).toMatchObject({ count: 1, failed: [] });
    await s.close();
  });

  it('leaves to the main thread a size, an owner, a ctime, no handle, the root, a hard link, a plan with a layer', async () => {
    const s = await opened();
    const before = statSync(join(dir, 'f'));
    for (const valid of [
      Fattr.FH | Fattr.SIZE,
      Fattr.FH | Fattr.UID,
      Fattr.FH | Fattr.GID,
      Fattr.FH | Fattr.MTIME | Fattr.CTIME,
      Fattr.FH | Fattr.MODE | Fattr.KILL_SUIDGID,
      // No handle, without -o exclusive.
      Fattr.MODE,
    ])
      expect(
        s.reader(setattrFrame(s.nodeid, s.fh, valid, { mode: 0o600, size: 1 })),
      ).toBeUndefined();
    expect(s.reader(setattrFrame(1, s.fh, Fattr.FH | Fattr.MODE, { mode: 0o600 }))).toBeUndefined();
    // A handle the table does not know.
    expect(
      s.reader(setattrFrame(s.nodeid, s.fh + 1, Fattr.FH | Fattr.MODE, { mode: 0o600 })),
    ).toBeUndefined();
    s.table.setPlan({ readerData: true, readerGetattr: false, tap: false });
    expect(
      s.reader(setattrFrame(s.nodeid, s.fh, Fattr.FH | Fattr.MODE, { mode: 0o600 })),
    ).toBeUndefined();
    const after = statSync(join(dir, 'f'));
    expect([after.mode, after.size]).toEqual([before.mode, before.size]);
    await s.close();
    // Two links: the main thread also refreshes other node IDs of the inode.
    linkSync(join(dir, 'f'), join(dir, 'g'));
    const l = await opened('g');
    expect(
      l.reader(setattrFrame(l.nodeid, l.fh, Fattr.FH | Fattr.MODE, { mode: 0o600 })),
    ).toBeUndefined();
    expect(statSync(join(dir, 'g')).mode & 0o7777).toBe(before.mode & 0o7777);
    await l.close();
  });
});
