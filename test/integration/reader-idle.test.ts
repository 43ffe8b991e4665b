import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createLayerRig, py, PY_PRELUDE } from './layers-rig.js';
import { mountCounted } from './reader-served-rig.js';

// A layer with nothing to do for READ/WRITE/FSYNC/FLUSH (a zero delay, a fault scoped to other
// ops, shuffle) leaves them in the reader threads (readerIdle, ADR 0076); the same layers with a
// delay or a fault on reads still act on every one. Only lower bounds on time are asserted.
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const MiB = 1024 * 1024;

/** A mount with `layers` then metrics, a 4 MiB file `in`; READ/WRITE/FSYNC/FLUSH counted. */
async function mountWith(layers: unknown[]) {
  const r = await mountCounted(rig, layers, 4 * MiB);
  const sum = async (ops: string[]): Promise<number> =>
    (await Promise.all(ops.map((op) => r.ops(op)))).reduce((a, b) => a + b, 0);
  const dataOps = (): Promise<number> => sum(['read', 'write', 'fsync', 'flush']);
  // With no layer acting on metadata the readers may also answer GETATTR with a handle,
  // GETXATTR(security.capability) (the first write to the new file asks it) and the LOOKUPs of
  // the files (a node made, a miss): at most these.
  const metaOps = (): Promise<number> => sum(['getattr', 'getxattr', 'lookup']);
  return { ...r, dataOps, metaOps };
}

/**
 * Read `in` in 128 KiB O_DIRECT preads (one READ each, `reads` of them), then write `out`
 * (16 x 64 KiB), fsync and close it: errno names of what failed, seconds the reads took.
 */
const io = (mnt: string, reads: number) =>
  py<{ read: unknown; write: unknown; s: number }>(`${PY_PRELUDE}
def rd():
    buf = mmap.mmap(-1, 131072)
    fd = os.open("${mnt}/in", os.O_RDONLY | os.O_DIRECT)
    try:
        n = 0
        for i in range(${reads}): n += os.preadv(fd, [buf], i * 131072)
        return n
    finally:
        os.close(fd)
def wr():
    fd = os.open("${mnt}/out", os.O_WRONLY | os.O_CREAT, 0o644)
    for i in range(16): os.pwrite(fd, b"w" * 65536, i * 65536)
    os.fsync(fd); os.close(fd)
    return 16
t = time.monotonic()
r = attempt(rd)
s = time.monotonic() - t
print(json.dumps({"read": r, "write": attempt(wr), "s": s}))`);

const mkdir = (mnt: string) =>
  py<unknown>(`${PY_PRELUDE}
print(json.dumps(attempt(lambda: os.mkdir("${mnt}/d") or 0)))`);

describe('layers with nothing to do for the readers leave the data path in them', () => {
  it.each<[string, unknown]>([
    [
      'latency with zero data and flush delays',
      { type: 'latency', read: { fixed: 0 }, write: { fixed: 0 }, flush: { fixed: 0 } },
    ],
    [
      'latency delaying metadata only',
      { type: 'latency', metadata: { fixed: 1 }, read: { fixed: 0 } },
    ],
    [
      'latency scoped to metadata ops',
      { type: 'latency', read: { fixed: 50 }, scope: { ops: ['getattr', 'lookup'] } },
    ],
    ['fault at rate 0', { type: 'fault', rate: 0 }],
    ['shuffle', { type: 'shuffle' }],
  ])('%s: every READ/WRITE/FSYNC/FLUSH served by a reader', async (_name, layer) => {
    const t = await mountWith([layer]);
    const served0 = await t.served();
    const ops0 = await t.dataOps();
    const meta0 = await t.metaOps();
    const r = await io(t.m.mountpoint, 32);
    expect(r).toMatchObject({ read: { ok: 4 * MiB }, write: { ok: 16 } });
    const ops = (await t.dataOps()) - ops0;
    // 32 READs, 16 WRITEs, the FSYNC and the two FLUSHes (the kernel may split nothing: O_DIRECT
    // reads, and writes of a file opened without the writeback cache's batching).
    expect(ops).toBeGreaterThanOrEqual(32 + 16 + 1 + 2);
    // Every one of them in a reader; beside them, with no layer acting on metadata (fault at
    // rate 0 leaves the chain), the readers may have answered a GETATTR or GETXATTR too.
    const served = (await t.served()) - served0;
    expect(served).toBeGreaterThanOrEqual(ops);
    expect(served - ops).toBeLessThanOrEqual((await t.metaOps()) - meta0);
  });

  it('a fault on mkdir only still fails every mkdir, with the data path in the readers', async () => {
    const t = await mountWith([
      { type: 'fault', rate: 100, errnos: ['EIO'], scope: { ops: ['mkdir'] } },
    ]);
    const served0 = await t.served();
    const ops0 = await t.dataOps();
    expect(await io(t.m.mountpoint, 32)).toMatchObject({
      read: { ok: 4 * MiB },
      write: { ok: 16 },
    });
    expect(await mkdir(t.m.mountpoint)).toEqual({ err: 'EIO' });
    const ops = (await t.dataOps()) - ops0;
    expect(ops).toBeGreaterThanOrEqual(32 + 16 + 1 + 2);
    expect((await t.served()) - served0).toBe(ops);
  });

  it('a read delay still delays every READ, and a fault on reads still fails them, on the main thread', async () => {
    const slow = await mountWith([{ type: 'latency', read: { fixed: 100 }, write: { fixed: 0 } }]);
    let served0 = await slow.served();
    const r = await io(slow.m.mountpoint, 4);
    expect(r).toMatchObject({ read: { ok: 512 * 1024 }, write: { ok: 16 } });
    expect(r.s).toBeGreaterThanOrEqual(4 * 0.1 * 0.98);
    expect((await slow.served()) - served0).toBe(0);
    rig.cleanup();

    const failing = await mountWith([
      { type: 'fault', rate: 100, errnos: ['EIO'], scope: { ops: ['read'] } },
    ]);
    served0 = await failing.served();
    expect(await io(failing.m.mountpoint, 4)).toMatchObject({
      read: { err: 'EIO' },
      write: { ok: 16 },
    });
    expect((await failing.served()) - served0).toBe(0);
  });
});
