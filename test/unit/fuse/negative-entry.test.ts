import { describe, expect, it } from '@jest/globals';
import { constants } from 'node:os';
import { FsError } from '../../../src/vfs/errors.js';
import type { Layer } from '../../../src/vfs/types.js';
import { cstr, frame, lookupFrame, u32s } from './frames.js';
import { createTestServer } from './harness.js';
import { Opcode } from '../../../src/fuse/protocol/constants.js';

// Negative entries (-o exclusive): a LOOKUP of a missing name is answered with node ID 0 and the
// entry timeout (the kernel keeps a negative dentry), only when the miss is the backend's.
const ENOENT = -constants.errno.ENOENT;
const EIO = -constants.errno.EIO;
const DAY = 86_400;
const exclusive = { exclusive: true, times: { entryTimeout: DAY, attrTimeout: DAY } };

/** nodeid, entry_valid (seconds) and entry_valid_nsec of an entry_out reply body. */
const entryOf = (body: Buffer) => ({
  nodeid: body.readBigUInt64LE(0),
  valid: body.readBigUInt64LE(16),
  nsec: body.readUInt32LE(32),
});

const layer = (name: string, extra: Partial<Layer> = {}): Layer => ({
  name,
  around: (_c, next) => next(),
  ...extra,
});

describe('LOOKUP of a missing name', () => {
  it('under -o exclusive, with no layer: a negative entry for the entry timeout', async () => {
    const t = createTestServer({ session: exclusive });
    const r = (await t.send(lookupFrame(1, 'nope')))!;
    expect(r.error).toBe(0);
    expect(r.len).toBe(16 + 128);
    expect(entryOf(r.body)).toEqual({ nodeid: 0n, valid: BigInt(DAY), nsec: 0 });
    // Nothing is registered: no node for the kernel to FORGET.
    expect(t.ctx.nodes.lookupEdge(1, 'nope')).toBeUndefined();
  });

  it('a fractional timeout keeps its nanoseconds; an existing name still gets its node', async () => {
    const t = createTestServer({
      session: { exclusive: true, times: { entryTimeout: 1.5, attrTimeout: 1 } },
    });
    expect(entryOf((await t.send(lookupFrame(1, 'nope')))!.body)).toEqual({
      nodeid: 0n,
      valid: 1n,
      nsec: 500_000_000,
    });
    await t.send(frame(Opcode.MKDIR, Buffer.concat([u32s(0o755, 0o022), cstr('d')])));
    const r = (await t.send(lookupFrame(1, 'd')))!;
    expect(r.error).toBe(0);
    expect(entryOf(r.body).nodeid).toBeGreaterThan(1n);
  });

  it.each<[string, Parameters<typeof createTestServer>[0]]>([
    ['the default policy', {}],
    [
      '-o exclusive with entry_timeout=0',
      { session: { exclusive: true, times: { entryTimeout: 0, attrTimeout: DAY } } },
    ],
    [
      'a layer that does not say its misses are the backend s',
      { session: exclusive, layers: [layer('custom')] },
    ],
    [
      'a layer that says they may not be',
      { session: exclusive, layers: [layer('fault', { missesFromBackend: false })] },
    ],
    [
      'a server that answers orphans (no FUSE_NOTIFY_RESEND)',
      { session: { ...exclusive, answerOrphan: () => true } },
    ],
  ])('%s: a plain ENOENT, never kept', async (_name, o) => {
    const t = createTestServer(o);
    const r = (await t.send(lookupFrame(1, 'nope')))!;
    expect([r.error, r.len]).toEqual([ENOENT, 16]);
  });

  it('an ENOENT a layer says it injected is never kept, though the layer claims its misses', async () => {
    const liar = layer('fault', {
      missesFromBackend: true,
      around: () => Promise.reject(new FsError('ENOENT', 'injected', { injectedBy: 'fault' })),
    });
    const t = createTestServer({ session: exclusive, layers: [liar] });
    expect((await t.send(lookupFrame(1, 'nope')))!.error).toBe(ENOENT);
  });

  it('any other error is answered as it came', async () => {
    const eio = layer('x', {
      missesFromBackend: true,
      around: () => Promise.reject(new FsError('EIO')),
    });
    const t = createTestServer({ session: exclusive, layers: [eio] });
    expect((await t.send(lookupFrame(1, 'nope')))!.error).toBe(EIO);
  });
});
