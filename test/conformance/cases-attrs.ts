import { describe, expect } from '@jest/globals';
import type { SuiteContext } from './harness.js';
import { O_RDWR, errnoOf } from './harness.js';

const NS = 1_000_000_000n;

/** Attributes: modes, owners, nanosecond times with UTIME_NOW/UTIME_OMIT, ctime, statfs. */
export function attrCases(s: SuiteContext): void {
  describe('attributes', () => {
    s.test()('setattr mode keeps the file type and set-ID/sticky bits', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      expect((await h.run('setattr', { path: '/f', mode: 0o4750 })).mode & 0o7777).toBe(0o4750);
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      const d = await h.run('setattr', { path: '/d', mode: 0o3777 });
      expect(d.mode & 0o7777).toBe(0o3777);
      expect(d.mode & 0o170000).toBe(0o040000);
    });

    s.test('ownership')('setattr uid/gid changes the owner', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      const a = await h.run('setattr', { path: '/f', uid: 1234, gid: 5678 });
      expect([a.uid, a.gid]).toEqual([1234, 5678]);
      const b = await h.run('setattr', { path: '/f', gid: 42 });
      expect([b.uid, b.gid]).toEqual([1234, 42]);
    });

    s.test()('times keep nanoseconds, before and after the epoch', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      const atime = 1_234_567_890n * NS + 123_456_789n;
      const mtime = 1_700_000_000n * NS + 987_654_321n;
      const a = await h.run('setattr', { path: '/f', atime, mtime });
      expect([a.atimeNs, a.mtimeNs]).toEqual([atime, mtime]);
      const early = -1n * NS - 250_000_000n; // 1969-12-31T23:59:58.75
      const b = await h.run('setattr', { path: '/f', mtime: early });
      expect(b.mtimeNs).toBe(early);
      expect(b.atimeNs).toBe(atime);
    });

    s.test()('UTIME_OMIT leaves a time alone and UTIME_NOW takes the current time', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      const t = 1_000_000_000n * NS + 1n;
      await h.run('setattr', { path: '/f', atime: t, mtime: t });
      const before = BigInt(Date.now() - 5_000) * 1_000_000n;
      const a = await h.run('setattr', { path: '/f', mtime: 'now' });
      expect(a.atimeNs).toBe(t);
      expect(a.mtimeNs).toBeGreaterThan(before);
      const fh = await h.open('/f', O_RDWR);
      const b = await h.run('setattr', { path: '/f', fh, atime: 'now' });
      expect(b.atimeNs).toBeGreaterThan(before);
      expect(b.mtimeNs).toBe(a.mtimeNs);
      await h.run('release', { path: '/f', fh, flags: O_RDWR });
    });

    s.test()('ctime moves on chmod, link and write; mtime on write only', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      const old = 1_000_000_000n * NS;
      const base = await h.run('setattr', { path: '/f', atime: old, mtime: old });
      const afterChmod = await h.run('setattr', { path: '/f', mode: 0o600 });
      expect(afterChmod.ctimeNs).toBeGreaterThanOrEqual(base.ctimeNs);
      expect(afterChmod.mtimeNs).toBe(old);
      const fh = await h.open('/f', O_RDWR);
      await h.run('write', { path: '/f', fh, buffer: Buffer.from('y'), offset: 0, flags: O_RDWR });
      const afterWrite = await h.run('getattr', { path: '/f', fh });
      await h.run('release', { path: '/f', fh, flags: O_RDWR });
      expect(afterWrite.mtimeNs).toBeGreaterThan(old);
      expect(afterWrite.ctimeNs).toBeGreaterThanOrEqual(afterChmod.ctimeNs);
      await h.run('setattr', { path: '/f', mtime: old });
      const linked = await h.run('link', { path: '/f', newPath: '/g' });
      expect(linked.ctimeNs).toBeGreaterThanOrEqual(afterWrite.ctimeNs);
      expect(linked.mtimeNs).toBe(old);
    });

    s.test()('setattr on a symlink changes the link, not its target', async () => {
      const h = s.h();
      await h.writeFile('/target', 'x');
      const tBefore = await h.run('lookup', { path: '/target' });
      await h.run('symlink', { path: '/l', target: 'target' });
      const t = 1_111_111_111n * NS + 5n;
      const l = await h.run('setattr', { path: '/l', mtime: t });
      expect(l.mtimeNs).toBe(t);
      expect((await h.run('lookup', { path: '/target' })).mtimeNs).toBe(tBefore.mtimeNs);
    });

    s.test('ownership')('chown of a symlink changes the link, not its target', async () => {
      const h = s.h();
      const target = await h.writeFile('/target', 'x');
      await h.run('symlink', { path: '/l', target: 'target' });
      expect((await h.run('setattr', { path: '/l', uid: 77, gid: 78 })).uid).toBe(77);
      const after = await h.run('lookup', { path: '/target' });
      expect([after.uid, after.gid]).toEqual([target.uid, target.gid]);
    });

    s.test()('getattr of the root and statfs report sane values', async () => {
      const h = s.h();
      const root = await h.run('getattr', { path: '/' });
      expect(root.mode & 0o170000).toBe(0o040000);
      const st = await h.run('statfs', { path: '/' });
      expect(st.bsize).toBeGreaterThan(0);
      expect(st.namelen).toBe(255);
      expect(st.bfree).toBeLessThanOrEqual(st.blocks);
      expect(st.bavail).toBeLessThanOrEqual(st.bfree);
      expect(await errnoOf(h.run('statfs', { path: '/missing' }))).toBe('ENOENT');
    });
  });
}
