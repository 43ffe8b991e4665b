import { beforeEach, describe, expect, it } from '@jest/globals';
import { createFakeClock } from '../../../../src/vfs/fake-clock.js';
import { createMemoryBackend } from '../../../../src/backends/memory/memory-backend.js';
import type { TreeBackend } from '../../../../src/backends/memory/tree-backend.js';
import {
  ALICE,
  harness,
  O_APPEND,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
} from './harness.js';
import type { Harness } from './harness.js';

let backend: TreeBackend;
let fs: Harness;
beforeEach(async () => {
  backend = createMemoryBackend({
    clock: createFakeClock(),
    root: { uid: 0, gid: 0, mode: 0o777 },
  });
  fs = harness(backend);
  await fs.mkdir('/d');
  await fs.writeFile('/f', 'hello world');
  await fs.call('symlink', { path: '/l', target: 'f' });
});

describe('open and create', () => {
  it.each([
    ['a directory for writing', '/d', O_WRONLY, 'EISDIR'],
    ['a symlink', '/l', O_RDONLY, 'ELOOP'],
    ['a missing file', '/nope', O_RDONLY, 'ENOENT'],
    ['below a file', '/f/x', O_RDONLY, 'ENOTDIR'],
  ])('open of %s fails', async (_name, path, flags, code) => {
    await expect(fs.open(path, flags)).rejects.toMatchObject({ code });
  });

  it('opens a directory read-only', async () => {
    await expect(fs.open('/d', O_RDONLY)).resolves.toBeGreaterThan(0);
  });

  it('O_TRUNC empties the file when opened for writing', async () => {
    await fs.release('/f', await fs.open('/f', O_WRONLY | O_TRUNC));
    expect((await fs.stat('/f')).size).toBe(0);
  });

  it('O_TRUNC is ignored for a read-only open', async () => {
    await fs.open('/f', O_RDONLY | O_TRUNC);
    expect((await fs.stat('/f')).size).toBe(11);
  });

  it.each([
    ['O_EXCL on an existing file', '/f', O_RDWR | O_EXCL, 'EEXIST'],
    ['on a directory', '/d', O_RDONLY, 'EISDIR'],
    ['in a missing directory', '/nope/x', O_RDWR, 'ENOENT'],
  ])('create %s fails', async (_name, path, flags, code) => {
    await expect(fs.call('create', { path, flags, mode: 0o644, umask: 0 })).rejects.toMatchObject({
      code,
    });
  });

  it('create without O_EXCL opens (and may truncate) an existing file', async () => {
    const result = await fs.call('create', {
      path: '/f',
      flags: O_RDWR | O_TRUNC,
      mode: 0o600,
      umask: 0,
    });
    expect(result.attr).toMatchObject({ size: 0, mode: 0o100644 });
  });

  it('create applies the umask and owns the file as the caller', async () => {
    const { attr } = await fs.call(
      'create',
      { path: '/d/new', flags: O_RDWR, mode: 0o666, umask: 0o027 },
      ALICE,
    );
    expect(attr).toMatchObject({ mode: 0o100640, uid: ALICE.uid, gid: ALICE.gid, size: 0 });
  });
});

describe('read and write', () => {
  it.each([
    ['read on a write-only handle', 'read', O_WRONLY],
    ['write on a read-only handle', 'write', O_RDONLY],
  ] as const)('%s is EBADF', async (_name, op, flags) => {
    const fh = await fs.open('/f', flags);
    const args = { path: '/f', fh, buffer: Buffer.alloc(1), offset: 0, flags };
    await expect(fs.call(op, args)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('answers EBADF for an unknown handle', async () => {
    await expect(fs.read('/f', 999, 1)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('O_APPEND writes at the end whatever the offset', async () => {
    const fh = await fs.open('/f', O_WRONLY | O_APPEND);
    await fs.write('/f', fh, '!', 0);
    await fs.write('/f', fh, '?', 3);
    expect((await fs.readFile('/f')).toString()).toBe('hello world!?');
  });

  it('O_APPEND set later (fcntl F_SETFL, carried in the write flags) appends too', async () => {
    const fh = await fs.open('/f', O_WRONLY);
    await fs.call('write', {
      path: '/f',
      fh,
      buffer: Buffer.from('!'),
      offset: 0,
      flags: O_WRONLY | O_APPEND,
    });
    expect((await fs.readFile('/f')).toString()).toBe('hello world!');
  });

  it('writes past the end leave a hole of zeros', async () => {
    const fh = await fs.open('/f');
    await fs.write('/f', fh, 'X', 20);
    expect((await fs.readFile('/f')).toString('latin1')).toBe(`hello world${'\0'.repeat(9)}X`);
  });

  it('a write by a non-root caller clears setuid', async () => {
    await fs.call('setattr', { path: '/f', mode: 0o4777 });
    const fh = await fs.open('/f', O_RDWR, ALICE);
    await fs.write('/f', fh, 'x', { offset: 0, caller: ALICE });
    expect((await fs.stat('/f')).mode & 0o7777).toBe(0o0777);
  });

  it('follows the handle, not the path, after a rename', async () => {
    const fh = await fs.open('/f');
    await fs.call('rename', { path: '/f', newPath: '/d/g', flags: 0 });
    await fs.write('/f', fh, 'J', 0);
    expect((await fs.readFile('/d/g')).toString()).toBe('Jello world');
  });
});

describe('unlink while open', () => {
  it('keeps the data until the last handle is released', async () => {
    const a = await fs.open('/f');
    const b = await fs.open('/f', O_RDONLY);
    await fs.call('unlink', { path: '/f' });
    await expect(fs.stat('/f')).rejects.toMatchObject({ code: 'ENOENT' });
    await fs.write('/f', a, 'J', 0);
    await fs.release('/f', a);
    expect((await fs.read('/f', b, 100)).toString()).toBe('Jello world');
    const used = backend.usage();
    await fs.release('/f', b);
    const after = backend.usage();
    expect(after.inodes).toBe(used.inodes - 1);
    expect(after.bytes).toBeLessThan(used.bytes);
  });

  it('a new file at the same path is a different inode', async () => {
    const fh = await fs.open('/f');
    const old = await fs.call('getattr', { path: '/f', fh });
    await fs.call('unlink', { path: '/f' });
    await fs.writeFile('/f', 'new');
    expect((await fs.stat('/f')).ino).not.toBe(old.ino);
    expect((await fs.read('/f', fh, 100)).toString()).toBe('hello world');
  });
});

describe('fallocate', () => {
  const KEEP_SIZE = 1;
  const PUNCH_HOLE = 2;
  const COLLAPSE = 8;
  const ZERO_RANGE = 0x10;
  const falloc = async (offset: number, length: number, mode: number) => {
    const fh = await fs.open('/f');
    await fs.call('fallocate', { path: '/f', fh, offset, length, mode });
    return fs.stat('/f');
  };

  it('mode 0 extends the size and allocates', async () => {
    const attr = await falloc(0, 100_000, 0);
    expect(attr.size).toBe(100_000);
    expect(attr.blocks * 512).toBeGreaterThanOrEqual(100_000);
  });

  it('KEEP_SIZE allocates without changing the size', async () => {
    const attr = await falloc(0, 100_000, KEEP_SIZE);
    expect(attr.size).toBe(11);
    expect(attr.blocks * 512).toBeGreaterThanOrEqual(100_000);
  });

  it('PUNCH_HOLE|KEEP_SIZE zeroes a range and keeps the size', async () => {
    const attr = await falloc(2, 3, PUNCH_HOLE | KEEP_SIZE);
    expect(attr.size).toBe(11);
    expect((await fs.readFile('/f')).toString('latin1')).toBe('he\0\0\0 world');
  });

  it('ZERO_RANGE zeroes and may extend', async () => {
    const attr = await falloc(6, 10, ZERO_RANGE);
    expect(attr.size).toBe(16);
    expect((await fs.readFile('/f')).toString('latin1')).toBe(`hello ${'\0'.repeat(10)}`);
  });

  it.each([
    ['PUNCH_HOLE without KEEP_SIZE', 0, 1, PUNCH_HOLE, 'EOPNOTSUPP'],
    ['COLLAPSE_RANGE', 0, 1, COLLAPSE, 'EOPNOTSUPP'],
    ['PUNCH_HOLE|ZERO_RANGE', 0, 1, PUNCH_HOLE | ZERO_RANGE | KEEP_SIZE, 'EINVAL'],
    ['a zero length', 0, 0, 0, 'EINVAL'],
    ['a negative offset', -1, 1, 0, 'EINVAL'],
  ])('%s fails', async (_name, ...rest) => {
    const [offset, length, mode, code] = rest;
    await expect(falloc(offset, length, mode)).rejects.toMatchObject({ code });
  });
});

describe('lseek SEEK_DATA / SEEK_HOLE', () => {
  const SEEK_DATA = 3;
  const SEEK_HOLE = 4;
  const MiB = 1024 * 1024;
  let fh: number;
  beforeEach(async () => {
    fh = await fs.create('/sparse');
    await fs.write('/sparse', fh, Buffer.alloc(4096, 1), MiB);
    await fs.call('setattr', { path: '/sparse', size: 4 * MiB });
  });
  it.each([
    [SEEK_DATA, 0, MiB],
    [SEEK_DATA, MiB + 10, MiB + 10],
    [SEEK_HOLE, 0, 0],
    [SEEK_HOLE, MiB, MiB + 4096],
    [SEEK_HOLE, 3 * MiB, 3 * MiB],
  ])('whence %d from %d -> %d', async (whence, offset, want) => {
    await expect(fs.call('lseek', { path: '/sparse', fh, offset, whence })).resolves.toBe(want);
  });
  it.each([
    ['SEEK_DATA in the trailing hole', SEEK_DATA, 2 * MiB, 'ENXIO'],
    ['SEEK_HOLE at EOF', SEEK_HOLE, 4 * MiB, 'ENXIO'],
    ['SEEK_SET (the kernel does it)', 0, 0, 'EINVAL'],
  ])('%s fails', async (_name, whence, offset, code) => {
    await expect(fs.call('lseek', { path: '/sparse', fh, offset, whence })).rejects.toMatchObject({
      code,
    });
  });
});

describe('copyFileRange', () => {
  const copy = async (
    from: string,
    to: string,
    o: { offset?: number; offsetOut?: number; length: number },
  ) => {
    const fh = await fs.open(from, O_RDONLY);
    const fhOut = await fs.open(to, O_WRONLY);
    return fs.call('copyFileRange', {
      path: from,
      fh,
      offset: o.offset ?? 0,
      newPath: to,
      fhOut,
      offsetOut: o.offsetOut ?? 0,
      length: o.length,
      flags: 0,
    });
  };

  it('copies a range and reports the bytes copied (clipped at EOF)', async () => {
    await fs.writeFile('/g', '');
    await expect(copy('/f', '/g', { offset: 6, offsetOut: 2, length: 100 })).resolves.toBe(5);
    expect((await fs.readFile('/g')).toString('latin1')).toBe('\0\0world');
  });

  it('keeps holes sparse when copying past the end of the target', async () => {
    const fh = await fs.create('/big');
    await fs.write('/big', fh, 'end', 10 * 1024 * 1024);
    await fs.writeFile('/copy', '');
    await expect(copy('/big', '/copy', { length: 20 * 1024 * 1024 })).resolves.toBe(
      10 * 1024 * 1024 + 3,
    );
    const attr = await fs.stat('/copy');
    expect(attr.size).toBe(10 * 1024 * 1024 + 3);
    expect(attr.blocks).toBeLessThanOrEqual(8);
  });

  it('refuses an overlapping copy within one file', async () => {
    await expect(copy('/f', '/f', { offset: 0, offsetOut: 2, length: 5 })).rejects.toMatchObject({
      code: 'EINVAL',
    });
  });
});
