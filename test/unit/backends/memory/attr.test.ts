import { beforeEach, describe, expect, it } from '@jest/globals';
import { createFakeClock } from '../../../../src/vfs/fake-clock.js';
import type { FakeClock } from '../../../../src/vfs/fake-clock.js';
import { createMemoryBackend } from '../../../../src/backends/memory/memory-backend.js';
import { ALICE, BOB, harness, O_RDWR, ROOT } from './harness.js';
import type { Harness } from './harness.js';

const SEC = 1_000_000_000n;
let fs: Harness;
let clock: FakeClock;
let t0: bigint;
beforeEach(async () => {
  clock = createFakeClock();
  t0 = clock.nowNs();
  fs = harness(createMemoryBackend({ clock, root: { uid: 0, gid: 0, mode: 0o777 } }));
  await fs.mkdir('/d');
  await fs.writeFile('/f', 'hello');
  clock.tick(SEC);
});

describe('setattr', () => {
  it('sets atime and mtime to given nanosecond times and moves ctime to now', async () => {
    const attr = await fs.call('setattr', { path: '/f', atime: 123_456_789_987n, mtime: 42n });
    expect([attr.atimeNs, attr.mtimeNs, attr.ctimeNs]).toEqual([123_456_789_987n, 42n, t0 + SEC]);
  });

  it("sets times to the server's now for 'now'", async () => {
    clock.tick(7n);
    const attr = await fs.call('setattr', { path: '/f', atime: 'now', mtime: 'now' });
    expect([attr.atimeNs, attr.mtimeNs]).toEqual([t0 + SEC + 7n, t0 + SEC + 7n]);
  });

  it('takes an explicit ctime', async () => {
    expect((await fs.call('setattr', { path: '/f', ctime: 99n })).ctimeNs).toBe(99n);
  });

  it('changes only permission bits with mode', async () => {
    const attr = await fs.call('setattr', { path: '/f', mode: 0o170000 | 0o4751 });
    expect(attr.mode).toBe(0o100000 | 0o4751);
  });

  it.each([
    ['setuid and setgid of a group-executable file', 0o6755, 0o0755],
    ['setuid but not setgid without group exec', 0o6745, 0o2745],
    ['nothing else', 0o1777, 0o1777],
  ])('chown clears %s', async (_name, before, after) => {
    await fs.call('setattr', { path: '/f', mode: before });
    const attr = await fs.call('setattr', { path: '/f', uid: 5, gid: 6 });
    expect([attr.uid, attr.gid, attr.mode & 0o7777]).toEqual([5, 6, after]);
  });

  it('chown leaves a directory setgid bit alone', async () => {
    await fs.call('setattr', { path: '/d', mode: 0o2775 });
    expect((await fs.call('setattr', { path: '/d', gid: 9 })).mode & 0o7777).toBe(0o2775);
  });

  it('changes only the fields given', async () => {
    const attr = await fs.call('setattr', { path: '/f', gid: 77 });
    expect([attr.uid, attr.gid]).toEqual([0, 77]);
  });

  it.each([
    ['shrinks', 2, 'he'],
    ['grows with zeros', 7, 'hello\0\0'],
    ['keeps', 5, 'hello'],
  ])('size %s the file and moves mtime', async (_name, size, content) => {
    const attr = await fs.call('setattr', { path: '/f', size });
    expect(attr.size).toBe(size);
    expect(attr.mtimeNs).toBe(t0 + SEC);
    expect((await fs.readFile('/f')).toString('latin1')).toBe(content);
  });

  it.each([
    ['a directory', '/d', 'EISDIR'],
    ['a missing file', '/nope', 'ENOENT'],
  ])('size on %s fails', async (_name, path, code) => {
    await expect(fs.call('setattr', { path, size: 0 })).rejects.toMatchObject({ code });
  });

  it('works through an open handle after the file was unlinked', async () => {
    const fh = await fs.open('/f', O_RDWR);
    await fs.call('unlink', { path: '/f' });
    const attr = await fs.call('setattr', { path: '/f', fh, size: 1 });
    expect(attr.size).toBe(1);
    expect(attr.nlink).toBe(0);
    expect((await fs.call('getattr', { path: '/f', fh })).size).toBe(1);
  });
});

describe('timestamps follow POSIX', () => {
  it('a write moves mtime and ctime, not atime', async () => {
    const before = await fs.stat('/f');
    const fh = await fs.open('/f');
    await fs.write('/f', fh, 'x', 1);
    const after = await fs.stat('/f');
    expect([after.mtimeNs, after.ctimeNs, after.atimeNs]).toEqual([
      t0 + SEC,
      t0 + SEC,
      before.atimeNs,
    ]);
  });

  it('creating and removing entries moves the parent mtime and ctime', async () => {
    await fs.writeFile('/d/x', '');
    let d = await fs.stat('/d');
    expect([d.mtimeNs, d.ctimeNs]).toEqual([t0 + SEC, t0 + SEC]);
    clock.tick(SEC);
    await fs.call('unlink', { path: '/d/x' });
    d = await fs.stat('/d');
    expect([d.mtimeNs, d.ctimeNs]).toEqual([t0 + 2n * SEC, t0 + 2n * SEC]);
  });

  it('link and unlink move the ctime of the file itself', async () => {
    await fs.call('link', { path: '/f', newPath: '/d/f' });
    const f = await fs.stat('/f');
    expect([f.ctimeNs, f.mtimeNs]).toEqual([t0 + SEC, t0]);
  });

  it('a read updates atime only when it is older than mtime (relatime)', async () => {
    await fs.call('setattr', { path: '/f', atime: t0 - SEC, mtime: t0 });
    await fs.readFile('/f');
    expect((await fs.stat('/f')).atimeNs).toBe(t0 + SEC);
    // atime == ctime still counts as stale (as in Linux's relatime_need_update); then it is fresh.
    clock.tick(SEC);
    await fs.readFile('/f');
    expect((await fs.stat('/f')).atimeNs).toBe(t0 + 2n * SEC);
    clock.tick(SEC);
    await fs.readFile('/f');
    expect((await fs.stat('/f')).atimeNs).toBe(t0 + 2n * SEC);
  });

  it('xattr changes move ctime only', async () => {
    await fs.call('setxattr', { path: '/f', name: 'user.k', value: Buffer.from('v'), flags: 0 });
    const f = await fs.stat('/f');
    expect([f.ctimeNs, f.mtimeNs]).toEqual([t0 + SEC, t0]);
  });
});

describe('access', () => {
  beforeEach(async () => {
    await fs.writeFile('/alice', '', ALICE);
    await fs.call('setattr', { path: '/alice', mode: 0o640, gid: BOB.gid });
  });
  it.each([
    ['F_OK for anyone', BOB, 0, 'OK'],
    ['owner read+write', ALICE, 6, 'OK'],
    ['owner exec', ALICE, 1, 'EACCES'],
    ['group read', BOB, 4, 'OK'],
    ['group write', BOB, 2, 'EACCES'],
    ['other read', { pid: 1, uid: 3000, gid: 3000 }, 4, 'EACCES'],
    ['root read+write', ROOT, 6, 'OK'],
    ['root exec without any x bit', ROOT, 1, 'EACCES'],
  ])('%s -> %s', async (_name, caller, mask, want) => {
    const result = fs.call('access', { path: '/alice', mask }, caller);
    if (want === 'OK') await expect(result).resolves.toBeUndefined();
    else await expect(result).rejects.toMatchObject({ code: want });
  });

  it('answers ENOENT for a missing path', async () => {
    await expect(fs.call('access', { path: '/nope', mask: 0 })).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('getattr', () => {
  it('describes files, dirs and the root', async () => {
    const [root, d, f] = await Promise.all(['/', '/d', '/f'].map(fs.stat));
    expect(root!.mode).toBe(0o040777);
    expect(d).toMatchObject({ mode: 0o040755, nlink: 2, uid: 0, gid: 0, blksize: 4096 });
    expect(f).toMatchObject({ mode: 0o100644, nlink: 1, size: 5, blocks: 8 });
  });

  it('defaults the root to 01777 owned by this process', async () => {
    const plain = harness(createMemoryBackend());
    const root = await plain.stat('/');
    expect(root.mode).toBe(0o041777);
    expect(root.uid).toBe(process.getuid!());
  });
});
