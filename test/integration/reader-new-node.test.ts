import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { shOk } from '../helpers/sh.js';
import { createLayerRig, py } from './layers-rig.js';
import { directIoCount, mountCounted } from './reader-served-rig.js';

/**
 * Nodes made by the reader threads for LOOKUPs of names that exist (ADR 0087 step 3,
 * src/fuse/session/direct-new-node.ts) on a real mount with `metrics`: in either cache policy a
 * cold walk of a tree is answered by the readers, each lookup counted once, and everything the
 * kernel does with those node IDs next (open and read, rename, a hard link, unlink, forget after
 * a cache drop, the walk again) goes as with the main thread's nodes.
 */
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const nodesMade = (mnt: string): Promise<number> => directIoCount(mnt, 'nodesMade');

const FILES = 800;

function tree(src: string): void {
  mkdirSync(join(src, 'd/sub'), { recursive: true });
  for (let i = 0; i < FILES; i++) writeFileSync(join(src, 'd', `f${i}`), `file ${i}\n`);
  for (let i = 0; i < 20; i++) writeFileSync(join(src, 'd/sub', `s${i}`), `sub ${i}\n`);
}

describe('nodes made by the reader threads', () => {
  it('a cold walk under -o exclusive: made by the readers, counted once, then used as any node', async () => {
    const t = await mountCounted(rig, [], 1, ['-o', 'exclusive']);
    tree(t.src);
    const l0 = await t.ops('lookup');
    const m = t.m.mountpoint;
    const first = await py<{ sizes: number; sub: number }>(`import os, json
d = '${m}/d'
sizes = sum(os.stat(d + '/f%d' % i).st_size for i in range(${FILES}))
sub = len([n for n in os.listdir(d + '/sub') if os.stat(d + '/sub/' + n).st_size > 0])
print(json.dumps({'sizes': sizes, 'sub': sub}))`);
    expect(first.sub).toBe(20);
    expect(first.sizes).toBe(
      Array.from({ length: FILES }, (_, i) => `file ${i}\n`.length).reduce((a, b) => a + b),
    );
    const made = await nodesMade(m);
    expect(made).toBeGreaterThanOrEqual(700);
    // d, sub and every file of d looked up once (sub's files come with READDIRPLUS): counted
    // once each, whoever answered.
    const lookups = (await t.ops('lookup')) - l0;
    expect(lookups).toBeGreaterThanOrEqual(FILES + 2);
    expect(lookups).toBeLessThanOrEqual(FILES + 30);
    // What the kernel does with the readers' node IDs next, through the main thread and them.
    const next = await py<Record<string, unknown>>(`import os, json
d = '${m}/d'
data = [open(d + '/f%d' % i).read() for i in (0, 1, 799)]
os.rename(d + '/f1', d + '/moved')
moved = open(d + '/moved').read()
os.link(d + '/f2', d + '/f2-link')
nlink = os.stat(d + '/f2').st_nlink
with open(d + '/f2-link', 'a') as f: f.write('more\\n')
f2 = open(d + '/f2').read()
os.unlink(d + '/f3')
f3 = os.path.exists(d + '/f3')
os.rename(d + '/sub', d + '/sub2')
s5 = open(d + '/sub2/s5').read()
print(json.dumps({'data': data, 'moved': moved, 'nlink': nlink, 'f2': f2, 'f3': f3, 's5': s5}))`);
    expect(next).toEqual({
      data: ['file 0\n', 'file 1\n', 'file 799\n'],
      moved: 'file 1\n',
      nlink: 2,
      f2: 'file 2\nmore\n',
      f3: false,
      s5: 'sub 5\n',
    });
    // Every node forgotten (the kernel drops its dentries and inodes), then the walk again.
    await shOk('sync; echo 2 > /proc/sys/vm/drop_caches');
    const again = await py<{ n: number; s5: string }>(`import os, json
d = '${m}/d'
n = sum(1 for x in os.listdir(d) if os.stat(d + '/' + x).st_size >= 0)
print(json.dumps({'n': n, 's5': open(d + '/sub2/s5').read()}))`);
    // f1 moved, f3 gone, f2-link added, sub renamed: FILES - 2 + moved + f2-link + sub2.
    expect(again).toEqual({ n: FILES + 1, s5: 'sub 5\n' });
    expect(await nodesMade(m)).toBeGreaterThan(made + 500);
  });

  it('the default policy: a cold walk made by the readers, a name replaced behind the mount seen', async () => {
    const t = await mountCounted(rig, [], 1);
    tree(t.src);
    const l0 = await t.ops('lookup');
    const out = await py<{ n: number }>(`import os, json
d = '${t.m.mountpoint}/d'
print(json.dumps({'n': sum(os.stat(d + '/f%d' % i).st_size for i in range(${FILES}))}))`);
    expect(out.n).toBeGreaterThan(0);
    expect(await nodesMade(t.m.mountpoint)).toBeGreaterThanOrEqual(FILES / 2);
    expect((await t.ops('lookup')) - l0).toBeLessThanOrEqual(FILES + 10);
    // Replaced behind the mount (what the default policy is for): seen once the entry expires.
    writeFileSync(join(t.src, 'd/f5.new'), 'replaced behind the mount\n');
    renameSync(join(t.src, 'd/f5.new'), join(t.src, 'd/f5'));
    const again = await py<{ data: string }>(`import os, json, time
time.sleep(1.2)
print(json.dumps({'data': open('${t.m.mountpoint}/d/f5').read()}))`);
    expect(again.data).toBe('replaced behind the mount\n');
  });
});
