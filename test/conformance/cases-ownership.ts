import { describe, expect } from '@jest/globals';
import type { SuiteContext } from './harness.js';
import { O_RDWR, S_IFIFO } from './harness.js';

const USER = { pid: 5001, uid: 1234, gid: 5678 };
const S_ISGID = 0o2000;

/** New objects belong to the caller, as if the app had created them itself. */
export function ownershipCases(s: SuiteContext): void {
  describe('ownership', () => {
    s.test('ownership')('objects created by a caller are owned by its uid and gid', async () => {
      const h = s.h();
      await h.run('setattr', { path: '/', mode: 0o777 });
      const as = { caller: USER };
      const c = await h.run('create', { path: '/f', flags: O_RDWR, mode: 0o640, umask: 0 }, as);
      await h.run('release', { path: '/f', fh: c.fh, flags: O_RDWR });
      const made = [
        c.attr,
        await h.run('mkdir', { path: '/d', mode: 0o750, umask: 0 }, as),
        await h.run('mknod', { path: '/p', mode: S_IFIFO | 0o600, rdev: 0, umask: 0 }, as),
        await h.run('symlink', { path: '/l', target: 'f' }, as),
      ];
      for (const attr of made) expect([attr.uid, attr.gid]).toEqual([USER.uid, USER.gid]);
      expect(made.map((a) => a.mode & 0o777)).toEqual([0o640, 0o750, 0o600, 0o777]);
      const again = await h.run('lookup', { path: '/f' });
      expect([again.uid, again.gid]).toEqual([USER.uid, USER.gid]);
    });

    s.test('ownership')(
      'a set-group-ID directory gives its group, and its bit to subdirectories',
      async () => {
        const h = s.h();
        await h.run('mkdir', { path: '/shared', mode: 0o777, umask: 0 });
        await h.run('setattr', { path: '/shared', gid: 4321, mode: 0o2777 });
        const as = { caller: USER };
        const c = await h.run(
          'create',
          { path: '/shared/f', flags: O_RDWR, mode: 0o664, umask: 0o002 },
          as,
        );
        await h.run('release', { path: '/shared/f', fh: c.fh, flags: O_RDWR });
        expect([c.attr.uid, c.attr.gid]).toEqual([USER.uid, 4321]);
        expect(c.attr.mode & 0o7777).toBe(0o664);
        const d = await h.run('mkdir', { path: '/shared/sub', mode: 0o775, umask: 0o002 }, as);
        expect([d.uid, d.gid]).toEqual([USER.uid, 4321]);
        expect(d.mode & S_ISGID).toBe(S_ISGID);
        expect(d.mode & 0o777).toBe(0o775);
      },
    );

    s.test('ownership')('the requested mode survives, set-ID bits included', async () => {
      const h = s.h();
      const as = { caller: USER };
      const c = await h.run(
        'create',
        { path: '/tool', flags: O_RDWR, mode: 0o6775, umask: 0o002 },
        as,
      );
      await h.run('release', { path: '/tool', fh: c.fh, flags: O_RDWR });
      expect((await h.run('lookup', { path: '/tool' })).mode & 0o7777).toBe(0o6775);
    });
  });
}
