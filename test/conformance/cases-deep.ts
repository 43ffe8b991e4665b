import { describe, expect } from '@jest/globals';
import type { Harness, SuiteContext } from './harness.js';
import { O_RDWR, S_IFDIR, S_IFIFO, S_IFMT, errnoOf } from './harness.js';

const PATH_MAX = 4096;
const NS = 1_000_000_000n;
const R_OK = 4;

/**
 * A directory whose own path below the volume root is longer than PATH_MAX (21 components of
 * 200 bytes): a client reaches it through relative paths, and so must every op of the backend.
 */
async function deepDir(h: Harness): Promise<string> {
  let path = '';
  for (let i = 0; i < 21; i++) {
    path += `/${String(i).padStart(3, '0')}${'d'.repeat(197)}`;
    await h.run('mkdir', { path, mode: 0o755, umask: 0 });
  }
  expect(Buffer.byteLength(path)).toBeGreaterThan(PATH_MAX);
  return path;
}

/**
 * Remove the tree through the backend, deepest first: tools that build full paths (Node's
 * fs.rm, as the suite's cleanup uses) cannot, so each case leaves nothing that deep behind.
 */
async function removeTree(h: Harness, path: string): Promise<void> {
  const d = await h.run('opendir', { path, flags: 0 });
  const entries = await h.run('readdir', { path, fh: d.fh });
  await h.run('releasedir', { path, fh: d.fh });
  for (const e of entries) {
    const child = `${path}/${e.name}`;
    const type = (await h.run('lookup', { path: child })).mode & S_IFMT;
    if (type === S_IFDIR) await removeTree(h, child);
    else await h.run('unlink', { path: child });
  }
  await h.run('rmdir', { path });
}

const TOP = `/000${'d'.repeat(197)}`;

/** Objects deeper than PATH_MAX below the root: every op works on them as on shallow ones. */
export function deepCases(s: SuiteContext): void {
  describe('objects deeper than PATH_MAX', () => {
    s.test()('chmod, chown to the owner, truncate, ftruncate and utimens', async () => {
      const h = s.h();
      const file = `${await deepDir(h)}/${'f'.repeat(100)}`;
      const made = await h.writeFile(file, 'deep data');
      expect((await h.run('setattr', { path: file, mode: 0o600 })).mode & 0o7777).toBe(0o600);
      const owned = await h.run('setattr', { path: file, uid: made.uid, gid: made.gid });
      expect([owned.uid, owned.gid]).toEqual([made.uid, made.gid]);
      expect((await h.run('setattr', { path: file, size: 4 })).size).toBe(4);
      const fh = await h.open(file, O_RDWR);
      expect((await h.run('setattr', { path: file, fh, size: 2 })).size).toBe(2);
      await h.run('release', { path: file, fh, flags: O_RDWR });
      const mtime = 1_700_000_000n * NS + 5n;
      expect((await h.run('setattr', { path: file, mtime })).mtimeNs).toBe(mtime);
      const attr = await h.run('getattr', { path: file });
      expect([attr.mode & 0o7777, attr.size, attr.mtimeNs]).toEqual([0o600, 2, mtime]);
      expect((await h.readFile(file)).toString()).toBe('de');
      await removeTree(h, TOP);
    });

    s.test('ownership')('chown to another owner', async () => {
      const h = s.h();
      const file = `${await deepDir(h)}/f`;
      await h.writeFile(file, 'x');
      const a = await h.run('setattr', { path: file, uid: 1234, gid: 5678 });
      expect([a.uid, a.gid]).toEqual([1234, 5678]);
      expect((await h.run('lookup', { path: file })).uid).toBe(1234);
      await removeTree(h, TOP);
    });

    s.test()('namespace ops, links, special files, listing, access and statfs', async () => {
      const h = s.h();
      const dir = await deepDir(h);
      await h.writeFile(`${dir}/f`, 'x');
      await h.run('mkdir', { path: `${dir}/sub`, mode: 0o700, umask: 0 });
      const fifo = await h.run('mknod', {
        path: `${dir}/fifo`,
        mode: S_IFIFO | 0o644,
        rdev: 0,
        umask: 0,
      });
      expect(fifo.mode & S_IFMT).toBe(S_IFIFO);
      await h.run('symlink', { path: `${dir}/sym`, target: 'f' });
      expect(await h.run('readlink', { path: `${dir}/sym` })).toBe('f');
      expect((await h.run('link', { path: `${dir}/f`, newPath: `${dir}/hard` })).nlink).toBe(2);
      await h.run('rename', { path: `${dir}/hard`, newPath: `${dir}/sub/moved`, flags: 0 });
      expect(await h.names(dir)).toEqual(['f', 'fifo', 'sub', 'sym']);
      expect(await h.names(`${dir}/sub`)).toEqual(['moved']);
      expect(await errnoOf(h.run('access', { path: `${dir}/f`, mask: R_OK }))).toBe('OK');
      expect((await h.run('statfs', { path: `${dir}/sub` })).bsize).toBeGreaterThan(0);
      await h.run('unlink', { path: `${dir}/sub/moved` });
      await h.run('rmdir', { path: `${dir}/sub` });
      await h.run('unlink', { path: `${dir}/sym` });
      expect(await h.names(dir)).toEqual(['f', 'fifo']);
      await removeTree(h, TOP);
    });

    s.test('xattr')('extended attributes', async () => {
      const h = s.h();
      const file = `${await deepDir(h)}/f`;
      await h.writeFile(file, 'x');
      await h.run('setxattr', { path: file, name: 'user.deep', value: Buffer.from('v'), flags: 0 });
      expect((await h.run('getxattr', { path: file, name: 'user.deep' })).toString()).toBe('v');
      expect(await h.run('listxattr', { path: file })).toContain('user.deep');
      await h.run('removexattr', { path: file, name: 'user.deep' });
      expect(await errnoOf(h.run('getxattr', { path: file, name: 'user.deep' }))).toBe('ENODATA');
      await removeTree(h, TOP);
    });
  });
}
