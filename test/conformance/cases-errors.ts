import { describe, expect } from '@jest/globals';
import type { SuiteContext } from './harness.js';
import { O_RDONLY, errnoOf } from './harness.js';

const X_OK = 1;
const R_OK = 4;

/** Error cases every backend must report like a POSIX filesystem, and long paths. */
export function errorCases(s: SuiteContext): void {
  describe('errors and limits', () => {
    s.test()('ENOENT and ENOTDIR for missing or non-directory components', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      expect(await errnoOf(h.run('lookup', { path: '/missing' }))).toBe('ENOENT');
      expect(await errnoOf(h.run('lookup', { path: '/missing/x' }))).toBe('ENOENT');
      expect(await errnoOf(h.run('lookup', { path: '/f/x' }))).toBe('ENOTDIR');
      expect(await errnoOf(h.run('unlink', { path: '/missing' }))).toBe('ENOENT');
      expect(await errnoOf(h.run('rmdir', { path: '/f' }))).toBe('ENOTDIR');
      expect(await errnoOf(h.run('opendir', { path: '/f', flags: 0 }))).toBe('ENOTDIR');
    });

    s.test()('EEXIST, EISDIR and ENOTEMPTY', async () => {
      const h = s.h();
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      await h.writeFile('/d/f', 'x');
      expect(await errnoOf(h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 }))).toBe('EEXIST');
      expect(await errnoOf(h.run('mkdir', { path: '/d/f', mode: 0o755, umask: 0 }))).toBe('EEXIST');
      expect(
        await errnoOf(h.run('mknod', { path: '/d/f', mode: 0o10644, rdev: 0, umask: 0 })),
      ).toBe('EEXIST');
      expect(await errnoOf(h.run('unlink', { path: '/d' }))).toBe('EISDIR');
      expect(await errnoOf(h.run('rmdir', { path: '/d' }))).toBe('ENOTEMPTY');
    });

    s.test()('ENAMETOOLONG for a name over 255 bytes, while 255 bytes work', async () => {
      const h = s.h();
      await h.writeFile(`/${'n'.repeat(255)}`, 'x');
      const long = `/${'n'.repeat(256)}`;
      expect(await errnoOf(h.run('lookup', { path: long }))).toBe('ENAMETOOLONG');
      expect(await errnoOf(h.run('mkdir', { path: long, mode: 0o755, umask: 0 }))).toBe(
        'ENAMETOOLONG',
      );
      // Multi-byte characters count in bytes: 128 two-byte characters are 256 bytes.
      expect(await errnoOf(h.run('lookup', { path: `/${'é'.repeat(128)}` }))).toBe('ENAMETOOLONG');
    });

    s.test()(
      'paths close to PATH_MAX work (the backend never prefixes the source path)',
      async () => {
        const h = s.h();
        let path = '';
        // 19 components of 200 bytes plus a file name: about 3,900 bytes below the volume root.
        for (let i = 0; i < 19; i++) {
          path += `/${String(i).padStart(3, '0')}${'d'.repeat(197)}`;
          await h.run('mkdir', { path, mode: 0o755, umask: 0 });
        }
        const file = `${path}/${'f'.repeat(100)}`;
        expect(file.length).toBeGreaterThan(3900);
        await h.writeFile(file, 'deep');
        expect((await h.readFile(file)).toString()).toBe('deep');
        await h.run('rename', { path: file, newPath: `${path}/short`, flags: 0 });
        expect(await h.names(path)).toEqual(['short']);
      },
    );

    s.test('strictSymlinks')('ELOOP when a path goes through a symlink or opens one', async () => {
      const h = s.h();
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      await h.writeFile('/d/f', 'x');
      await h.run('symlink', { path: '/ld', target: 'd' });
      await h.run('symlink', { path: '/lf', target: 'd/f' });
      expect(await errnoOf(h.run('lookup', { path: '/ld/f' }))).toBe('ELOOP');
      expect(await errnoOf(h.run('open', { path: '/lf', flags: O_RDONLY }))).toBe('ELOOP');
      // open(O_DIRECTORY | O_NOFOLLOW) of a symlink reports ENOTDIR on Linux: either is a refusal.
      expect(['ELOOP', 'ENOTDIR']).toContain(
        await errnoOf(h.run('opendir', { path: '/ld', flags: 0 })),
      );
      // The symlink itself is an object like any other: lookup reports it, unlink removes it.
      expect((await h.run('lookup', { path: '/lf' })).size).toBe(3);
      await h.run('unlink', { path: '/lf' });
      expect((await h.readFile('/d/f')).toString()).toBe('x');
    });

    s.test()('EACCES from access() for execute on a file with no execute bit', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x', 0o644);
      expect(await errnoOf(h.run('access', { path: '/f', mask: X_OK }))).toBe('EACCES');
      expect(await errnoOf(h.run('access', { path: '/f', mask: R_OK }))).toBe('OK');
      expect(await errnoOf(h.run('access', { path: '/missing', mask: 0 }))).toBe('ENOENT');
      await h.run('setattr', { path: '/f', mode: 0o755 });
      expect(await errnoOf(h.run('access', { path: '/f', mask: X_OK }))).toBe('OK');
    });

    s.test()('EPERM for a hard link to a directory', async () => {
      const h = s.h();
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      expect(await errnoOf(h.run('link', { path: '/d', newPath: '/e' }))).toBe('EPERM');
    });

    s.test()('unknown file handles are refused or harmless, never crash', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      await h.run('release', { path: '/f', fh: 987_654_321, flags: 0 });
      const fh = await h.open('/f', O_RDONLY);
      await h.run('release', { path: '/f', fh, flags: 0 });
      // A released handle must not keep working on a stale fd.
      await h.run('release', { path: '/f', fh, flags: 0 });
    });
  });
}
