import { describe, expect } from '@jest/globals';
import type { SuiteContext } from './harness.js';
import { errnoOf } from './harness.js';

const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;

/** Extended attributes: the backend returns whole values (the engine does the size probe). */
export function xattrCases(s: SuiteContext): void {
  describe('xattrs', () => {
    s.test('xattr')(
      'set, get, list and remove user attributes with create/replace flags',
      async () => {
        const h = s.h();
        await h.writeFile('/f', 'x');
        const set = (name: string, value: string, flags: number) =>
          h.run('setxattr', { path: '/f', name, value: Buffer.from(value), flags });
        await set('user.one', 'first', 0);
        await set('user.two', '', XATTR_CREATE);
        expect((await h.run('getxattr', { path: '/f', name: 'user.one' })).toString()).toBe(
          'first',
        );
        expect((await h.run('getxattr', { path: '/f', name: 'user.two' })).length).toBe(0);
        expect(
          (await h.run('listxattr', { path: '/f' })).filter((n) => n.startsWith('user.')).sort(),
        ).toEqual(['user.one', 'user.two']);
        expect(await errnoOf(set('user.one', 'again', XATTR_CREATE))).toBe('EEXIST');
        expect(await errnoOf(set('user.none', 'v', XATTR_REPLACE))).toBe('ENODATA');
        await set('user.one', 'second', XATTR_REPLACE);
        expect((await h.run('getxattr', { path: '/f', name: 'user.one' })).toString()).toBe(
          'second',
        );
        await h.run('removexattr', { path: '/f', name: 'user.one' });
        expect(await errnoOf(h.run('getxattr', { path: '/f', name: 'user.one' }))).toBe('ENODATA');
        expect(await errnoOf(h.run('removexattr', { path: '/f', name: 'user.one' }))).toBe(
          'ENODATA',
        );
      },
    );

    s.test('xattr')('values larger than a page and binary values come back whole', async () => {
      const h = s.h();
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      const big = Buffer.alloc(3000);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 256;
      await h.run('setxattr', { path: '/d', name: 'user.big', value: big, flags: 0 });
      expect(await h.run('getxattr', { path: '/d', name: 'user.big' })).toEqual(big);
    });

    s.test('xattr', 'privileged')('trusted.* attributes work for a privileged server', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      await h.run('setxattr', { path: '/f', name: 'trusted.t', value: Buffer.from('v'), flags: 0 });
      expect((await h.run('getxattr', { path: '/f', name: 'trusted.t' })).toString()).toBe('v');
      expect(await h.run('listxattr', { path: '/f' })).toContain('trusted.t');
    });

    s.test('xattr')(
      'user.* attributes on a symlink are refused like on Linux (EPERM)',
      async () => {
        const h = s.h();
        await h.run('symlink', { path: '/l', target: 'nowhere' });
        const set = h.run('setxattr', {
          path: '/l',
          name: 'user.x',
          value: Buffer.from('v'),
          flags: 0,
        });
        expect(await errnoOf(set)).toBe('EPERM');
      },
    );

    s.test('xattr')('xattrs on a missing file fail with ENOENT', async () => {
      const h = s.h();
      expect(await errnoOf(h.run('getxattr', { path: '/missing', name: 'user.x' }))).toBe('ENOENT');
      expect(await errnoOf(h.run('listxattr', { path: '/missing' }))).toBe('ENOENT');
    });
  });
}
