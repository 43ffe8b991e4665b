import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createLayerRig, py } from './layers-rig.js';
import { directIoCount, mountCounted } from './reader-served-rig.js';

/**
 * UNLINK in the reader threads (src/fuse/session/direct-unlink.ts) on a real mount with
 * `metrics` (whose reader tap counts what they answer): the names go in the backend, every
 * unlink is counted once, and what the kernel does next (a stat, a create of the same name, a
 * read of an open unlinked file, a hard link's other name) sees the main thread's table as the
 * readers left it (src/fuse/session/removals.ts).
 */
jest.setTimeout(180_000);

const rig = createLayerRig();
afterEach(() => rig.cleanup());

const unlinksAnswered = (mnt: string): Promise<number> => directIoCount(mnt, 'unlinksAnswered');

describe('UNLINK in the reader threads', () => {
  it.each([[[]], [['-o', 'exclusive']]])(
    '600 files removed through the mount (%p): gone, counted once each, most by the readers',
    async (args) => {
      const t = await mountCounted(rig, [], 1, args as string[]);
      mkdirSync(join(t.src, 'd'));
      for (let i = 0; i < 600; i++) writeFileSync(join(t.src, 'd', `f${i}`), `${i}`);
      const u0 = await t.ops('unlink');
      // One process: each name's LOOKUP makes its node (the main thread, which takes the ring
      // in first), then its UNLINK goes to a reader.
      const out = await py<{ left: number; err: string }>(`import os, json
d = '${t.m.mountpoint}/d'
for i in range(600): os.unlink(d + '/f%d' % i)
err = ''
try: os.stat(d + '/f7')
except OSError as e: err = e.strerror
print(json.dumps({'left': len(os.listdir(d)), 'err': err}))`);
      expect(out).toEqual({ left: 0, err: 'No such file or directory' });
      expect(readdirSync(join(t.src, 'd'))).toEqual([]);
      expect((await t.ops('unlink')) - u0).toBe(600);
      expect(await unlinksAnswered(t.m.mountpoint)).toBeGreaterThanOrEqual(500);
    },
  );

  it('an open file unlinked reads on; a hard link keeps its other name; a name made again is new', async () => {
    const t = await mountCounted(rig, [], 1, ['-o', 'exclusive']);
    writeFileSync(join(t.src, 'kept'), 'still here\n');
    writeFileSync(join(t.src, 'one'), 'linked\n');
    const out = await py<Record<string, unknown>>(`import os, json
m = '${t.m.mountpoint}'
f = open(m + '/kept')
os.unlink(m + '/kept')
gone = not os.path.exists(m + '/kept')
st = os.fstat(f.fileno())
data = f.read()
os.link(m + '/one', m + '/two')
os.unlink(m + '/one')
two = open(m + '/two').read()
nlink = os.stat(m + '/two').st_nlink
with open(m + '/kept', 'w') as g: g.write('new\\n')
again = open(m + '/kept').read()
f.close()
print(json.dumps({'gone': gone, 'nlink0': st.st_nlink, 'data': data, 'two': two, 'nlink': nlink, 'again': again}))`);
    expect(out).toEqual({
      gone: true,
      nlink0: 0,
      data: 'still here\n',
      two: 'linked\n',
      nlink: 1,
      again: 'new\n',
    });
    expect(await unlinksAnswered(t.m.mountpoint)).toBe(2);
  });
});
