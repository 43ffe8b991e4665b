import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { MountHandle } from '../helpers/mount.js';
import { freePort } from '../helpers/prometheus.js';
import { createLayerRig, py } from './layers-rig.js';
import { directIoServed } from './reader-served-rig.js';

/**
 * GETXATTR(security.capability) in the reader threads (issue 17). After every attribute
 * refresh the kernel clears S_NOSEC, so in a write + lseek(SEEK_END) loop each write(2) asks
 * GETXATTR(security.capability) (file_remove_privs, a size query). WRITE and GETATTR with a
 * handle were the readers' already; now the GETXATTR is too, for a node with an open handle:
 * three requests per iteration, none on the main thread. A capability on the file is still
 * removed by a write, as before.
 */
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const N = 40;
const SIZE0 = 3 * 4096;
const prepare = (src: string): void => writeFileSync(join(src, 'f'), Buffer.alloc(SIZE0, 1));

const served = (m: MountHandle): Promise<number> => directIoServed(m.mountpoint);

/**
 * N times a 4 KiB write that grows `f`, then lseek(SEEK_END); the ends seen, the file's
 * capability after the loop, and with a metrics port the deltas of every getxattr series but
 * the latency buckets and sum (which depend on timing).
 */
function loop(mnt: string, port = 0) {
  return py<{ ends: number[]; cap: string | null; series: Record<string, number> }>(`import os, json
import re, urllib.request
def count():
    if ${port} == 0: return {}
    body = urllib.request.urlopen('http://127.0.0.1:${port}/metrics').read().decode()
    out = {}
    for line in body.splitlines():
        if 'op="getxattr"' in line and not line.startswith('#') and '_bucket{' not in line and '_sum{' not in line:
            k, v = line.rsplit(' ', 1)
            out[re.sub(r'volume="[^"]*",', '', k)] = float(v)
    return out
fd = os.open('${mnt}/f', os.O_RDWR)
before = count()
ends = []
for i in range(${N}):
    os.pwrite(fd, b'z' * 4096, ${SIZE0} + i * 4096)
    ends.append(os.lseek(fd, 0, os.SEEK_END))
after = count()
try:
    cap = os.getxattr(fd, 'security.capability').hex()
except OSError:
    cap = None
os.close(fd)
print(json.dumps({'ends': ends, 'cap': cap, 'series': {k: after[k] - before.get(k, 0) for k in after}}))`);
}

const ends = Array.from({ length: N }, (_, i) => SIZE0 + (i + 1) * 4096);

describe('GETXATTR(security.capability) served by the reader threads', () => {
  it('no layer: the write + lseek loop is served entirely by the readers', async () => {
    const { m } = await rig.mount([], { prepare });
    const s0 = await served(m);
    const l = await loop(m.mountpoint);
    expect(l.ends).toEqual(ends);
    // WRITE, GETATTR with a handle and GETXATTR per iteration (before: the first two only).
    expect((await served(m)) - s0).toBeGreaterThanOrEqual(3 * N);
  });

  it('with metrics: served in the readers, the getxattr series exactly the main thread ones', async () => {
    const series: Record<string, number>[] = [];
    for (const args of [[], ['-o', 'meta_io=pool']]) {
      const port = await freePort();
      const { m } = await rig.mount([{ type: 'metrics' }], {
        prepare,
        args: ['--metrics-port', String(port), ...args],
      });
      const s0 = await served(m);
      const l = await loop(m.mountpoint, port);
      expect(l.ends).toEqual(ends);
      const readers = (await served(m)) - s0;
      // meta_io=pool: a network volume's policy, where the main thread serves metadata.
      if (args.length === 0) expect(readers).toBeGreaterThanOrEqual(3 * N);
      else expect(readers).toBeLessThan(2 * N + 5);
      series.push(l.series);
    }
    // Every GETXATTR answered ENODATA: one "expected" outcome each, on both paths.
    const ops = Object.entries(series[0]!).filter(
      ([k, v]) => k.startsWith('fs_interposer_ops_total{') && v !== 0,
    );
    expect(ops.map(([k, v]) => [k.includes('result="expected"'), v])).toEqual([[true, N]]);
    expect(series[0]).toEqual(series[1]);
  });

  it('a capability on the file is still removed by a write, and then served', async () => {
    const { m, src } = await rig.mount([], {
      prepare: (s) => {
        prepare(s);
        execFileSync('setcap', ['cap_net_raw+ep', join(s, 'f')]);
      },
    });
    expect(execFileSync('getcap', [join(src, 'f')]).toString()).toMatch(/cap_net_raw/);
    const s0 = await served(m);
    const l = await loop(m.mountpoint);
    expect(l.ends).toEqual(ends);
    expect(l.cap).toBeNull();
    expect(execFileSync('getcap', [join(src, 'f')]).toString()).toBe('');
    // The first GETXATTR finds the capability (the main thread then removes it): the rest are
    // the readers'.
    expect((await served(m)) - s0).toBeGreaterThanOrEqual(3 * N - 1);
  });

  it.each([
    ['the readers serving', []],
    ['the main thread (meta_io=pool)', ['-o', 'meta_io=pool']],
  ])('a file unlinked while open, %s: its capability is read and removed by a write', async (_, args) => {
    // The node has no path left: both paths read and remove through an open handle. Before,
    // the main thread answered ENOENT while the readers read the open fd: the kernel then
    // removed the capability through the main thread (REMOVEXATTR, ENOENT) and the write failed.
    const { m } = await rig.mount([], {
      prepare: (s) => {
        prepare(s);
        execFileSync('setcap', ['cap_net_raw+ep', join(s, 'f')]);
      },
      args,
    });
    const out = await py<{ before: number; wrote: number; after: string }>(`import os, json, errno
fd = os.open('${m.mountpoint}/f', os.O_RDWR)
os.lseek(fd, 0, os.SEEK_END)
os.unlink('${m.mountpoint}/f')
before = len(os.getxattr(fd, 'security.capability'))
wrote = os.pwrite(fd, b'z' * 4096, 0)
try:
    os.getxattr(fd, 'security.capability'); after = 'present'
except OSError as e:
    after = errno.errorcode[e.errno]
os.close(fd)
print(json.dumps({'before': before, 'wrote': wrote, 'after': after}))`);
    expect(out).toEqual({ before: 20, wrote: 4096, after: 'ENODATA' });
  });
});

