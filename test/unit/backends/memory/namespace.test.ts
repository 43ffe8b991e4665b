import { beforeEach, describe, expect, it } from '@jest/globals';
import { createFakeClock } from '../../../../src/vfs/fake-clock.js';
import { createMemoryBackend } from '../../../../src/backends/memory/memory-backend.js';
import { ALICE, BOB, harness, ROOT } from './harness.js';
import type { Harness } from './harness.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFIFO = 0o010000;
const S_IFCHR = 0o020000;

let fs: Harness;
beforeEach(async () => {
  fs = harness(
    createMemoryBackend({ clock: createFakeClock(), root: { uid: 0, gid: 0, mode: 0o777 } }),
  );
  await fs.mkdir('/d');
  await fs.writeFile('/f', 'data');
  await fs.call('symlink', { path: '/l', target: 'f' });
});

describe('creating nodes', () => {
  it.each([
    ['mkdir', () => fs.call('mkdir', { path: '/n', mode: 0o777, umask: 0o022 }), S_IFDIR | 0o755],
    [
      'mknod regular',
      () => fs.call('mknod', { path: '/n', mode: S_IFREG | 0o666, rdev: 0, umask: 0o022 }),
      S_IFREG | 0o644,
    ],
    [
      'mknod fifo',
      () => fs.call('mknod', { path: '/n', mode: S_IFIFO | 0o600, rdev: 0, umask: 0 }),
      S_IFIFO | 0o600,
    ],
    [
      'mknod with no type',
      () => fs.call('mknod', { path: '/n', mode: 0o640, rdev: 0, umask: 0 }),
      S_IFREG | 0o640,
    ],
    [
      'symlink',
      () => fs.call('symlink', { path: '/n', target: '/somewhere/else' }),
      S_IFLNK | 0o777,
    ],
  ])('%s applies the type and the umask', async (_name, make, mode) => {
    const attr = await make();
    expect(attr.mode).toBe(mode);
    expect(await fs.stat('/n')).toEqual(attr);
  });

  it.each([
    ['a directory', S_IFDIR | 0o755, 'EPERM'],
    ['a symlink', S_IFLNK | 0o777, 'EINVAL'],
    ['an unknown type', 0o070000 | 0o644, 'EINVAL'],
  ])('mknod of %s fails like may_mknod', async (_name, mode, code) => {
    await expect(fs.call('mknod', { path: '/n', mode, rdev: 0, umask: 0 })).rejects.toMatchObject({
      code,
    });
  });

  it('mkdir keeps the sticky bit but not setuid/setgid of the requested mode', async () => {
    const attr = await fs.call('mkdir', { path: '/n', mode: 0o7777, umask: 0o022 });
    expect(attr.mode & 0o7777).toBe(0o1755);
  });

  it('keeps the device number of a character device', async () => {
    const attr = await fs.call('mknod', {
      path: '/tty',
      mode: S_IFCHR | 0o620,
      rdev: 0x0501,
      umask: 0,
    });
    expect(attr.rdev).toBe(0x0501);
  });

  it.each(
    [
      ['an existing file', '/f', 'EEXIST'],
      ['an existing dir', '/d', 'EEXIST'],
      ['a symlink name', '/l', 'EEXIST'],
      ['under a missing dir', '/missing/x', 'ENOENT'],
      ['under a file', '/f/x', 'ENOTDIR'],
      ['deep under a file', '/f/x/y', 'ENOTDIR'],
      ['with a 256-byte name', `/${'a'.repeat(256)}`, 'ENAMETOOLONG'],
    ].map(([name, path, code]) => ({ name, path, code })),
  )('mkdir on $name fails with $code', async ({ path, code }) => {
    await expect(fs.mkdir(path!)).rejects.toMatchObject({ code });
  });
  it('accepts a 255-byte name', async () => {
    await expect(fs.mkdir(`/${'a'.repeat(255)}`)).resolves.toMatchObject({ nlink: 2 });
  });

  it('gives a new node the caller as owner', async () => {
    const attr = await fs.mkdir('/d/mine', 0o755, ALICE);
    expect([attr.uid, attr.gid]).toEqual([ALICE.uid, ALICE.gid]);
  });

  it('takes the group (and for dirs the setgid bit) of a setgid directory', async () => {
    await fs.call('setattr', { path: '/d', gid: 4242, mode: 0o2777 });
    const file = await fs.call(
      'mknod',
      { path: '/d/f', mode: S_IFREG | 0o644, rdev: 0, umask: 0 },
      ALICE,
    );
    const dir = await fs.mkdir('/d/sub', 0o755, ALICE);
    expect([file.uid, file.gid, file.mode & 0o2000]).toEqual([ALICE.uid, 4242, 0]);
    expect([dir.gid, dir.mode & 0o7777]).toEqual([4242, 0o2755]);
  });

  it('reports symlink targets and their length as size', async () => {
    expect(await fs.call('readlink', { path: '/l' })).toBe('f');
    expect((await fs.stat('/l')).size).toBe(1);
    await expect(fs.call('readlink', { path: '/f' })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('gives every inode a distinct, stable number', async () => {
    const a = await fs.stat('/f');
    await fs.call('rename', { path: '/f', newPath: '/d/g', flags: 0 });
    expect((await fs.stat('/d/g')).ino).toBe(a.ino);
    const inos = new Set([
      (await fs.stat('/')).ino,
      (await fs.stat('/d')).ino,
      a.ino,
      (await fs.stat('/l')).ino,
    ]);
    expect(inos.size).toBe(4);
  });
});

describe('path checks', () => {
  it.each(['/..', '/d/..', '/.', '//d', '/d/', 'relative'])(
    'refuses %p with EINVAL',
    async (path) => {
      await expect(fs.call('lookup', { path })).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(fs.mkdir(`${path}/x`)).rejects.toMatchObject({ code: 'EINVAL' });
    },
  );

  it('reports ENAMETOOLONG for a long component on lookup, counting bytes', async () => {
    await expect(fs.call('lookup', { path: `/d/${'é'.repeat(128)}` })).rejects.toMatchObject({
      code: 'ENAMETOOLONG',
    });
  });
});

describe('directory link counts', () => {
  it('counts . and .. of subdirectories', async () => {
    expect((await fs.stat('/d')).nlink).toBe(2);
    await fs.mkdir('/d/a');
    await fs.mkdir('/d/b');
    await fs.writeFile('/d/file', '');
    expect((await fs.stat('/d')).nlink).toBe(4);
    await fs.call('rmdir', { path: '/d/a' });
    expect((await fs.stat('/d')).nlink).toBe(3);
  });
});

describe('hard links', () => {
  it('share one inode and count links', async () => {
    const attr = await fs.call('link', { path: '/f', newPath: '/d/f2' });
    expect(attr.nlink).toBe(2);
    expect(attr.ino).toBe((await fs.stat('/f')).ino);
    await fs.call('unlink', { path: '/f' });
    expect((await fs.stat('/d/f2')).nlink).toBe(1);
    expect((await fs.readFile('/d/f2')).toString()).toBe('data');
  });

  it.each([
    ['a directory', '/d', '/d2', 'EPERM'],
    ['onto an existing name', '/f', '/l', 'EEXIST'],
    ['from a missing file', '/nope', '/x', 'ENOENT'],
    ['into a missing dir', '/f', '/nope/x', 'ENOENT'],
  ])('link of %s fails', async (_name, path, newPath, code) => {
    await expect(fs.call('link', { path, newPath })).rejects.toMatchObject({ code });
  });
});

describe('removing names', () => {
  it.each([
    ['unlink', '/d', 'EISDIR'],
    ['unlink', '/nope', 'ENOENT'],
    ['unlink', '/f/x', 'ENOTDIR'],
    ['rmdir', '/f', 'ENOTDIR'],
    ['rmdir', '/l', 'ENOTDIR'],
    ['rmdir', '/', 'EBUSY'],
    ['rmdir', '/nope', 'ENOENT'],
  ] as const)('%s %s fails with %s', async (op, path, code) => {
    await expect(fs.call(op, { path })).rejects.toMatchObject({ code });
  });

  it('refuses to remove a non-empty directory', async () => {
    await fs.writeFile('/d/x', '');
    await expect(fs.call('rmdir', { path: '/d' })).rejects.toMatchObject({ code: 'ENOTEMPTY' });
    await fs.call('unlink', { path: '/d/x' });
    await fs.call('rmdir', { path: '/d' });
    await expect(fs.stat('/d')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('unlinks a symlink, not its target', async () => {
    await fs.call('unlink', { path: '/l' });
    await expect(fs.stat('/l')).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await fs.stat('/f')).size).toBe(4);
  });

  describe('in a sticky directory', () => {
    beforeEach(async () => {
      await fs.mkdir('/tmp', 0o1777);
      await fs.writeFile('/tmp/alice', 'a', ALICE);
      await fs.mkdir('/tmp/alicedir', 0o755, ALICE);
    });
    it.each([
      ['the owner', true, ALICE],
      ['root', true, ROOT],
      ['someone else', false, BOB],
    ])('%s may remove an entry: %s', async (_who, allowed, caller) => {
      const unlink = fs.call('unlink', { path: '/tmp/alice' }, caller);
      const rmdir = fs.call('rmdir', { path: '/tmp/alicedir' }, caller);
      if (allowed) {
        await expect(unlink).resolves.toBeUndefined();
        await expect(rmdir).resolves.toBeUndefined();
      } else {
        await expect(unlink).rejects.toMatchObject({ code: 'EPERM' });
        await expect(rmdir).rejects.toMatchObject({ code: 'EPERM' });
      }
    });
    it('the directory owner may remove anything in it', async () => {
      await fs.call('setattr', { path: '/tmp', uid: BOB.uid });
      await expect(fs.call('unlink', { path: '/tmp/alice' }, BOB)).resolves.toBeUndefined();
    });
  });
});

describe('mode bits', () => {
  it('stores type bits from mknod and keeps them through chmod', async () => {
    const attr = await fs.call('setattr', { path: '/d', mode: 0o700 });
    expect(attr.mode & S_IFMT).toBe(S_IFDIR);
    expect(attr.mode & 0o7777).toBe(0o700);
  });
});
