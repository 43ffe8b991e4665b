import { beforeEach, describe, expect, it } from '@jest/globals';
import { createFakeClock } from '../../../../src/vfs/fake-clock.js';
import type { FakeClock } from '../../../../src/vfs/fake-clock.js';
import { createMemoryBackend } from '../../../../src/backends/memory/memory-backend.js';
import { ALICE, BOB, harness } from './harness.js';
import type { Harness } from './harness.js';

const NOREPLACE = 1;
const EXCHANGE = 2;
const WHITEOUT = 4;

let fs: Harness;
let clock: FakeClock;
beforeEach(async () => {
  clock = createFakeClock();
  fs = harness(createMemoryBackend({ clock, root: { uid: 0, gid: 0, mode: 0o777 } }));
  await fs.mkdir('/a');
  await fs.mkdir('/a/sub');
  await fs.writeFile('/a/sub/deep', 'deep');
  await fs.mkdir('/empty');
  await fs.mkdir('/full');
  await fs.writeFile('/full/x', 'x');
  await fs.writeFile('/f', 'f');
  await fs.writeFile('/g', 'g');
});

const rename = (path: string, newPath: string, flags = 0) =>
  fs.call('rename', { path, newPath, flags });

describe('rename errors', () => {
  it.each([
    ['missing source', '/nope', '/x', 0, 'ENOENT'],
    ['into a missing dir', '/f', '/nope/x', 0, 'ENOENT'],
    ['under a file', '/f', '/g/x', 0, 'ENOTDIR'],
    ['a dir into itself', '/a', '/a/sub/a', 0, 'EINVAL'],
    ['a dir onto a file', '/a', '/f', 0, 'ENOTDIR'],
    ['a file onto a dir', '/f', '/empty', 0, 'EISDIR'],
    ['a dir onto a non-empty dir', '/a', '/full', 0, 'ENOTEMPTY'],
    ['NOREPLACE onto a file', '/f', '/g', NOREPLACE, 'EEXIST'],
    ['EXCHANGE with nothing', '/f', '/none', EXCHANGE, 'ENOENT'],
    ['EXCHANGE a dir with its child', '/a/sub', '/a', EXCHANGE, 'EINVAL'],
    ['NOREPLACE|EXCHANGE', '/f', '/g', NOREPLACE | EXCHANGE, 'EINVAL'],
    ['WHITEOUT', '/f', '/h', WHITEOUT, 'EINVAL'],
    ['an unknown flag', '/f', '/h', 8, 'EINVAL'],
    ['the root', '/', '/x', 0, 'EBUSY'],
  ])('%s fails', async (_name, ...rest) => {
    const [from, to, flags, code] = rest;
    const before = await fs.names('/');
    await expect(rename(from, to, flags)).rejects.toMatchObject({ code });
    expect(await fs.names('/')).toEqual(before);
  });
});

describe('rename', () => {
  it('moves a file and keeps its inode', async () => {
    const { ino } = await fs.stat('/f');
    await rename('/f', '/a/moved');
    expect((await fs.stat('/a/moved')).ino).toBe(ino);
    await expect(fs.stat('/f')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('replaces a file atomically and frees the old one', async () => {
    await rename('/f', '/g');
    expect((await fs.readFile('/g')).toString()).toBe('f');
    expect(await fs.names('/')).not.toContain('f');
  });

  it('replaces an empty directory and fixes the link counts', async () => {
    await rename('/a/sub', '/empty');
    expect((await fs.readFile('/empty/deep')).toString()).toBe('deep');
    expect((await fs.stat('/a')).nlink).toBe(2);
    expect((await fs.stat('/')).nlink).toBe(2 + 3); // a, empty, full
  });

  it('moves a whole subtree: every path below follows', async () => {
    await rename('/a', '/full/a2');
    expect((await fs.readFile('/full/a2/sub/deep')).toString()).toBe('deep');
    await expect(fs.stat('/a/sub/deep')).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await fs.stat('/full')).nlink).toBe(3);
    // And the moved directory can be used under its new name.
    await fs.writeFile('/full/a2/sub/new', 'n');
    expect(await fs.names('/full/a2/sub')).toEqual(['deep', 'new']);
  });

  it('does nothing between two links to one inode', async () => {
    await fs.call('link', { path: '/f', newPath: '/f2' });
    await rename('/f', '/f2');
    expect((await fs.stat('/f')).nlink).toBe(2);
    expect((await fs.stat('/f2')).nlink).toBe(2);
  });

  it('renames to the same path as a no-op', async () => {
    await rename('/f', '/f');
    expect((await fs.readFile('/f')).toString()).toBe('f');
  });

  it('NOREPLACE moves onto a free name', async () => {
    await rename('/f', '/h', NOREPLACE);
    expect((await fs.readFile('/h')).toString()).toBe('f');
  });

  it('EXCHANGE swaps a file and a directory, subtrees included', async () => {
    const fIno = (await fs.stat('/f')).ino;
    await rename('/f', '/a', EXCHANGE);
    expect((await fs.stat('/a')).ino).toBe(fIno);
    expect((await fs.readFile('/f/sub/deep')).toString()).toBe('deep');
    await expect(fs.stat('/a/sub')).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('EXCHANGE of directories in different parents keeps link counts', async () => {
    await rename('/a/sub', '/empty', EXCHANGE);
    expect((await fs.readFile('/empty/deep')).toString()).toBe('deep');
    expect(await fs.names('/a/sub')).toEqual([]);
    expect((await fs.stat('/a')).nlink).toBe(3);
    expect((await fs.stat('/')).nlink).toBe(2 + 3);
  });

  it('updates ctime of the node and mtime/ctime of both parents', async () => {
    clock.tick(5_000n);
    const t = clock.nowNs();
    await rename('/a/sub/deep', '/full/deep');
    const [node, from, to] = await Promise.all(['/full/deep', '/a/sub', '/full'].map(fs.stat));
    expect(node!.ctimeNs).toBe(t);
    expect(node!.mtimeNs).toBeLessThan(t);
    expect([from!.mtimeNs, from!.ctimeNs, to!.mtimeNs, to!.ctimeNs]).toEqual([t, t, t, t]);
  });

  describe('in a sticky directory', () => {
    beforeEach(async () => {
      await fs.mkdir('/tmp', 0o1777);
      await fs.writeFile('/tmp/alice', 'a', ALICE);
      await fs.writeFile('/tmp/bob', 'b', BOB);
    });
    it('refuses to move or replace what the caller does not own', async () => {
      await expect(
        fs.call('rename', { path: '/tmp/alice', newPath: '/tmp/x', flags: 0 }, BOB),
      ).rejects.toMatchObject({
        code: 'EPERM',
      });
      await expect(
        fs.call('rename', { path: '/tmp/bob', newPath: '/tmp/alice', flags: 0 }, BOB),
      ).rejects.toMatchObject({
        code: 'EPERM',
      });
      await fs.call('rename', { path: '/tmp/bob', newPath: '/tmp/bob2', flags: 0 }, BOB);
      expect(await fs.names('/tmp')).toEqual(['alice', 'bob2']);
    });
  });
});
