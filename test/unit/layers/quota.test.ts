import { describe, expect, it } from '@jest/globals';
import { compactConfig, fixture, yamlConfig } from './build.js';
import { createFile, run, writeAt, writeFile } from './fs-helpers.js';

describe('quota layer', () => {
  it('starts from the backend usage and fails a write that cannot fit with ENOSPC', async () => {
    const { backend } = fixture(compactConfig(''));
    const plain = fixture(compactConfig(''), {}, backend).stack;
    await writeFile(plain, '/old', 'x'.repeat(600));
    const { stack } = fixture(compactConfig('quota=1000'), {}, backend);
    const fh = await createFile(stack, '/new');
    await expect(writeAt(stack, '/new', fh, Buffer.alloc(300))).resolves.toBe(300);
    // 100 bytes left: a 300-byte write is cut short, as on a full disk.
    await expect(writeAt(stack, '/new', fh, Buffer.alloc(300), 300)).resolves.toBe(100);
    await expect(writeAt(stack, '/new', fh, Buffer.alloc(1), 400)).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    // Overwriting in place needs no new space.
    await expect(writeAt(stack, '/new', fh, Buffer.alloc(50), 0)).resolves.toBe(50);
  });

  it('frees space on unlink and truncate', async () => {
    const { stack } = fixture(yamlConfig('  - {type: quota, maxBytes: 1000, errno: EDQUOT}'));
    const fh = await createFile(stack, '/a');
    await writeAt(stack, '/a', fh, Buffer.alloc(1000));
    await expect(writeAt(stack, '/a', fh, Buffer.alloc(1), 1000)).rejects.toMatchObject({
      code: 'EDQUOT',
    });
    await run(stack, 'setattr', { path: '/a', fh, size: 400 });
    await expect(writeAt(stack, '/a', fh, Buffer.alloc(600), 400)).resolves.toBe(600);
    await run(stack, 'release', { path: '/a', fh, flags: 2 });
    await run(stack, 'unlink', { path: '/a' });
    const b = await createFile(stack, '/b');
    await expect(writeAt(stack, '/b', b, Buffer.alloc(1000))).resolves.toBe(1000);
    await expect(run(stack, 'setattr', { path: '/b', fh: b, size: 1001 })).rejects.toMatchObject({
      code: 'EDQUOT',
    });
  });

  it('counts inodes: files, directories, symlinks', async () => {
    const { backend } = fixture(compactConfig(''));
    const plain = fixture(compactConfig(''), {}, backend).stack;
    await run(plain, 'mkdir', { path: '/d', mode: 0o755, umask: 0 });
    const { stack } = fixture(yamlConfig('  - {type: quota, maxInodes: 3}'), {}, backend);
    await createFile(stack, '/d/f');
    await run(stack, 'symlink', { path: '/l', target: '/d/f' });
    await expect(run(stack, 'mkdir', { path: '/e', mode: 0o755, umask: 0 })).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    await run(stack, 'unlink', { path: '/l' });
    await expect(run(stack, 'mkdir', { path: '/e', mode: 0o755, umask: 0 })).resolves.toMatchObject(
      { nlink: 2 },
    );
  });
});

describe('quota layer, replacing objects', () => {
  it('a rename over an existing file frees the replaced file', async () => {
    const { stack } = fixture(yamlConfig('  - {type: quota, maxBytes: 1000, maxInodes: 2}'));
    await writeFile(stack, '/a', 'x'.repeat(600));
    await writeFile(stack, '/b', 'y'.repeat(400));
    await expect(createFile(stack, '/c')).rejects.toMatchObject({ code: 'ENOSPC' });
    await run(stack, 'rename', { path: '/b', newPath: '/a', flags: 0 });
    const fh = await createFile(stack, '/c');
    await expect(writeAt(stack, '/c', fh, Buffer.alloc(700))).resolves.toBe(600);
  });
});

describe('quota layer and kernel passthrough', () => {
  it('a CREATE of a name that exists opens it: no new inode, and O_TRUNC frees its bytes', async () => {
    const { stack } = fixture(yamlConfig('  - {type: quota, maxBytes: 1000, maxInodes: 2}'));
    await writeFile(stack, '/a', 'x'.repeat(600));
    // O_CREAT | O_TRUNC | O_WRONLY, as the kernel sends it for a name it had not looked up.
    const { fh } = await run(stack, 'create', { path: '/a', flags: 0o1101, mode: 0o644, umask: 0 });
    await expect(writeAt(stack, '/a', fh, Buffer.alloc(1000))).resolves.toBe(1000);
    await run(stack, 'release', { path: '/a', fh, flags: 1 });
    await expect(createFile(stack, '/b')).resolves.toBeDefined();
  });

  it('needs data only with a byte budget (passthrough writes would bypass it)', () => {
    expect(fixture(compactConfig('quota=1GB')).stack.needsData).toBe(true);
    expect(fixture(yamlConfig('  - {type: quota, maxInodes: 10}')).stack.needsData).toBe(false);
  });
});

describe('quota layer under concurrency', () => {
  it('concurrent writes to different files cannot overshoot the budget together', async () => {
    const { stack } = fixture(yamlConfig('  - {type: quota, maxBytes: 1000}'));
    const a = await createFile(stack, '/a');
    const b = await createFile(stack, '/b');
    const [na, nb] = await Promise.all([
      writeAt(stack, '/a', a, Buffer.alloc(600)),
      writeAt(stack, '/b', b, Buffer.alloc(600)),
    ]);
    expect(na + nb).toBe(1000);
    await expect(writeAt(stack, '/a', a, Buffer.alloc(1), 600)).rejects.toMatchObject({
      code: 'ENOSPC',
    });
  });

  it('concurrent appends to one file are measured one after the other', async () => {
    const { stack } = fixture(yamlConfig('  - {type: quota, maxBytes: 1000}'));
    const a = await createFile(stack, '/a');
    const sizes = await Promise.all(
      [0, 300, 600].map((off) => writeAt(stack, '/a', a, Buffer.alloc(300), off)),
    );
    expect(sizes).toEqual([300, 300, 300]);
    await expect(writeAt(stack, '/a', a, Buffer.alloc(200), 900)).resolves.toBe(100);
  });
});
