import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { MountHandle } from '../helpers/mount.js';
import { freePort } from '../helpers/prometheus.js';
import { createLayerRig, py } from './layers-rig.js';
import { directIoServed } from './reader-served-rig.js';

/**
 * LOOKUP of a known name and GETATTR without a handle of a known node, in the reader threads
 * (ADR 0087 step 2, src/fuse/session/direct-lookup.ts). With entry and attribute timeouts of 0
 * every stat(2) of a known path asks the server again (as every stat a second after the last
 * does under the default policy): those requests are now the readers', answered as the main
 * thread would, and whatever changes the tree still goes through the main thread.
 */
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const FILES = 30;
const prepare = (src: string): void => {
  mkdirSync(join(src, 'a/b'), { recursive: true });
  for (let i = 0; i < FILES; i++) writeFileSync(join(src, `a/b/f${i}`), Buffer.alloc(i + 1, 1));
};
const ZERO = ['-o', 'entry_timeout=0,attr_timeout=0'];

const served = (m: MountHandle): Promise<number> => directIoServed(m.mountpoint);

/** stat every file `rounds` times: the sizes and inode numbers seen, per round. */
function statRounds(mnt: string, rounds: number) {
  return py<{ sizes: number[][]; inos: number[][] }>(`import os, json
sizes, inos = [], []
for r in range(${rounds}):
    st = [os.stat('${mnt}/a/b/f%d' % i) for i in range(${FILES})]
    sizes.append([s.st_size for s in st]); inos.append([s.st_ino for s in st])
print(json.dumps({'sizes': sizes, 'inos': inos}))`);
}

const sizes = Array.from({ length: FILES }, (_, i) => i + 1);

describe('LOOKUP and GETATTR of known nodes in the reader threads', () => {
  it('a stat of known paths is answered by the readers, with the same answers', async () => {
    const { m } = await rig.mount([], { prepare, args: ZERO });
    // The first round makes the nodes (main thread); the next ones only look them up again.
    await statRounds(m.mountpoint, 1);
    const s0 = await served(m);
    const r = await statRounds(m.mountpoint, 4);
    expect(r.sizes).toEqual(Array.from({ length: 4 }, () => sizes));
    expect(new Set(r.inos.map((x) => x.join()))).toHaveProperty('size', 1);
    // Per stat: a LOOKUP of the file, and of 'a' and 'b' on the way (at least the file's).
    expect((await served(m)) - s0).toBeGreaterThanOrEqual(4 * FILES);
  });

  it('changes through the mount and behind it are seen as before', async () => {
    const { m, src } = await rig.mount([], { prepare, args: ZERO });
    await statRounds(m.mountpoint, 1);
    const out = await py<{
      moved: number;
      gone: boolean;
      back: number;
      replaced: number;
    }>(`import os, json
mnt = '${m.mountpoint}'
os.rename(mnt + '/a/b', mnt + '/a/c')
moved = os.stat(mnt + '/a/c/f3').st_size
gone = not os.path.exists(mnt + '/a/b/f3')
os.rename(mnt + '/a/c', mnt + '/a/b')
back = os.stat(mnt + '/a/b/f3').st_size
print(json.dumps({'moved': moved, 'gone': gone, 'back': back, 'replaced': 0}))`);
    expect(out).toMatchObject({ moved: 4, gone: true, back: 4 });
    // Replaced behind the mount by another inode: the main thread takes the new one.
    writeFileSync(join(src, 'a/b/new'), Buffer.alloc(77));
    renameSync(join(src, 'a/b/new'), join(src, 'a/b/f5'));
    const r = await statRounds(m.mountpoint, 2);
    expect(r.sizes[1]![5]).toBe(77);
    expect(r.sizes[0]!.filter((_, i) => i !== 5)).toEqual(sizes.filter((_, i) => i !== 5));
  });

  it('with metrics: served there and counted as lookups', async () => {
    const port = await freePort();
    const { m } = await rig.mount([{ type: 'metrics' }], {
      prepare,
      args: [...ZERO, '--metrics-port', String(port)],
    });
    await statRounds(m.mountpoint, 1);
    const count = async (): Promise<number> => {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return body
        .split('\n')
        .filter(
          (l) =>
            l.startsWith('fs_interposer_ops_total{') &&
            l.includes('op="lookup"') &&
            l.includes('result="ok"'),
        )
        .reduce((a, l) => a + Number(l.split(' ').pop()), 0);
    };
    const c0 = await count();
    const s0 = await served(m);
    await statRounds(m.mountpoint, 3);
    expect((await served(m)) - s0).toBeGreaterThanOrEqual(3 * FILES);
    expect((await count()) - c0).toBeGreaterThanOrEqual(3 * FILES);
  });
});
