import { describe, expect } from '@jest/globals';
import type { Harness, SuiteContext } from './harness.js';
import { O_RDWR } from './harness.js';

const NS = 1_000_000_000n;

/** `/f` and its hard link `/d/g`, both looked up so that a cache (through a mount) holds them. */
async function linkedPair(h: Harness): Promise<void> {
  await h.writeFile('/f', 'data', 0o644);
  await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
  await h.run('link', { path: '/f', newPath: '/d/g' });
  for (const path of ['/f', '/d/g']) expect((await h.run('lookup', { path })).nlink).toBe(2);
}

/**
 * One inode looks the same through every name, however the change was made and whatever was
 * cached: through a mount the kernel keeps attributes per node ID, so every name of an inode
 * must be one node. Run through mounts with and without attribute caching.
 */
export function coherenceCases(s: SuiteContext): void {
  describe('hard links: one inode, the same attributes through every name', () => {
    s.test()('chmod, truncate and utimens through one name show through the other', async () => {
      const h = s.h();
      await linkedPair(h);
      await h.run('setattr', { path: '/f', mode: 0o600 });
      expect((await h.run('lookup', { path: '/d/g' })).mode & 0o7777).toBe(0o600);
      await h.run('setattr', { path: '/d/g', mode: 0o640 });
      expect((await h.run('lookup', { path: '/f' })).mode & 0o7777).toBe(0o640);
      await h.run('setattr', { path: '/d/g', size: 2 });
      expect((await h.run('lookup', { path: '/f' })).size).toBe(2);
      const mtime = 1_600_000_000n * NS + 7n;
      await h.run('setattr', { path: '/f', mtime });
      expect((await h.run('lookup', { path: '/d/g' })).mtimeNs).toBe(mtime);
    });

    s.test()('a write through one name is the size and data of the other', async () => {
      const h = s.h();
      await linkedPair(h);
      expect((await h.readFile('/d/g')).toString()).toBe('data');
      const fh = await h.open('/f', O_RDWR);
      await h.run('write', {
        path: '/f',
        fh,
        buffer: Buffer.from('XYZ'),
        offset: 4,
        flags: O_RDWR,
      });
      await h.run('release', { path: '/f', fh, flags: O_RDWR });
      expect((await h.run('lookup', { path: '/d/g' })).size).toBe(7);
      expect((await h.readFile('/d/g')).toString()).toBe('dataXYZ');
    });

    s.test()('link and unlink through one name count links in the other', async () => {
      const h = s.h();
      await linkedPair(h);
      await h.run('link', { path: '/d/g', newPath: '/third' });
      expect((await h.run('lookup', { path: '/f' })).nlink).toBe(3);
      await h.run('unlink', { path: '/d/g' });
      await h.run('unlink', { path: '/third' });
      expect((await h.run('lookup', { path: '/f' })).nlink).toBe(1);
    });

    s.test('ownership')('chown through one name shows through the other', async () => {
      const h = s.h();
      await linkedPair(h);
      await h.run('setattr', { path: '/d/g', uid: 1234, gid: 5678 });
      const f = await h.run('lookup', { path: '/f' });
      expect([f.uid, f.gid]).toEqual([1234, 5678]);
    });
  });
}
