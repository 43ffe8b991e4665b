import { describe, expect } from '@jest/globals';
import type { SuiteContext } from './harness.js';
import { O_RDONLY, O_RDWR, S_IFIFO, errnoOf } from './harness.js';

/** Directory trees in motion: renames of populated directories, removal while open, deep ops. */
export function dirCases(s: SuiteContext): void {
  describe('directory trees', () => {
    s.test()('a renamed directory takes its subtree along; the old paths are gone', async () => {
      const h = s.h();
      await h.run('mkdir', { path: '/a', mode: 0o755, umask: 0 });
      await h.run('mkdir', { path: '/a/sub', mode: 0o755, umask: 0 });
      const f = await h.writeFile('/a/sub/f', 'payload');
      await h.run('symlink', { path: '/a/sub/l', target: '../sub/f' });
      await h.run('rename', { path: '/a', newPath: '/b', flags: 0 });
      expect(await errnoOf(h.run('lookup', { path: '/a/sub/f' }))).toBe('ENOENT');
      expect((await h.run('lookup', { path: '/b/sub/f' })).ino).toBe(f.ino);
      expect(await h.run('readlink', { path: '/b/sub/l' })).toBe('../sub/f');
      expect((await h.readFile('/b/sub/f')).toString()).toBe('payload');
    });

    s.test()('a handle opened before its directory was renamed keeps working', async () => {
      const h = s.h();
      await h.run('mkdir', { path: '/a', mode: 0o755, umask: 0 });
      await h.writeFile('/a/f', 'abc');
      const fh = await h.open('/a/f', O_RDWR);
      await h.run('rename', { path: '/a', newPath: '/b', flags: 0 });
      await h.run('write', {
        path: '/b/f',
        fh,
        buffer: Buffer.from('X'),
        offset: 1,
        flags: O_RDWR,
      });
      await h.run('release', { path: '/b/f', fh, flags: O_RDWR });
      expect((await h.readFile('/b/f')).toString()).toBe('aXc');
    });

    s.test()(
      'a directory removed while open lists as empty (or ENOENT) and releases cleanly',
      async () => {
        const h = s.h();
        await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
        const d = await h.run('opendir', { path: '/d', flags: 0 });
        await h.run('rmdir', { path: '/d' });
        // Linux answers getdents on a removed directory with ENOENT; an empty listing is as good.
        const listing = await h.run('readdir', { path: '/d', fh: d.fh }).catch((e: unknown) => e);
        if (Array.isArray(listing)) expect(listing).toEqual([]);
        else expect(await errnoOf(Promise.reject(listing))).toBe('ENOENT');
        await h.run('releasedir', { path: '/d', fh: d.fh });
        expect(await errnoOf(h.run('lookup', { path: '/d' }))).toBe('ENOENT');
      },
    );

    s.test()('RENAME_EXCHANGE swaps a file and a directory', async () => {
      const h = s.h();
      const f = await h.writeFile('/f', 'x');
      const d = await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      await h.writeFile('/d/inner', 'y');
      await h.run('rename', { path: '/f', newPath: '/d', flags: 2 });
      expect((await h.run('lookup', { path: '/d' })).ino).toBe(f.ino);
      expect((await h.run('lookup', { path: '/f' })).ino).toBe(d.ino);
      expect(await h.names('/f')).toEqual(['inner']);
    });

    s.test()('truncation through one handle is seen through another', async () => {
      const h = s.h();
      await h.writeFile('/f', 'long content');
      const r = await h.open('/f', O_RDONLY);
      await h.run('setattr', { path: '/f', size: 0 });
      const buf = Buffer.alloc(16);
      expect(await h.run('read', { path: '/f', fh: r, buffer: buf, offset: 0, flags: 0 })).toBe(0);
      await h.run('release', { path: '/f', fh: r, flags: 0 });
    });

    s.test()('symlink targets up to 4095 bytes are kept, longer ones refused', async () => {
      const h = s.h();
      const target = `${'t/'.repeat(2047)}t`;
      expect(Buffer.byteLength(target)).toBe(4095);
      expect((await h.run('symlink', { path: '/l', target })).size).toBe(4095);
      expect(await h.run('readlink', { path: '/l' })).toBe(target);
      const tooLong = h.run('symlink', { path: '/m', target: `${target}xx` });
      expect(await errnoOf(tooLong)).toBe('ENAMETOOLONG');
    });

    s.test()('mknod and mkdir apply the umask; utimens works on directories', async () => {
      const h = s.h();
      const p = await h.run('mknod', { path: '/p', mode: S_IFIFO | 0o666, rdev: 0, umask: 0o027 });
      expect(p.mode & 0o777).toBe(0o640);
      const d = await h.run('mkdir', { path: '/d', mode: 0o777, umask: 0o077 });
      expect(d.mode & 0o777).toBe(0o700);
      const t = 1_500_000_000_000_000_001n;
      expect((await h.run('setattr', { path: '/d', atime: t, mtime: t })).mtimeNs).toBe(t);
      // A new entry updates the directory's mtime.
      await h.writeFile('/d/f', '');
      expect((await h.run('lookup', { path: '/d' })).mtimeNs).toBeGreaterThan(t);
    });
  });
}
