import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toAttr } from '../../../src/backends/passthrough/attr.js';
import { makedev, statxAt } from '../../../src/sys/statx.js';

const dir = mkdtempSync(join(tmpdir(), 'fsi-statx-'));
writeFileSync(join(dir, 'file'), Buffer.alloc(12_345, 1));
mkdirSync(join(dir, 'sub'));
symlinkSync('file', join(dir, 'link'));
execFileSync('mkfifo', [join(dir, 'fifo')]);
writeFileSync(join(dir, 'caf\u00e9'), 'named in UTF-8');

const INLINE = { inline: true };
const POOL = { inline: false };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** statxAt against Node's own lstat of the same name: every field the engine encodes. */
async function same(parent: string, name: string, io: { inline: boolean }): Promise<void> {
  const fd = openSync(parent, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const got = await statxAt(io, fd, name);
    expect(got).toEqual(toAttr(lstatSync(join(parent, name), { bigint: true })));
  } finally {
    closeSync(fd);
  }
}

describe('statxAt', () => {
  it.each([
    ['a regular file', 'file'],
    ['a directory', 'sub'],
    ['a symlink, not followed', 'link'],
    ['a fifo', 'fifo'],
    ['a name of non-ASCII bytes', 'caf\u00e9'],
  ])('reports %s as lstat does, inline and on the threadpool', async (_what, name) => {
    await same(dir, name, INLINE);
    await same(dir, name, POOL);
  });

  it('reports a character device with its rdev', async () => {
    await same('/dev', 'null', INLINE);
  });

  it('answers a missing name with ENOENT, and a name below a file with ENOTDIR', async () => {
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await expect(statxAt(INLINE, fd, 'missing')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(statxAt(POOL, fd, 'missing')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(statxAt(INLINE, fd, 'file/x')).rejects.toMatchObject({ code: 'ENOTDIR' });
    } finally {
      closeSync(fd);
    }
  });

  it('encodes device numbers as glibc makedev does', () => {
    expect(makedev(1, 3)).toBe(0x103); // /dev/null
    expect(makedev(8, 1)).toBe(0x801);
    expect(makedev(259, 0x12345)).toBe(0x12345 % 256 + 259 * 256 + Math.floor(0x12345 / 256) * 2 ** 20);
    expect(makedev(0x1000, 0)).toBe(2 ** 44);
  });
});
