import { beforeEach, describe, expect, it } from '@jest/globals';
import { createFakeClock } from '../../../../src/vfs/fake-clock.js';
import { createMemoryBackend } from '../../../../src/backends/memory/memory-backend.js';
import { harness } from './harness.js';
import type { Harness } from './harness.js';

let fs: Harness;
beforeEach(async () => {
  fs = harness(
    createMemoryBackend({ clock: createFakeClock(), root: { uid: 0, gid: 0, mode: 0o777 } }),
  );
  await fs.mkdir('/d');
  await fs.writeFile('/d/b', 'bb');
  await fs.mkdir('/d/a');
  await fs.call('symlink', { path: '/d/c', target: 'b' });
});

describe('directories', () => {
  it('lists entries in creation order with type, inode and attributes', async () => {
    const fh = (await fs.call('opendir', { path: '/d', flags: 0 })).fh;
    const entries = await fs.call('readdir', { path: '/d', fh });
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['b', 0o100000],
      ['a', 0o040000],
      ['c', 0o120000],
    ]);
    for (const e of entries) expect(e.attr).toEqual(await fs.stat(`/d/${e.name}`));
    expect(entries.every((e) => e.ino === e.attr?.ino)).toBe(true);
  });

  it('reports size as tmpfs does (20 bytes per entry plus . and ..)', async () => {
    expect((await fs.stat('/d')).size).toBe(5 * 20);
  });

  it('an open directory that is removed lists nothing', async () => {
    await fs.mkdir('/gone');
    const fh = (await fs.call('opendir', { path: '/gone', flags: 0 })).fh;
    await fs.call('rmdir', { path: '/gone' });
    await expect(fs.call('readdir', { path: '/gone', fh })).resolves.toEqual([]);
    await fs.call('releasedir', { path: '/gone', fh });
  });

  it.each([
    ['opendir on a file', () => fs.call('opendir', { path: '/d/b', flags: 0 }), 'ENOTDIR'],
    ['opendir on a missing dir', () => fs.call('opendir', { path: '/nope', flags: 0 }), 'ENOENT'],
    ['opendir through a symlink', () => fs.call('opendir', { path: '/d/c/x', flags: 0 }), 'ELOOP'],
    ['readdir of an unknown handle', () => fs.call('readdir', { path: '/d', fh: 12345 }), 'EBADF'],
    [
      'fsyncdir of an unknown handle',
      () => fs.call('fsyncdir', { path: '/d', fh: 12345, datasync: false }),
      'EBADF',
    ],
  ])('%s fails', async (_name, op, code) => {
    await expect(op()).rejects.toMatchObject({ code });
  });

  it('ignores the release of an unknown handle (a re-sent release must be harmless)', async () => {
    await expect(fs.call('releasedir', { path: '/d', fh: 12345 })).resolves.toBeUndefined();
    await expect(fs.call('release', { path: '/d', fh: 12345, flags: 0 })).resolves.toBeUndefined();
  });

  it('sees entries added after opendir (the listing is read at readdir time)', async () => {
    const fh = (await fs.call('opendir', { path: '/d', flags: 0 })).fh;
    await fs.writeFile('/d/late', '');
    expect((await fs.call('readdir', { path: '/d', fh })).map((e) => e.name)).toContain('late');
  });
});
