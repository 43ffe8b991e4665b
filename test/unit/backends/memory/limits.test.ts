import { describe, expect, it } from '@jest/globals';
import { DEFAULT_LIMITS } from '../../../../src/backends/memory/budget.js';
import { createFakeClock } from '../../../../src/vfs/fake-clock.js';
import { createMemoryBackend } from '../../../../src/backends/memory/memory-backend.js';
import { harness, O_RDWR } from './harness.js';

const KiB = 1024;
const make = (maxBytes: number, maxInodes = 1000) => {
  const backend = createMemoryBackend({
    clock: createFakeClock(),
    limits: { maxBytes, maxInodes },
  });
  return { backend, fs: harness(backend) };
};

describe('memory backend limits', () => {
  it('defaults to safe limits and reports them in statfs', async () => {
    const fs = harness(createMemoryBackend({ memoryLimit: undefined }));
    const st = await fs.call('statfs', { path: '/' });
    expect(st.blocks * st.bsize).toBe(DEFAULT_LIMITS.maxBytes);
    expect(st.files).toBe(DEFAULT_LIMITS.maxInodes);
    expect(st.ffree).toBe(DEFAULT_LIMITS.maxInodes - 1);
    expect(st.namelen).toBe(255);
  });

  it.each([[{ maxBytes: -1 }], [{ maxInodes: 0 }], [{ maxBytes: Number.NaN }]])(
    'rejects invalid limits %p',
    (limits) => {
      expect(() => createMemoryBackend({ limits })).toThrow(RangeError);
    },
  );

  it('runs out of inodes with ENOSPC and recovers after unlink', async () => {
    const { fs } = make(1024 * KiB, 4);
    await fs.writeFile('/a', '');
    await fs.mkdir('/b');
    await fs.call('symlink', { path: '/c', target: 'a' });
    await expect(fs.mkdir('/d')).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(
      fs.call('create', { path: '/d', flags: O_RDWR, mode: 0o644, umask: 0 }),
    ).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect((await fs.call('statfs', { path: '/' })).ffree).toBe(0);
    expect(await fs.names('/')).toEqual(['a', 'b', 'c']);
    await fs.call('unlink', { path: '/c' });
    await expect(fs.mkdir('/d')).resolves.toMatchObject({ nlink: 2 });
  });

  it('hard links cost no inode', async () => {
    const { fs } = make(1024 * KiB, 2);
    await fs.writeFile('/a', '');
    await expect(fs.call('link', { path: '/a', newPath: '/b' })).resolves.toMatchObject({
      nlink: 2,
    });
  });

  it('writes short, then ENOSPC, when bytes run out; statfs follows', async () => {
    const { fs, backend } = make(256 * KiB);
    const before = await fs.call('statfs', { path: '/' });
    const fh = await fs.create('/big');
    const n = await fs.write('/big', fh, Buffer.alloc(512 * KiB, 1));
    expect(n).toBeGreaterThan(128 * KiB);
    expect(n).toBeLessThan(256 * KiB);
    await expect(fs.write('/big', fh, Buffer.alloc(64 * KiB, 1), n)).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect((await fs.stat('/big')).size).toBe(n);
    const full = await fs.call('statfs', { path: '/' });
    expect(full.bfree).toBeLessThan(before.bfree);
    expect(full.bfree).toBeLessThanOrEqual(1);
    expect(backend.usage().bytes).toBeLessThanOrEqual(256 * KiB);
    await fs.release('/big', fh);
    await fs.call('unlink', { path: '/big' });
    expect((await fs.call('statfs', { path: '/' })).bfree).toBe(before.bfree);
  });

  it('fallocate beyond the free space fails without allocating', async () => {
    const { fs, backend } = make(256 * KiB);
    const fh = await fs.create('/f');
    const used = backend.usage().bytes;
    await expect(
      fs.call('fallocate', { path: '/f', fh, offset: 0, length: 1024 * KiB, mode: 0 }),
    ).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(backend.usage().bytes).toBe(used);
    expect((await fs.stat('/f')).size).toBe(0);
  });

  it('a sparse write far out costs one page', async () => {
    const { fs, backend } = make(256 * KiB);
    const fh = await fs.create('/sparse');
    const used = backend.usage().bytes;
    await fs.write('/sparse', fh, 'x', 8 * 1024 ** 4);
    expect(backend.usage().bytes - used).toBe(4096);
    expect((await fs.stat('/sparse')).size).toBe(8 * 1024 ** 4 + 1);
  });

  it('counts xattrs, symlink targets and names against maxBytes', async () => {
    const { fs, backend } = make(8 * KiB);
    await fs.writeFile('/f', '');
    const base = backend.usage().bytes;
    await fs.call('setxattr', { path: '/f', name: 'user.k', value: Buffer.alloc(1000), flags: 0 });
    expect(backend.usage().bytes - base).toBe(1006);
    await expect(
      fs.call('setxattr', { path: '/f', name: 'user.big', value: Buffer.alloc(8 * KiB), flags: 0 }),
    ).rejects.toMatchObject({ code: 'ENOSPC' });
    await fs.call('removexattr', { path: '/f', name: 'user.k' });
    expect(backend.usage().bytes).toBe(base);
    await expect(
      fs.call('symlink', { path: '/l', target: 'x'.repeat(4095) }),
    ).resolves.toBeDefined();
    await expect(
      fs.call('symlink', { path: '/m', target: 'x'.repeat(4095) }),
    ).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    await fs.call('unlink', { path: '/l' });
    expect(backend.usage().bytes).toBe(base);
  });

  it('a rename that does not fit leaves the source in place', async () => {
    const { fs, backend } = make(4 * KiB);
    await fs.writeFile('/a', '');
    const fill = 4 * KiB - backend.usage().bytes - 64 - 10;
    await fs.call('setxattr', {
      path: '/a',
      name: 'user.fill',
      value: Buffer.alloc(fill - 9),
      flags: 0,
    });
    const longName = `/${'n'.repeat(200)}`;
    await expect(
      fs.call('rename', { path: '/a', newPath: longName, flags: 0 }),
    ).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect(await fs.names('/')).toEqual(['a']);
    await expect(
      fs.call('rename', { path: '/a', newPath: '/b', flags: 0 }),
    ).resolves.toBeUndefined();
  });

  it('charges full paths, so deep trees count', async () => {
    const { fs, backend } = make(1024 * KiB);
    const seg = 'd'.repeat(100);
    await fs.mkdir(`/${seg}`);
    await fs.mkdir(`/${seg}/${seg}`);
    const before = backend.usage().bytes;
    await fs.writeFile(`/${seg}/${seg}/f`, '');
    // 64 overhead + 1 name byte + a 204-byte path key
    expect(backend.usage().bytes - before).toBe(64 + 1 + 204);
  });

  describe('a rename that does not fit puts everything back', () => {
    const long = `/${'L'.repeat(250)}`;
    it.each([
      ['a plain move', 'none', 0],
      ['a move over an empty directory', 'dir', 0],
      ['an exchange with a file', 'file', 2],
    ])('%s', async (_name, existing, flags) => {
      const { fs, backend } = make(8 * KiB);
      await fs.mkdir('/a');
      for (const n of ['1', '2', '3', '4', '5']) await fs.writeFile(`/a/${n}`, '');
      await fs.mkdir(long);
      if (existing === 'dir') await fs.mkdir(`${long}/a`);
      if (existing === 'file') await fs.writeFile(`${long}/a`, '');
      // Leave 1000 bytes: moving /a's five path keys under the long name needs more.
      const free = 8 * KiB - backend.usage().bytes;
      await fs.call('setxattr', {
        path: '/',
        name: 'user.f',
        value: Buffer.alloc(free - 1006),
        flags: 0,
      });
      const before = {
        usage: backend.usage(),
        root: await fs.stat('/'),
        long: await fs.names(long),
      };
      await expect(
        fs.call('rename', { path: '/a', newPath: `${long}/a`, flags }),
      ).rejects.toMatchObject({
        code: 'ENOSPC',
      });
      expect(backend.usage()).toEqual(before.usage);
      expect(await fs.stat('/')).toEqual(before.root);
      expect(await fs.names(long)).toEqual(before.long);
      expect(await fs.names('/a')).toEqual(['1', '2', '3', '4', '5']);
      expect(await fs.stat('/a/3')).toMatchObject({ size: 0, nlink: 1 });
      if (existing === 'dir')
        expect(await fs.stat(`${long}/a`)).toMatchObject({ nlink: 2, mode: 0o040755 });
      if (existing === 'file') expect((await fs.stat(`${long}/a`)).mode).toBe(0o100644);
    });
  });

  it('frees everything when the last handle and link go', async () => {
    const { fs, backend } = make(1024 * KiB);
    const empty = backend.usage();
    await fs.mkdir('/d');
    await fs.writeFile('/d/f', Buffer.alloc(100 * KiB, 1));
    const fh = await fs.open('/d/f');
    await fs.call('unlink', { path: '/d/f' });
    await fs.call('rmdir', { path: '/d' });
    expect(backend.usage().bytes).toBeGreaterThan(empty.bytes);
    await fs.release('/d/f', fh);
    expect(backend.usage()).toEqual(empty);
  });
});
