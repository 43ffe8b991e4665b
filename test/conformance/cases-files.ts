import { describe, expect } from '@jest/globals';
import type { SuiteContext } from './harness.js';
import { O_RDONLY, O_RDWR, S_IFMT, S_IFREG, errnoOf } from './harness.js';

/** Regular files: create, read, write, holes, truncate, unlink while open. */
export function fileCases(s: SuiteContext): void {
  describe('files', () => {
    s.test()('creates a file with the masked mode and reads back what was written', async () => {
      const h = s.h();
      const c = await h.run('create', { path: '/f', flags: O_RDWR, mode: 0o666, umask: 0o022 });
      expect(c.attr.mode & S_IFMT).toBe(S_IFREG);
      expect(c.attr.mode & 0o777).toBe(0o644);
      expect(c.attr.size).toBe(0);
      const data = Buffer.from('hello, conformance');
      expect(
        await h.run('write', { path: '/f', fh: c.fh, buffer: data, offset: 0, flags: O_RDWR }),
      ).toBe(data.length);
      const buf = Buffer.alloc(64);
      const n = await h.run('read', {
        path: '/f',
        fh: c.fh,
        buffer: buf,
        offset: 7,
        flags: O_RDWR,
      });
      expect(buf.subarray(0, n).toString()).toBe('conformance');
      await h.run('release', { path: '/f', fh: c.fh, flags: O_RDWR });
      expect((await h.run('lookup', { path: '/f' })).size).toBe(data.length);
    });

    s.test()('reads 0 bytes at and beyond end of file', async () => {
      const h = s.h();
      await h.writeFile('/f', 'abc');
      const fh = await h.open('/f', O_RDONLY);
      const buf = Buffer.alloc(8);
      expect(await h.run('read', { path: '/f', fh, buffer: buf, offset: 3, flags: 0 })).toBe(0);
      expect(await h.run('read', { path: '/f', fh, buffer: buf, offset: 1000, flags: 0 })).toBe(0);
      await h.run('release', { path: '/f', fh, flags: 0 });
    });

    s.test()('a write past the end leaves a hole that reads as zeros', async () => {
      const h = s.h();
      await h.writeFile('/f', '');
      const fh = await h.open('/f', O_RDWR);
      await h.run('write', {
        path: '/f',
        fh,
        buffer: Buffer.from('Z'),
        offset: 10_000,
        flags: O_RDWR,
      });
      await h.run('release', { path: '/f', fh, flags: O_RDWR });
      const got = await h.readFile('/f');
      expect(got.length).toBe(10_001);
      expect(got.subarray(0, 10_000).every((b) => b === 0)).toBe(true);
      expect(got[10_000]).toBe('Z'.charCodeAt(0));
    });

    s.test()('truncates and extends by setattr size, with and without a handle', async () => {
      const h = s.h();
      await h.writeFile('/f', '0123456789');
      expect((await h.run('setattr', { path: '/f', size: 4 })).size).toBe(4);
      expect((await h.readFile('/f')).toString()).toBe('0123');
      const fh = await h.open('/f', O_RDWR);
      expect((await h.run('setattr', { path: '/f', fh, size: 8 })).size).toBe(8);
      await h.run('release', { path: '/f', fh, flags: O_RDWR });
      expect(await h.readFile('/f')).toEqual(Buffer.from('0123\0\0\0\0'));
    });

    s.test()('an unlinked file stays readable and writable through its handle', async () => {
      const h = s.h();
      await h.writeFile('/f', 'still here');
      const fh = await h.open('/f', O_RDWR);
      await h.run('unlink', { path: '/f' });
      expect(await errnoOf(h.run('lookup', { path: '/f' }))).toBe('ENOENT');
      await h.run('write', { path: '/f', fh, buffer: Buffer.from('!'), offset: 10, flags: O_RDWR });
      const buf = Buffer.alloc(32);
      const n = await h.run('read', { path: '/f', fh, buffer: buf, offset: 0, flags: O_RDWR });
      expect(buf.subarray(0, n).toString()).toBe('still here!');
      const attr = await h.run('getattr', { path: '/f', fh });
      expect(attr.nlink).toBe(0);
      expect(attr.size).toBe(11);
      // No hidden placeholder file: the directory is empty while the file is still open.
      expect(await h.names('/')).toEqual([]);
      await h.run('release', { path: '/f', fh, flags: O_RDWR });
    });

    s.test()(
      'open of a missing file fails with ENOENT and create O_EXCL of an existing one with EEXIST',
      async () => {
        const h = s.h();
        expect(await errnoOf(h.run('open', { path: '/nope', flags: O_RDONLY }))).toBe('ENOENT');
        await h.writeFile('/f', 'x');
        const excl = h.run('create', { path: '/f', flags: O_RDWR | 0o200, mode: 0o644, umask: 0 });
        expect(await errnoOf(excl)).toBe('EEXIST');
      },
    );

    s.test()('flush and fsync succeed and keep the data', async () => {
      const h = s.h();
      await h.writeFile('/f', 'durable');
      const fh = await h.open('/f', O_RDWR);
      await h.run('fsync', { path: '/f', fh, datasync: false });
      await h.run('fsync', { path: '/f', fh, datasync: true });
      await h.run('flush', { path: '/f', fh, lockOwner: 1n });
      await h.run('release', { path: '/f', fh, flags: O_RDWR });
      expect((await h.readFile('/f')).toString()).toBe('durable');
    });

    s.test()('fsyncdir of an open directory and access() of the root succeed', async () => {
      const h = s.h();
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      const d = await h.run('opendir', { path: '/d', flags: 0 });
      await h.run('fsyncdir', { path: '/d', fh: d.fh, datasync: false });
      await h.run('releasedir', { path: '/d', fh: d.fh });
      expect(await errnoOf(h.run('access', { path: '/', mask: 0 }))).toBe('OK');
    });

    s.test()('two handles of one file see each other’s writes', async () => {
      const h = s.h();
      await h.writeFile('/f', 'aaaa');
      const w = await h.open('/f', O_RDWR);
      const r = await h.open('/f', O_RDONLY);
      await h.run('write', {
        path: '/f',
        fh: w,
        buffer: Buffer.from('bb'),
        offset: 1,
        flags: O_RDWR,
      });
      const buf = Buffer.alloc(4);
      await h.run('read', { path: '/f', fh: r, buffer: buf, offset: 0, flags: 0 });
      expect(buf.toString()).toBe('abba');
      await h.run('release', { path: '/f', fh: w, flags: O_RDWR });
      await h.run('release', { path: '/f', fh: r, flags: 0 });
    });
  });
}
