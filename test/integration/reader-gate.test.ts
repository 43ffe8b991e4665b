import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createLayerRig, py, PY_PRELUDE } from './layers-rig.js';
import { mountCounted } from './reader-served-rig.js';

// throttle and latency keep READ/WRITE in the reader threads (ADR 0076, the reader gate): the
// rate still holds, and the main thread sees no READ. Only lower bounds on time are asserted.
jest.setTimeout(120_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const MiB = 1024 * 1024;

/** A mount with `layers` then metrics, and a 8 MiB file `in`. */
async function mountWith(layers: unknown[]) {
  const r = await mountCounted(rig, layers, 8 * MiB);
  const ops = (op: string): Promise<number> => r.ops(op, 'ok');
  /** FLUSH and FSYNC, which the readers serve too (the close and fsync of the test's file). */
  const syncs = async (): Promise<number> => (await ops('flush')) + (await ops('fsync'));
  return { ...r, ops, syncs };
}

/** Read `name` through the mount in 128 KiB preads (O_DIRECT: one READ each); seconds taken. */
const timedRead = (mnt: string, name: string): Promise<{ s: number; n: number }> =>
  py<{ s: number; n: number }>(`${PY_PRELUDE}
buf = mmap.mmap(-1, 131072)
fd = os.open("${mnt}/${name}", os.O_RDONLY | os.O_DIRECT)
t = time.monotonic(); n = 0; off = 0
while True:
    k = os.preadv(fd, [buf], off)
    if k == 0: break
    n += k; off += k
os.close(fd)
print(json.dumps({"s": time.monotonic() - t, "n": n}))`);

describe('reader-side throttle and latency through a real mount', () => {
  it('a binding bytes/s throttle holds the rate with every READ served in the readers', async () => {
    const rate = 8 * MiB;
    const burst = MiB;
    const t = await mountWith([{ type: 'throttle', bytesPerSecond: rate, burstBytes: burst }]);
    const reads0 = await t.ops('read');
    const syncs0 = await t.syncs();
    const served0 = await t.served();
    const r = await timedRead(t.m.mountpoint, 'in');
    expect(r.n).toBe(8 * MiB);
    // Not faster than rate + burst: 8 MiB needs at least (8 - 1) / 8 s.
    expect(r.s).toBeGreaterThanOrEqual(((8 * MiB - burst) / rate) * 0.98);
    const reads = (await t.ops('read')) - reads0;
    const served = (await t.served()) - served0;
    expect(reads).toBeGreaterThanOrEqual(64);
    // Every READ (and the close's FLUSH) the metrics counted was served by a reader: none
    // reached the main thread.
    const syncs = (await t.syncs()) - syncs0;
    expect(syncs).toBe(1);
    expect(reads + syncs - served).toBe(0);
  });

  it('a binding write throttle holds the rate in the readers too', async () => {
    const t = await mountWith([{ type: 'throttle', bytesPerSecond: 4 * MiB, burstBytes: MiB }]);
    const served0 = await t.served();
    const writes0 = await t.ops('write');
    const syncs0 = await t.syncs();
    const r = await py<{ s: number }>(`${PY_PRELUDE}
buf = b"w" * 65536
fd = os.open("${t.m.mountpoint}/out", os.O_WRONLY | os.O_CREAT, 0o644)
t = time.monotonic()
for i in range(64): os.pwrite(fd, buf, i * 65536)
os.fsync(fd); os.close(fd)
print(json.dumps({"s": time.monotonic() - t}))`);
    // 4 MiB at 4 MiB/s with a 1 MiB burst: at least 0.75 s.
    expect(r.s).toBeGreaterThanOrEqual(0.75 * 0.98);
    const writes = (await t.ops('write')) - writes0;
    expect(writes).toBeGreaterThanOrEqual(64);
    // The FSYNC and the FLUSH too.
    const syncs = (await t.syncs()) - syncs0;
    expect(syncs).toBe(2);
    expect(writes + syncs - ((await t.served()) - served0)).toBe(0);
  });

  // Latency has no reader form at all: a reader sleeping a delay would hold concurrent requests
  // behind the reader count (src/vfs/reader-gate.ts); examples.test.ts shows the parallel rate.
  it('forms the readers cannot serve stay on the main thread (per-file buckets, any latency)', async () => {
    for (const layer of [
      { type: 'throttle', bytesPerSecond: 64 * MiB, per: 'file' },
      { type: 'latency', read: { fixed: 5 } },
      { type: 'latency', read: { min: 0, max: 1 } },
    ]) {
      const t = await mountWith([layer]);
      const served0 = await t.served();
      const reads0 = await t.ops('read');
      await timedRead(t.m.mountpoint, 'in');
      expect((await t.ops('read')) - reads0).toBeGreaterThanOrEqual(64);
      expect((await t.served()) - served0).toBe(0);
      rig.cleanup();
    }
  });
});
