import { describe, expect, it } from '@jest/globals';
import { Opcode } from '../../../src/fuse/protocol/constants.js';
import { FsError } from '../../../src/vfs/errors.js';
import type { Layer } from '../../../src/vfs/types.js';
import { createFrame, cstr, frame, lookupFrame, parseEntry, readFrame, u32s, u64s, writeFrame } from './frames.js';
import { INIT, createTestServer } from './harness.js';

const ENOENT = -2;
const EINVAL = -22;
const ENOSYS = -38;
const EINTR = -4;
const EBADF = -9;

async function createFile(t: ReturnType<typeof createTestServer>, name: string, data: Buffer) {
  const r = (await t.send(createFrame(1, name)))!;
  expect(r.error).toBe(0);
  const entry = parseEntry(r.body);
  const fh = Number(r.body.readBigUInt64LE(128));
  const w = (await t.send(writeFrame(entry.nodeid, fh, 0, data)))!;
  expect(w.error).toBe(0);
  expect(w.body.readUInt32LE(0)).toBe(data.length);
  return { nodeid: entry.nodeid, fh, ino: entry.ino };
}

/** The INTERRUPT naming `req` (its unique). */
const interruptOf = (req: Buffer): Buffer => frame(Opcode.INTERRUPT, u64s(Number(req.readBigUInt64LE(8))));

/** Send `req`, let it reach its layers, then interrupt it: its reply. */
async function sendInterrupted(t: ReturnType<typeof createTestServer>, req: Buffer) {
  const pending = t.send(req);
  await new Promise((r) => setImmediate(r));
  await t.send(interruptOf(req));
  return pending;
}

/** A layer that answers EINTR for a request already interrupted when it arrives. */
const abortAware: Layer = {
  name: 'l',
  around: (call, next) => (call.signal.aborted ? Promise.reject(new FsError('EINTR')) : next()),
};

describe('request server over the memory backend', () => {
  it('answers LOOKUP of a missing name with ENOENT and echoes unique', async () => {
    const t = createTestServer();
    const f = lookupFrame(1, 'nope');
    const r = (await t.send(f))!;
    expect(r.error).toBe(ENOENT);
    expect(r.unique).toBe(f.readBigUInt64LE(8));
    expect(r.len).toBe(16);
  });

  it('creates, writes, reads back and looks up a file', async () => {
    const t = createTestServer();
    const data = Buffer.from('hello fuse');
    const { nodeid, fh, ino } = await createFile(t, 'a.txt', data);
    const r = (await t.send(readFrame(Opcode.READ, nodeid, fh, 6, 100)))!;
    expect(r.error).toBe(0);
    expect(r.body.toString()).toBe('fuse');
    const l = (await t.send(lookupFrame(1, 'a.txt')))!;
    expect(parseEntry(l.body)).toMatchObject({ nodeid, ino, size: data.length, mode: 0o100644 });
    expect(t.ctx.nodes.get(nodeid)!.nlookup).toBe(2);
  });

  it('lists a directory with . and .. and counts READDIRPLUS entries as lookups', async () => {
    const t = createTestServer();
    const mk = (await t.send(frame(Opcode.MKDIR, Buffer.concat([u32s(0o755, 0o022), cstr('d')]))))!;
    const dir = parseEntry(mk.body).nodeid;
    for (const n of ['x', 'y']) await createFile(t, n, Buffer.from(n));
    const od = (await t.send(frame(Opcode.OPENDIR, u32s(0, 0), { nodeid: 1 })))!;
    const fh = Number(od.body.readBigUInt64LE(0));
    const rd = (await t.send(readFrame(Opcode.READDIRPLUS, 1, fh, 0, 4096)))!;
    const names: string[] = [];
    for (let off = 0; off < rd.body.length; ) {
      const namelen = rd.body.readUInt32LE(off + 128 + 16);
      names.push(rd.body.toString('utf8', off + 152, off + 152 + namelen));
      off += (152 + namelen + 7) & ~7;
    }
    expect(names.sort()).toEqual(['.', '..', 'd', 'x', 'y']);
    expect(t.ctx.nodes.get(dir)!.nlookup).toBe(2);
    // Continue from the offset of the last entry: nothing left.
    const rest = (await t.send(readFrame(Opcode.READDIR, 1, fh, 5, 4096)))!;
    expect(rest.body.length).toBe(0);
  });

  it('keeps paths right across a directory rename', async () => {
    const t = createTestServer();
    const mk = (await t.send(frame(Opcode.MKDIR, Buffer.concat([u32s(0o755, 0o022), cstr('a')]))))!;
    const a = parseEntry(mk.body).nodeid;
    const c = (await t.send(createFrame(a, 'f')))!;
    const f = parseEntry(c.body).nodeid;
    const r = (await t.send(frame(Opcode.RENAME, Buffer.concat([u64s(1), cstr('a'), cstr('b')]), { nodeid: 1 })))!;
    expect(r.error).toBe(0);
    expect(t.ctx.nodes.path(f)).toBe('/b/f');
    expect((await t.send(frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid: f })))!.error).toBe(0);
  });

  it('serves an unlinked but open file through its handle', async () => {
    const t = createTestServer();
    const { nodeid, fh } = await createFile(t, 'gone', Buffer.from('still here'));
    expect((await t.send(frame(Opcode.UNLINK, cstr('gone'), { nodeid: 1 })))!.error).toBe(0);
    const r = (await t.send(readFrame(Opcode.READ, nodeid, fh, 0, 100)))!;
    expect(r.body.toString()).toBe('still here');
    // fstat without a handle in the request: served through the open handle...
    expect((await t.send(frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid })))!.error).toBe(0);
    // ...and gone once the last handle is released.
    expect((await t.send(frame(Opcode.RELEASE, u64s(fh, 0, 0), { nodeid })))!.error).toBe(0);
    expect((await t.send(frame(Opcode.GETATTR, Buffer.alloc(16), { nodeid })))!.error).toBe(ENOENT);
  });

  it('implements the xattr size probe', async () => {
    const t = createTestServer();
    const { nodeid } = await createFile(t, 'x', Buffer.alloc(0));
    const set = frame(Opcode.SETXATTR, Buffer.concat([u32s(5, 0), cstr('user.k'), Buffer.from('value')]), { nodeid });
    expect((await t.send(set))!.error).toBe(0);
    const probe = (await t.send(frame(Opcode.GETXATTR, Buffer.concat([u32s(0, 0), cstr('user.k')]), { nodeid })))!;
    expect(probe.body.readUInt32LE(0)).toBe(5);
    const small = (await t.send(frame(Opcode.GETXATTR, Buffer.concat([u32s(2, 0), cstr('user.k')]), { nodeid })))!;
    expect(small.error).toBe(-34); // ERANGE
    const got = (await t.send(frame(Opcode.GETXATTR, Buffer.concat([u32s(64, 0), cstr('user.k')]), { nodeid })))!;
    expect(got.body.toString()).toBe('value');
  });

  it.each([
    ['refuses', 'not agreed', '0', -95],
    ['passes on', 'agreed', (1 << 20).toString(16), 0],
  ])('%s ACL attributes when FUSE_POSIX_ACL is %s', async (_, _agreed, flags, errno) => {
    // Stands in for a backend that keeps ACLs (the memory backend refuses system.* itself).
    const reached: string[] = [];
    const aclKeeper: Layer = {
      name: 'acl-keeper',
      around: (call, next) => {
        if (!call.op.endsWith('xattr')) return next();
        reached.push(call.op);
        return Promise.resolve((call.op === 'getxattr' ? Buffer.from('v') : undefined) as never);
      },
    };
    const t = createTestServer({ init: { ...INIT, flags }, layers: [aclKeeper] });
    const { nodeid } = await createFile(t, 'acl', Buffer.alloc(0));
    const acl = Buffer.from([2, 0, 0, 0, 1, 0, 6, 0, 255, 255, 255, 255]);
    for (const name of ['system.posix_acl_access', 'system.posix_acl_default']) {
      const args = Buffer.concat([u32s(acl.length, 0), cstr(name), acl]);
      expect((await t.send(frame(Opcode.SETXATTR, args, { nodeid })))!.error).toBe(errno);
      const get = Buffer.concat([u32s(64, 0), cstr(name)]);
      expect((await t.send(frame(Opcode.GETXATTR, get, { nodeid })))!.error).toBe(errno);
      expect((await t.send(frame(Opcode.REMOVEXATTR, cstr(name), { nodeid })))!.error).toBe(errno);
    }
    expect(reached.length).toBe(errno === 0 ? 6 : 0);
  });

  it('answers unknown and unsupported opcodes with ENOSYS and FORGET with nothing', async () => {
    const t = createTestServer();
    expect((await t.send(frame(9999, Buffer.alloc(8))))!.error).toBe(ENOSYS);
    expect((await t.send(frame(Opcode.BMAP, Buffer.alloc(16))))!.error).toBe(ENOSYS);
    expect(await t.send(frame(Opcode.FORGET, u64s(1), { nodeid: 1 }))).toBeUndefined();
    expect((await t.send(frame(Opcode.INIT, Buffer.alloc(64))))!.error).toBe(-71);
  });

  it('answers a handle it never issued with EBADF, and reopens a predecessor handle lazily', async () => {
    const t = createTestServer();
    const { nodeid } = await createFile(t, 'r', Buffer.from('abc'));
    expect((await t.send(readFrame(Opcode.READ, nodeid, 7 * 2 ** 32 + 999, 0, 10)))!.error).toBe(EBADF);
    const foreign = 3 * 2 ** 32 + 5; // another server generation's ID
    const r = (await t.send(readFrame(Opcode.READ, nodeid, foreign, 0, 10)))!;
    expect(r.error).toBe(0);
    expect(r.body.toString()).toBe('abc');
  });

  it('aborts an in-flight request on FUSE_INTERRUPT and answers EINTR', async () => {
    const stall: Layer = {
      name: 'stall',
      around: (call) =>
        new Promise((_, reject) => call.signal.addEventListener('abort', () => reject(new FsError('EINTR')))),
    };
    const t = createTestServer({ layers: [stall] });
    const req = lookupFrame(1, 'slow');
    const pending = t.send(req);
    await new Promise((r) => setImmediate(r));
    expect(t.server.inFlight).toBe(1);
    const unique = Number(req.readBigUInt64LE(8));
    expect(await t.send(frame(Opcode.INTERRUPT, u64s(unique)))).toBeUndefined();
    expect((await pending)!.error).toBe(EINTR);
    expect(t.server.inFlight).toBe(0);
  });

  it('remembers an INTERRUPT that overtakes its request', async () => {
    const t = createTestServer({ layers: [abortAware] });
    const req = lookupFrame(1, 'x');
    await t.send(interruptOf(req));
    expect((await t.send(req))!.error).toBe(EINTR);
  });

  it('keeps the errno of a request that failed on its own though an INTERRUPT came first', async () => {
    // A LOOKUP of a missing name whose INTERRUPT overtook it (another reader's queue): ENOENT,
    // not EINTR, which would fail an open or stat of a merely signalled app.
    const t = createTestServer();
    const req = lookupFrame(1, 'missing');
    await t.send(interruptOf(req));
    expect((await t.send(req))!.error).toBe(ENOENT);
  });

  it('keeps the errno of a request that fails after its INTERRUPT arrived', async () => {
    let interruptArrived: () => void = () => undefined;
    const arrived = new Promise<void>((r) => (interruptArrived = r));
    const slowMiss: Layer = {
      name: 'slow-miss',
      around: async (call, next) => {
        call.signal.addEventListener('abort', () => interruptArrived(), { once: true });
        await arrived;
        return next();
      },
    };
    const t = createTestServer({ layers: [slowMiss] });
    expect((await sendInterrupted(t, lookupFrame(1, 'missing')))!.error).toBe(ENOENT);
  });

  it('logs an orphan answer only when the kernel took it (not for a request a reader answered)', async () => {
    const t = createTestServer();
    const answered: number[] = [];
    const warned: unknown[] = [];
    let kernelTakes = false;
    Object.assign(t.ctx, {
      answerOrphan: (unique: number) => (answered.push(unique), kernelTakes),
      logger: { ...t.ctx.logger, warn: (o: unknown) => warned.push(o) },
    });
    await t.send(frame(Opcode.INTERRUPT, u64s(101)));
    await new Promise((r) => setTimeout(r, 1100));
    expect(answered).toEqual([101]);
    expect(warned).toEqual([]);
    kernelTakes = true;
    await t.send(frame(Opcode.INTERRUPT, u64s(102)));
    await new Promise((r) => setTimeout(r, 1100));
    expect(answered).toEqual([101, 102]);
    expect(warned).toEqual([{ unique: 102 }]);
  });

  it('keeps a recent early INTERRUPT while stale ones (requests the readers answered) pile up', async () => {
    const t = createTestServer({ layers: [abortAware] });
    for (let u = 1_000; u < 1_200; u++) await t.send(frame(Opcode.INTERRUPT, u64s(u)));
    const req = lookupFrame(1, 'x');
    await t.send(interruptOf(req));
    for (let u = 2_000; u < 2_100; u++) await t.send(frame(Opcode.INTERRUPT, u64s(u)));
    expect((await t.send(req))!.error).toBe(EINTR);
  });

  it('answers EINTR for an interrupted request whose error has no errno (an abort)', async () => {
    const abortish: Layer = {
      name: 'abortish',
      around: (call) =>
        new Promise((_, reject) =>
          call.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' }))),
        ),
    };
    const t = createTestServer({ layers: [abortish] });
    expect((await sendInterrupted(t, lookupFrame(1, 'slow')))!.error).toBe(EINTR);
  });
});

describe('malformed frames never crash the server', () => {
  const valid: [string, Buffer][] = [
    ['LOOKUP', lookupFrame(1, 'name')],
    ['CREATE', createFrame(1, 'n')],
    ['WRITE', writeFrame(1, 1, 0, Buffer.from('data'))],
    ['READ', readFrame(Opcode.READ, 1, 1, 0, 10)],
    ['SETATTR', frame(Opcode.SETATTR, Buffer.alloc(88))],
    ['RENAME', frame(Opcode.RENAME, Buffer.concat([u64s(1), cstr('a'), cstr('b')]))],
    ['BATCH_FORGET', frame(Opcode.BATCH_FORGET, Buffer.concat([u32s(2, 0), u64s(5, 1)]))],
    ['SETXATTR', frame(Opcode.SETXATTR, Buffer.concat([u32s(5, 0), cstr('user.k'), Buffer.from('v')]))],
    ['GETLK', frame(Opcode.GETLK, Buffer.alloc(48))],
    ['COPY_FILE_RANGE', frame(Opcode.COPY_FILE_RANGE, Buffer.alloc(56))],
  ];

  it.each(valid)('%s truncated at every length is answered with an error', async (_op, f) => {
    const t = createTestServer();
    for (let cut = 40; cut < f.length; cut++) {
      const short = Buffer.from(f.subarray(0, cut));
      short.writeUInt32LE(cut, 0);
      const r = await t.send(short);
      if (r !== undefined) expect(r.error).toBeLessThan(0);
    }
  });

  it('answers a frame whose length field lies with EINVAL', async () => {
    const t = createTestServer();
    const f = lookupFrame(1, 'x');
    f.writeUInt32LE(f.length + 100, 0);
    expect((await t.send(f))!.error).toBe(EINVAL);
    expect(await t.send(Buffer.alloc(10), 10)).toBeUndefined();
  });

  it('survives 5000 seeded random frames', async () => {
    const t = createTestServer();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const args = Buffer.alloc(rnd(200));
      for (let j = 0; j < args.length; j++) args[j] = rnd(4) === 0 ? 0 : rnd(256);
      const f = frame(1 + rnd(60), args, { nodeid: 1 + rnd(4) });
      const r = await t.send(f);
      if (r !== undefined) expect(r.len).toBeGreaterThanOrEqual(16);
    }
  });
});
