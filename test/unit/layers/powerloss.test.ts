import { describe, expect, it } from '@jest/globals';
import { compactConfig, fixture, yamlConfig } from './build.js';
import { O_RDWR, createFile, readFile, run, writeAt, writeFile } from './fs-helpers.js';
import type { Stack } from '../../../src/vfs/stack.js';

const fsync = (stack: Stack, path: string, fh: number) =>
  run(stack, 'fsync', { path, fh, datasync: true });

describe('powerloss layer', () => {
  it('drop loses exactly the un-fsynced data: a checker with synced and unsynced files', async () => {
    const { stack } = fixture(compactConfig('powerloss'));
    const expected = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      const path = `/f${i}`;
      const fh = await createFile(stack, path);
      await writeAt(stack, path, fh, `synced-${i};`);
      await fsync(stack, path, fh);
      await writeAt(stack, path, fh, `unsynced-${i}`, `synced-${i};`.length);
      const synced = i % 3 === 0;
      if (synced) await fsync(stack, path, fh);
      expected.set(path, synced ? `synced-${i};unsynced-${i}` : `synced-${i};`);
      await run(stack, 'release', { path, fh, flags: O_RDWR });
    }
    // Before the drop every file reads back everything written.
    await expect(readFile(stack, '/f1')).resolves.toBe('synced-1;unsynced-1');
    expect(
      stack.powerloss[0]!.unsynced()
        .map((u) => u.path)
        .sort(),
    ).toEqual([...expected.keys()].filter((_p, i) => i % 3 !== 0).sort());
    await stack.powerloss[0]!.drop();
    for (const [path, content] of expected)
      await expect(readFile(stack, path)).resolves.toBe(content);
    expect(stack.powerloss[0]!.unsynced()).toEqual([]);
  });

  it('restores overwritten bytes and sizes, newest change first', async () => {
    const { stack } = fixture(compactConfig('powerloss'));
    const fh = await createFile(stack, '/f');
    await writeAt(stack, '/f', fh, 'hello world');
    await fsync(stack, '/f', fh);
    await writeAt(stack, '/f', fh, 'HELLO', 0);
    await run(stack, 'setattr', { path: '/f', fh, size: 3 });
    await writeAt(stack, '/f', fh, '!!!!', 20);
    expect(stack.powerloss[0]!.unsynced()).toEqual([{ path: '/f', bytes: 9, changes: 3 }]);
    await stack.powerloss[0]!.drop();
    await expect(readFile(stack, '/f')).resolves.toBe('hello world');
  });

  it('a never-synced new file comes back empty; renames carry the unsynced state', async () => {
    const { stack } = fixture(compactConfig('powerloss'));
    await writeFile(stack, '/tmp-file', 'data');
    await run(stack, 'rename', { path: '/tmp-file', newPath: '/final', flags: 0 });
    await stack.powerloss[0]!.drop();
    await expect(readFile(stack, '/final')).resolves.toBe('');
  });

  it('tear keeps a seeded prefix of the unsynced writes, the last one cut at a sector boundary', async () => {
    const data = Buffer.concat(Array.from({ length: 8 }, (_v, i) => Buffer.alloc(2048, 65 + i)));
    const tearOnce = async (seed: number): Promise<string> => {
      const { stack } = fixture({ ...compactConfig('powerloss'), seed });
      const fh = await createFile(stack, '/log');
      for (let i = 0; i < 8; i++)
        await writeAt(stack, '/log', fh, data.subarray(i * 2048, (i + 1) * 2048), i * 2048);
      const report = await stack.powerloss[0]!.tear();
      const content = await readFile(stack, '/log');
      const [file] = report.files;
      expect(content.length).toBe(file!.kept * 2048 + file!.tornBytes);
      expect(content.length % 512).toBe(0);
      expect(content).toBe(data.toString().slice(0, content.length));
      return content;
    };
    const lengths = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) lengths.add((await tearOnce(seed)).length);
    expect([...lengths].some((l) => l % 2048 !== 0)).toBe(true);
    expect(lengths.size).toBeGreaterThan(4);
    expect(await tearOnce(3)).toBe(await tearOnce(3));
  });

  it('tearing an overwrite restores the old bytes past the surviving sectors', async () => {
    const { stack } = fixture({ ...compactConfig('powerloss'), seed: 5 });
    const fh = await createFile(stack, '/f');
    await writeAt(stack, '/f', fh, 'a'.repeat(4096));
    await fsync(stack, '/f', fh);
    await writeAt(stack, '/f', fh, 'b'.repeat(4096), 0);
    const { files } = await stack.powerloss[0]!.tear();
    const content = await readFile(stack, '/f');
    const kept = files[0]!.kept * 4096 + files[0]!.tornBytes;
    expect(content).toBe('b'.repeat(kept) + 'a'.repeat(4096 - kept));
  });

  it('bounds the undo data and fails with a clear ENOSPC past maxBytes', async () => {
    const { stack } = fixture(yamlConfig('  - {type: powerloss, maxBytes: 10}'));
    const fh = await createFile(stack, '/f');
    await writeAt(stack, '/f', fh, 'x'.repeat(100));
    await fsync(stack, '/f', fh);
    await writeAt(stack, '/f', fh, 'y'.repeat(10), 0);
    await expect(writeAt(stack, '/f', fh, 'z', 50)).rejects.toMatchObject({
      code: 'ENOSPC',
      message: expect.stringMatching(/maxBytes=10/),
    });
    // The refused write did not happen, and an fsync frees the budget.
    await fsync(stack, '/f', fh);
    await expect(writeAt(stack, '/f', fh, 'z'.repeat(10), 50)).resolves.toBe(10);
  });

  it('undoes hole punches and copy_file_range into a file', async () => {
    const { stack } = fixture(compactConfig('powerloss'));
    const a = await createFile(stack, '/a');
    const b = await createFile(stack, '/b');
    await writeAt(stack, '/a', a, 'abcdefgh');
    await writeAt(stack, '/b', b, '12345678');
    await fsync(stack, '/a', a);
    await fsync(stack, '/b', b);
    const PUNCH_HOLE_KEEP_SIZE = 0x02 | 0x01;
    await run(stack, 'fallocate', {
      path: '/a',
      fh: a,
      offset: 2,
      length: 3,
      mode: PUNCH_HOLE_KEEP_SIZE,
    });
    await run(stack, 'copyFileRange', {
      path: '/a',
      fh: a,
      offset: 0,
      newPath: '/b',
      fhOut: b,
      offsetOut: 6,
      length: 8,
      flags: 0,
    });
    await expect(readFile(stack, '/a')).resolves.toBe('ab\0\0\0fgh');
    await expect(readFile(stack, '/b')).resolves.toBe('123456ab\0\0\0fgh');
    await stack.powerloss[0]!.drop();
    await expect(readFile(stack, '/a')).resolves.toBe('abcdefgh');
    await expect(readFile(stack, '/b')).resolves.toBe('12345678');
  });

  it('journals writes through a write-only handle (old bytes read through its own handle)', async () => {
    const { stack } = fixture(compactConfig('powerloss'));
    await writeFile(stack, '/w', 'original');
    const { fh: rw } = await run(stack, 'open', { path: '/w', flags: O_RDWR });
    await fsync(stack, '/w', rw);
    const { fh } = await run(stack, 'open', { path: '/w', flags: 1 /* O_WRONLY */ });
    await writeAt(stack, '/w', fh, 'CHANGED', 0);
    await expect(readFile(stack, '/w')).resolves.toBe('CHANGEDl');
    await stack.powerloss[0]!.drop();
    await expect(readFile(stack, '/w')).resolves.toBe('original');
  });

  it('needs data', () => {
    expect(fixture(compactConfig('powerloss')).stack.needsData).toBe(true);
  });
});
