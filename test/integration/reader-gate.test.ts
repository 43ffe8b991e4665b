import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import { shOk } from '../helpers/sh.js';
import { createLayerRig, py, PY_PRELUDE } from './layers-rig.js';

// throttle and latency keep READ/WRITE in the reader threads (ADR 0076, the reader gate): the
// rate still holds, and the main thread sees no READ. Only lower bounds on time are asserted.
jest.setTimeout(120_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const MiB = 1024 * 1024;

interface Status {
  engine: { directIo: { enabled: boolean; served: number; fsyncHandedOver: number } | 'off' };
}

/** A mount with `layers` then metrics (to count every READ/WRITE), and a 8 MiB file `in`. */
async function mountWith(layers: unknown[]) {
  const port = await freePort();
  const r = await rig.mount([...layers, { type: 'metrics' }], {
    prepare: (src) => writeFileSync(join(src, 'in'), Buffer.alloc(8 * MiB, 3)),
    args: ['--metrics-port', String(port)],
  });
  const served = async (): Promise<number> => {
    const s = JSON.parse(await shOk(`node "${CLI}" ctl "${r.m.mountpoint}" status`)) as Status;
    const d = s.engine.directIo;
    // An FSYNC that finds no other reader idle is handed to the main thread: it reached the
    // readers all the same (the throttle's scope is data only here).
    return d === 'off' ? -1 : d.served + d.fsyncHandedOver;
  };
  const ops = async (op: string): Promise<number> =>
    total(await scrape(port), 'fs_interposer_ops_total', { op, result: 'ok' });
  /** FLUSH and FSYNC, which the readers serve too (the close and fsync of the test's file). */
  const syncs = async (): Promise<number> => {
    const e = await scrape(port);
    const of = (op: string): number => total(e, 'fs_interposer_ops_total', { op, result: 'ok' });
    return of('flush') + of('fsync');
  };
  return { ...r, port, served, ops, syncs };
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
