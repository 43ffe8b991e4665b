import { describe, expect, it, jest } from '@jest/globals';
import { rmSync } from 'node:fs';
import { startMount, tempDir } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(60_000);

/**
 * One inode looks the same through every name, through the kernel's caches: a change made
 * through one name of a hard-linked file (chmod, chown, a write, truncate, utimens, a new link)
 * shows at once through the other, whether the kernel caches attributes or not, over a
 * directory and over the memory backend (the engine gives every name of an inode one node ID).
 */
const SCRIPT = `set -e; cd "$MNT"
echo data > a; mkdir d; ln a d/b
[ "$(stat -c %i a)" = "$(stat -c %i d/b)" ] && echo same-inode
stat -c '%h %a' a d/b | tr '\\n' ' '; echo
chmod 600 a; chown 7:8 a; stat -c '%a %u:%g' d/b
chmod 640 d/b; chown 9 d/b; stat -c '%a %u:%g' a
cat d/b > /dev/null; echo more >> a; cat d/b | tr '\\n' ' '; echo
truncate -s 2 d/b; stat -c %s a
touch -m -d @1000000000 d/b; stat -c %Y a
ln d/b c; stat -c %h a
rm d/b c; stat -c '%h %a %u:%g' a`;

const EXPECTED = [
  'same-inode',
  '2 644 2 644 ',
  '600 7:8',
  '640 9:8',
  'data more ',
  '2',
  '1000000000',
  '3',
  '1 640 9:8',
];

describe('hard links through a real mount', () => {
  it.each([
    ['a directory', 'entry_timeout=60,attr_timeout=60', 'dir'],
    ['a directory', 'entry_timeout=0,attr_timeout=0', 'dir'],
    ['memory:', 'entry_timeout=60,attr_timeout=60', 'memory:'],
    ['memory:', 'entry_timeout=0,attr_timeout=0', 'memory:'],
  ])('%s, -o %s: every name shows every change', async (_name, opts, kind) => {
    const src = kind === 'dir' ? tempDir('hl-src') : undefined;
    const m = await startMount({ source: src ?? 'memory:', args: ['-o', opts] });
    try {
      const out = await shOk(SCRIPT, { env: { MNT: m.mountpoint }, timeoutMs: 30_000 });
      expect(out.trim().split('\n')).toEqual(EXPECTED);
    } finally {
      expect(await m.stop()).toBe(0);
      if (src !== undefined) rmSync(src, { recursive: true, force: true });
    }
  });
});
