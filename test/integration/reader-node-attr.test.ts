import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { MountHandle } from '../helpers/mount.js';
import { freePort } from '../helpers/prometheus.js';
import { createLayerRig, py } from './layers-rig.js';
import { directIoServed } from './reader-served-rig.js';

/**
 * GETATTR without a handle of an open file in the reader threads, under `-o exclusive`
 * (issue 17, src/fuse/session/direct-attr.ts). fstat(2) carries no handle; after a write the
 * attributes are stale, so a write + fstat loop (SQLite asks the size of its database file
 * with fstat per transaction) costs a WRITE, a GETXATTR(security.capability) and a GETATTR per
 * iteration: the first two were the readers' already, the GETATTR now is too (through the
 * open file's fd under exclusive, by the node's path otherwise).
 */
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const N = 40;
const SIZE0 = 3 * 4096;
const prepare = (src: string): void => writeFileSync(join(src, 'f'), Buffer.alloc(SIZE0, 1));
const sizes = Array.from({ length: N }, (_, i) => SIZE0 + (i + 1) * 4096);

const served = (m: MountHandle): Promise<number> => directIoServed(m.mountpoint);

/** N times a 4 KiB write that grows `f`, then fstat; the sizes seen and the getattr ok delta. */
function loop(mnt: string, port = 0) {
  return py<{ sizes: number[]; getattrs: number }>(`import os, json, urllib.request
def count():
    if ${port} == 0: return 0
    body = urllib.request.urlopen('http://127.0.0.1:${port}/metrics').read().decode()
    return sum(float(l.rsplit(' ', 1)[1]) for l in body.splitlines()
               if l.startswith('fs_interposer_ops_total{') and 'op="getattr"' in l and 'result="ok"' in l)
fd = os.open('${mnt}/f', os.O_RDWR)
before = count()
sizes = []
for i in range(${N}):
    os.pwrite(fd, b'z' * 4096, ${SIZE0} + i * 4096)
    sizes.append(os.fstat(fd).st_size)
after = count()
os.close(fd)
print(json.dumps({'sizes': sizes, 'getattrs': after - before}))`);
}

describe('GETATTR without a handle of an open file, in the reader threads', () => {
  it('-o exclusive: the write + fstat loop is served entirely by the readers', async () => {
    const { m } = await rig.mount([], { prepare, args: ['-o', 'exclusive'] });
    const s0 = await served(m);
    const l = await loop(m.mountpoint);
    expect(l.sizes).toEqual(sizes);
    // WRITE, GETXATTR(security.capability) and GETATTR per iteration (before: the first two).
    expect((await served(m)) - s0).toBeGreaterThanOrEqual(3 * N);
  });

  it('-o exclusive with metrics: served there and counted, one getattr per fstat', async () => {
    const port = await freePort();
    const { m } = await rig.mount([{ type: 'metrics' }], {
      prepare,
      args: ['-o', 'exclusive', '--metrics-port', String(port)],
    });
    const s0 = await served(m);
    const l = await loop(m.mountpoint, port);
    expect(l.sizes).toEqual(sizes);
    expect((await served(m)) - s0).toBeGreaterThanOrEqual(3 * N);
    expect(l.getattrs).toBeGreaterThanOrEqual(N);
  });

  it("the default policy: answered there too, by the node's path (direct-lookup.ts)", async () => {
    // Without exclusive the open file's fd is not used (a name may have been replaced behind
    // the mount): the reader stats the node's path and answers only for the node's own inode.
    const { m } = await rig.mount([], { prepare });
    const s0 = await served(m);
    const l = await loop(m.mountpoint);
    expect(l.sizes).toEqual(sizes);
    expect((await served(m)) - s0).toBeGreaterThanOrEqual(3 * N);
  });

  it('-o meta_io=pool: the GETATTR stays on the main thread', async () => {
    const { m } = await rig.mount([], { prepare, args: ['-o', 'exclusive,meta_io=pool'] });
    const s0 = await served(m);
    const l = await loop(m.mountpoint);
    expect(l.sizes).toEqual(sizes);
    expect((await served(m)) - s0).toBeLessThan(N + 5);
  });
});
