import { beforeEach, describe, expect, it } from '@jest/globals';
import { createFakeClock } from '../../../../src/vfs/fake-clock.js';
import type { TreeBackend } from '../../../../src/backends/memory/tree-backend.js';
import { createNullBackend } from '../../../../src/backends/null/null-backend.js';
import { harness, O_APPEND, O_RDONLY, O_WRONLY } from '../memory/harness.js';
import type { Harness } from '../memory/harness.js';

const GiB = 1024 ** 3;
let backend: TreeBackend;
let fs: Harness;
beforeEach(async () => {
  backend = createNullBackend({
    clock: createFakeClock(),
    limits: { maxBytes: 1024 * 1024, maxInodes: 100 },
  });
  fs = harness(backend);
  await fs.mkdir('/d');
});

describe('null backend data', () => {
  it('accepts writes, grows the size as if written, and reads zeros', async () => {
    const fh = await fs.create('/d/f');
    expect(await fs.write('/d/f', fh, 'hello', 0)).toBe(5);
    expect(await fs.write('/d/f', fh, 'world', 100)).toBe(5);
    expect((await fs.stat('/d/f')).size).toBe(105);
    const data = await fs.read('/d/f', fh, 200);
    expect(data.length).toBe(105);
    expect(data.every((b) => b === 0)).toBe(true);
  });

  it('holds no data: a gigabyte of writes uses no space', async () => {
    const before = await fs.call('statfs', { path: '/' });
    const fh = await fs.create('/big');
    const chunk = Buffer.alloc(1024 * 1024, 1);
    for (let off = 0; off < GiB; off += 64 * chunk.length) await fs.write('/big', fh, chunk, off);
    await fs.write('/big', fh, chunk, GiB - chunk.length);
    const attr = await fs.stat('/big');
    expect([attr.size, attr.blocks]).toEqual([GiB, 0]);
    const after = await fs.call('statfs', { path: '/' });
    expect(before.bfree - after.bfree).toBeLessThanOrEqual(1); // the new name only
  });

  it.each([
    [
      'O_APPEND writes',
      async (fh: number) => fs.write('/f', fh, 'abc', 0).then(() => fs.write('/f', fh, 'de', 0)),
      5,
    ],
    ['truncate', async () => fs.call('setattr', { path: '/f', size: 1234 }), 1234],
    [
      'fallocate',
      async (fh: number) =>
        fs.call('fallocate', { path: '/f', fh, offset: 10, length: 90, mode: 0 }),
      100,
    ],
  ])('%s set the size', async (_name, act, size) => {
    const fh = await fs.create('/f', O_WRONLY | O_APPEND);
    await act(fh);
    expect((await fs.stat('/f')).size).toBe(size);
  });

  it('reports the whole file as a hole', async () => {
    const fh = await fs.create('/f');
    await fs.write('/f', fh, 'abc', 0);
    await expect(fs.call('lseek', { path: '/f', fh, offset: 0, whence: 3 })).rejects.toMatchObject({
      code: 'ENXIO',
    });
    await expect(fs.call('lseek', { path: '/f', fh, offset: 1, whence: 4 })).resolves.toBe(1);
  });

  it('copy_file_range grows the target like a copy would', async () => {
    await fs.writeFile('/src', 'x'.repeat(1000));
    await fs.writeFile('/dst', '');
    const fh = await fs.open('/src', O_RDONLY);
    const fhOut = await fs.open('/dst', O_WRONLY);
    const args = {
      path: '/src',
      fh,
      offset: 0,
      newPath: '/dst',
      fhOut,
      offsetOut: 50,
      length: 4096,
      flags: 0,
    };
    await expect(fs.call('copyFileRange', args)).resolves.toBe(1000);
    expect((await fs.stat('/dst')).size).toBe(1050);
  });
});

describe('null backend metadata', () => {
  it('keeps the namespace, modes, xattrs and links so tools work', async () => {
    await fs.writeFile('/d/a', 'zzz');
    await fs.call('setattr', { path: '/d/a', mode: 0o600 });
    await fs.call('setxattr', { path: '/d/a', name: 'user.k', value: Buffer.from('v'), flags: 0 });
    await fs.call('link', { path: '/d/a', newPath: '/d/b' });
    await fs.call('rename', { path: '/d', newPath: '/e', flags: 0 });
    expect(await fs.names('/e')).toEqual(['a', 'b']);
    expect(await fs.stat('/e/b')).toMatchObject({ mode: 0o100600, nlink: 2, size: 3 });
    expect((await fs.call('getxattr', { path: '/e/a', name: 'user.k' })).toString()).toBe('v');
  });

  it('enforces the inode limit', async () => {
    const small = harness(createNullBackend({ limits: { maxInodes: 2 } }));
    await small.mkdir('/one');
    await expect(small.mkdir('/two')).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('is named null', () => {
    expect(backend.name).toBe('null');
  });
});
