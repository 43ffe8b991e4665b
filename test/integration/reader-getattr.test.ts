import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CLI } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { freePort } from '../helpers/prometheus.js';
import { shOk } from '../helpers/sh.js';
import { createLayerRig, py } from './layers-rig.js';
import { directIoServed } from './reader-served-rig.js';

/**
 * GETATTR with a handle in the reader threads (issue 17). The kernel sends one, with
 * FUSE_GETATTR_FH, from lseek(SEEK_END) once the attributes are stale, which every write makes
 * them (PostgreSQL sizes its relations this way); fstat(2) itself never carries a handle. So
 * each iteration below is a WRITE and a GETATTR with a handle; with no layer, or only metrics,
 * the readers serve both; under a layer that acts on getattr the main thread serves the GETATTR
 * and the layer's effect shows.
 */
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const N = 40;
// Page-aligned: a 4 KiB write across a page boundary is two WRITE requests.
const SIZE0 = 3 * 4096;

const served = (m: MountHandle): Promise<number> => directIoServed(m.mountpoint);

interface Loop {
  /** Per iteration: what lseek(SEEK_END) and fstat saw through the mount, and the source's. */
  seen: { end: number; size: number; mtime: number; ctime: number; ino: boolean; src: number[] }[];
  /** errno names lseek raised, if any. */
  errors: string[];
  /** Metrics deltas over the loop (scraped over HTTP: no request reaches the mount). */
  ops?: Record<string, number>;
}

/**
 * N times: a 4 KiB write that grows `f`, lseek(SEEK_END), fstat; beside each, the source file's
 * own stat. With a metrics port, the getattr and write counts over the loop.
 */
function loop(mnt: string, src: string, port?: number): Promise<Loop> {
  return py<Loop>(`import os, json, errno, urllib.request
def count():
    if ${port ?? 0} == 0: return {}
    body = urllib.request.urlopen('http://127.0.0.1:${port ?? 0}/metrics').read().decode()
    out = {}
    for line in body.splitlines():
        for name, key in (('fs_interposer_ops_total{', 'ops'), ('fs_interposer_op_duration_seconds_count{', 'dur')):
            for op in ('getattr', 'write'):
                if line.startswith(name) and f'op="{op}"' in line:
                    out[key + ':' + op] = out.get(key + ':' + op, 0) + float(line.rsplit(' ', 1)[1])
    return out
fd = os.open('${mnt}/f', os.O_RDWR)
seen, errors = [], []
before = count()
for i in range(${N}):
    os.pwrite(fd, b'z' * 4096, ${SIZE0} + i * 4096)
    try:
        end = os.lseek(fd, 0, os.SEEK_END)
    except OSError as e:
        errors.append(errno.errorcode[e.errno]); continue
    st = os.fstat(fd)
    s = os.stat('${src}/f')
    seen.append({'end': end, 'size': st.st_size, 'mtime': st.st_mtime_ns, 'ctime': st.st_ctime_ns,
                 'ino': st.st_ino == s.st_ino, 'src': [s.st_size, s.st_mtime_ns, s.st_ctime_ns]})
after = count()
os.close(fd)
print(json.dumps({'seen': seen, 'errors': errors, 'ops': {k: after.get(k, 0) - before.get(k, 0) for k in after}}))`);
}

const prepare = (src: string): void => writeFileSync(join(src, 'f'), Buffer.alloc(SIZE0, 1));

/** Every lseek and fstat saw the source's size, mtime and ctime of that moment, exactly. */
function expectExact(l: Loop): void {
  expect(l.errors).toEqual([]);
  expect(l.seen).toHaveLength(N);
  l.seen.forEach((s, i) => {
    const size = SIZE0 + (i + 1) * 4096;
    expect([s.end, s.size, s.mtime, s.ctime, s.ino]).toEqual([size, ...s.src, true]);
  });
}

describe('GETATTR with a handle served by the reader threads', () => {
  it.each([
    ['the default policy', []],
    ['attr_timeout=0 (every fstat asks too, without a handle)', ['-o', 'attr_timeout=0']],
  ])('no layer, %s: served in the readers, sizes and times exact', async (_, args) => {
    const { m, src } = await rig.mount([], { prepare, args });
    const s0 = await served(m);
    expectExact(await loop(m.mountpoint, src));
    // N WRITEs and N GETATTRs with a handle (before: the WRITEs and the FLUSH only).
    expect((await served(m)) - s0).toBeGreaterThanOrEqual(2 * N);
  });

  it('-o meta_io=pool (a network volume): the main thread serves it, sizes and times exact', async () => {
    // An fstat on NFS writes the file's dirty pages back first: never in a reader.
    const { m, src } = await rig.mount([], { prepare, args: ['-o', 'meta_io=pool'] });
    const s0 = await served(m);
    expectExact(await loop(m.mountpoint, src));
    // The WRITEs are the readers', the GETATTRs not.
    expect((await served(m)) - s0).toBeLessThan(2 * N);
  });

  it('with metrics: served in the readers and the getattr count and histogram stay exact', async () => {
    const port = await freePort();
    const { m, src } = await rig.mount([{ type: 'metrics' }], {
      prepare,
      args: ['--metrics-port', String(port)],
    });
    const s0 = await served(m);
    const l = await loop(m.mountpoint, src, port);
    expectExact(l);
    expect((await served(m)) - s0).toBeGreaterThanOrEqual(2 * N);
    // One GETATTR per lseek (the fstat that follows finds fresh attributes): N of each.
    expect(l.ops).toEqual({ 'ops:getattr': N, 'dur:getattr': N, 'ops:write': N, 'dur:write': N });
  });

  it('under shuffle the main thread serves it: the jitter shows in the times', async () => {
    const { m, src } = await rig.mount([{ type: 'shuffle', readdir: false, mtimeJitter: 1000 }], {
      prepare,
    });
    const s0 = await served(m);
    const l = await loop(m.mountpoint, src);
    // The WRITEs are still the readers' (shuffle is idle for them), not the GETATTRs.
    expect((await served(m)) - s0).toBeLessThan(2 * N);
    expect(l.seen.map((s) => s.end)).toEqual(l.seen.map((s) => s.src[0]));
    expect(l.seen.filter((s) => s.mtime !== s.src[1]).length).toBeGreaterThan(N / 2);
  });

  it('under a fault on getattr the main thread serves it: lseek fails as configured', async () => {
    // Scoped to the file: the root's GETATTR (the permission check of the open) must pass. The
    // fault is idle for the data path, so the file's handle is registered for the readers.
    const scope = { ops: ['getattr'], paths: ['/f'] };
    const fault = { type: 'fault', rate: 100, errnos: ['EIO'], scope };
    const { m, src } = await rig.mount([fault], { prepare });
    const s0 = await served(m);
    const l = await loop(m.mountpoint, src);
    expect(l.errors).toEqual(Array.from({ length: N }, () => 'EIO'));
    expect((await served(m)) - s0).toBeLessThan(2 * N);
  });

  it('a live swap switches it at once, both ways', async () => {
    const { m, src } = await rig.mount([], { prepare });
    const setLayers = (spec: string) => shOk(`node "${CLI}" ctl "${m.mountpoint}" set-layers '${spec}'`);
    const delta = async (): Promise<number> => {
      const s0 = await served(m);
      await loop(m.mountpoint, src);
      return (await served(m)) - s0;
    };
    expect(await delta()).toBeGreaterThanOrEqual(2 * N);
    await setLayers('shuffle');
    expect(await delta()).toBeLessThan(2 * N);
    await setLayers('');
    expect(await delta()).toBeGreaterThanOrEqual(2 * N);
  });
});
