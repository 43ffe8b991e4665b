import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createLayerRig, py } from './layers-rig.js';

jest.setTimeout(120_000);
const rig = createLayerRig();
afterEach(() => rig.cleanup());

/** A hard link's other name gone behind the mount: the file opened by this one is still there. */
describe("hard links and the readers' LOOKUP (direct-lookup.ts)", () => {
  it('fstat of a file opened by one name after its other name went behind the mount', async () => {
    const { m, src } = await rig.mount([], {
      prepare: (s) => {
        mkdirSync(join(s, 'd'));
        writeFileSync(join(s, 'd/x'), 'hello');
        linkSync(join(s, 'd/x'), join(s, 'd/y'));
      },
      args: ['-o', 'entry_timeout=0,attr_timeout=0'],
    });
    const out = await py<{ x: number; fstat: string }>(`import os, json
mnt, src = '${m.mountpoint}', '${src}'
x = os.stat(mnt + '/d/x').st_size
os.stat(mnt + '/d/y')           # y joins x's node (its path is now d/y)
fd = os.open(mnt + '/d/x', os.O_RDONLY)   # LOOKUP d/x again: the main thread takes d/x as the path
os.unlink(src + '/d/y')         # behind the mount: d/x still exists
try:
    res = 'size %d' % os.fstat(fd).st_size
except OSError as e:
    res = 'errno %d' % e.errno
print(json.dumps({'x': x, 'fstat': res}))`);
    expect(out).toEqual({ x: 5, fstat: 'size 5' });
  });
});
