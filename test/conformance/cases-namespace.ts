import { describe, expect } from '@jest/globals';
import type { SuiteContext } from './harness.js';
import {
  O_RDONLY,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  errnoOf,
} from './harness.js';

const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;

/** Directories, readdir, rename (with flags), hard links, symlinks and special files. */
export function namespaceCases(s: SuiteContext): void {
  describe('namespace', () => {
    s.test()('mkdir, readdir with types and inode numbers, rmdir', async () => {
      const h = s.h();
      const d = await h.run('mkdir', { path: '/d', mode: 0o777, umask: 0o022 });
      expect(d.mode & S_IFMT).toBe(S_IFDIR);
      expect(d.mode & 0o777).toBe(0o755);
      await h.writeFile('/d/file', 'x');
      await h.run('mkdir', { path: '/d/sub', mode: 0o755, umask: 0 });
      await h.run('symlink', { path: '/d/link', target: 'file' });
      const dh = await h.run('opendir', { path: '/d', flags: 0 });
      const entries = await h.run('readdir', { path: '/d', fh: dh.fh });
      await h.run('releasedir', { path: '/d', fh: dh.fh });
      const byName = new Map(entries.map((e) => [e.name, e]));
      expect([...byName.keys()].sort()).toEqual(['file', 'link', 'sub']);
      for (const [name, type] of [
        ['file', S_IFREG],
        ['sub', S_IFDIR],
        ['link', S_IFLNK],
      ] as const) {
        const e = byName.get(name)!;
        if (e.type !== 0) expect(e.type).toBe(type);
        const looked = await h.run('lookup', { path: `/d/${name}` });
        expect(e.ino).toBe(looked.ino);
        // Attributes are optional; when given they must be the entry's own (not a target's).
        if (e.attr !== undefined)
          expect([e.attr.ino, e.attr.mode, e.attr.size]).toEqual([
            looked.ino,
            looked.mode,
            looked.size,
          ]);
      }
      expect(await errnoOf(h.run('rmdir', { path: '/d' }))).toBe('ENOTEMPTY');
      await h.run('rmdir', { path: '/d/sub' });
      expect(await errnoOf(h.run('lookup', { path: '/d/sub' }))).toBe('ENOENT');
    });

    s.test()(
      'lists a large directory completely, also to concurrent readers of one handle',
      async () => {
        const h = s.h();
        await h.run('mkdir', { path: '/big', mode: 0o755, umask: 0 });
        const expected: string[] = [];
        for (let i = 0; i < 1500; i++) {
          const name = `entry-${String(i).padStart(5, '0')}-${'x'.repeat(60)}`;
          expected.push(name);
          const m = await h.run('mknod', {
            path: `/big/${name}`,
            mode: S_IFREG | 0o644,
            rdev: 0,
            umask: 0,
          });
          expect(m.size).toBe(0);
        }
        const dh = await h.run('opendir', { path: '/big', flags: 0 });
        const [a, b] = await Promise.all([
          h.run('readdir', { path: '/big', fh: dh.fh }),
          h.run('readdir', { path: '/big', fh: dh.fh }),
        ]);
        await h.run('releasedir', { path: '/big', fh: dh.fh });
        expect(a.map((e) => e.name).sort()).toEqual(expected);
        expect(b.map((e) => e.name).sort()).toEqual(expected);
      },
    );

    s.test()('rename moves a file, keeps its inode and replaces an existing target', async () => {
      const h = s.h();
      const a = await h.writeFile('/a', 'A');
      await h.writeFile('/b', 'B');
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      await h.run('rename', { path: '/a', newPath: '/b', flags: 0 });
      expect((await h.run('lookup', { path: '/b' })).ino).toBe(a.ino);
      expect((await h.readFile('/b')).toString()).toBe('A');
      await h.run('rename', { path: '/b', newPath: '/d/c', flags: 0 });
      expect(await h.names('/')).toEqual(['d']);
      expect((await h.readFile('/d/c')).toString()).toBe('A');
    });

    s.test()('rename over a file that is still open leaves the open file intact', async () => {
      const h = s.h();
      await h.writeFile('/old', 'old data');
      await h.writeFile('/new', 'new data');
      const fh = await h.open('/old', O_RDONLY);
      await h.run('rename', { path: '/new', newPath: '/old', flags: 0 });
      const buf = Buffer.alloc(8);
      await h.run('read', { path: '/old', fh, buffer: buf, offset: 0, flags: 0 });
      expect(buf.toString()).toBe('old data');
      await h.run('release', { path: '/old', fh, flags: 0 });
      expect((await h.readFile('/old')).toString()).toBe('new data');
    });

    s.test()('rename between files and directories follows POSIX errors', async () => {
      const h = s.h();
      await h.writeFile('/f', 'x');
      await h.run('mkdir', { path: '/empty', mode: 0o755, umask: 0 });
      await h.run('mkdir', { path: '/full', mode: 0o755, umask: 0 });
      await h.writeFile('/full/x', 'x');
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      expect(await errnoOf(h.run('rename', { path: '/f', newPath: '/empty', flags: 0 }))).toBe(
        'EISDIR',
      );
      expect(await errnoOf(h.run('rename', { path: '/d', newPath: '/f', flags: 0 }))).toBe(
        'ENOTDIR',
      );
      expect(await errnoOf(h.run('rename', { path: '/d', newPath: '/full', flags: 0 }))).toBe(
        'ENOTEMPTY',
      );
      expect(await errnoOf(h.run('rename', { path: '/d', newPath: '/d/in', flags: 0 }))).toBe(
        'EINVAL',
      );
      expect(await errnoOf(h.run('rename', { path: '/nope', newPath: '/x', flags: 0 }))).toBe(
        'ENOENT',
      );
      await h.run('rename', { path: '/d', newPath: '/empty', flags: 0 });
      expect(await h.names('/')).toEqual(['empty', 'f', 'full']);
    });

    s.test()('RENAME_NOREPLACE refuses an existing target and RENAME_EXCHANGE swaps', async () => {
      const h = s.h();
      const a = await h.writeFile('/a', 'A');
      const b = await h.writeFile('/b', 'B');
      const noreplace = h.run('rename', { path: '/a', newPath: '/b', flags: RENAME_NOREPLACE });
      expect(await errnoOf(noreplace)).toBe('EEXIST');
      await h.run('rename', { path: '/a', newPath: '/c', flags: RENAME_NOREPLACE });
      await h.run('rename', { path: '/c', newPath: '/b', flags: RENAME_EXCHANGE });
      expect((await h.run('lookup', { path: '/b' })).ino).toBe(a.ino);
      expect((await h.run('lookup', { path: '/c' })).ino).toBe(b.ino);
      const missing = h.run('rename', { path: '/b', newPath: '/zz', flags: RENAME_EXCHANGE });
      expect(await errnoOf(missing)).toBe('ENOENT');
    });

    s.test()('hard links share the inode and count links', async () => {
      const h = s.h();
      const f = await h.writeFile('/f', 'shared');
      expect(f.nlink).toBe(1);
      const l = await h.run('link', { path: '/f', newPath: '/g' });
      expect(l.ino).toBe(f.ino);
      expect(l.nlink).toBe(2);
      expect((await h.run('lookup', { path: '/f' })).nlink).toBe(2);
      await h.run('unlink', { path: '/f' });
      const g = await h.run('lookup', { path: '/g' });
      expect([g.ino, g.nlink]).toEqual([f.ino, 1]);
      expect((await h.readFile('/g')).toString()).toBe('shared');
      expect(await errnoOf(h.run('link', { path: '/g', newPath: '/g' }))).toBe('EEXIST');
      await h.run('mkdir', { path: '/d', mode: 0o755, umask: 0 });
      expect(await errnoOf(h.run('link', { path: '/d', newPath: '/d2' }))).toBe('EPERM');
    });

    s.test()('symlinks store their target verbatim and are never followed', async () => {
      const h = s.h();
      for (const target of ['rel/target', '/etc/passwd', '../../outside', 'dangling']) {
        const name = `/l${target.length}`;
        const attr = await h.run('symlink', { path: name, target });
        expect(attr.mode & S_IFMT).toBe(S_IFLNK);
        expect(attr.size).toBe(Buffer.byteLength(target));
        expect(await h.run('readlink', { path: name })).toBe(target);
      }
      await h.writeFile('/f', 'x');
      expect(await errnoOf(h.run('readlink', { path: '/f' }))).toBe('EINVAL');
      expect(await errnoOf(h.run('symlink', { path: '/f', target: 'x' }))).toBe('EEXIST');
    });

    s.test()('mknod makes fifos and sockets', async () => {
      const h = s.h();
      const fifo = await h.run('mknod', { path: '/p', mode: S_IFIFO | 0o644, rdev: 0, umask: 0 });
      expect(fifo.mode & S_IFMT).toBe(S_IFIFO);
      const sock = await h.run('mknod', { path: '/s', mode: 0o140000 | 0o600, rdev: 0, umask: 0 });
      expect(sock.mode & S_IFMT).toBe(0o140000);
      const file = await h.run('mknod', { path: '/r', mode: S_IFREG | 0o600, rdev: 0, umask: 0 });
      expect(file.mode & S_IFMT).toBe(S_IFREG);
    });

    s.test('devices')('mknod makes character devices with their device number', async () => {
      const h = s.h();
      const rdev = (1 << 8) | 3; // 1:3 is /dev/null
      const dev = await h.run('mknod', { path: '/null', mode: S_IFCHR | 0o666, rdev, umask: 0 });
      expect(dev.mode & S_IFMT).toBe(S_IFCHR);
      expect(dev.rdev).toBe(rdev);
    });
  });
}
