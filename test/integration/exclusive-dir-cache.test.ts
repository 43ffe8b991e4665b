import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { shOk } from '../helpers/sh.js';

jest.setTimeout(120_000);

/**
 * `-o exclusive` keeps the server's parent directory fds open by path (ADR 0010, amendment).
 * Through a real mount: the tree is changed by renames (plain, RENAME_EXCHANGE, over an empty
 * directory) and rmdir + mkdir, then files are made, looked at and removed under the old and new
 * paths, and the BACKING directory must hold each file exactly where its path says.
 */
const DIR_CACHE_MAX = 256;

/** The server's fds that point into `src` (its cached directories; handles are closed). */
function heldDirs(pid: number, src: string): string[] {
  const held: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(`${src}/`)) held.push(relative(src, target));
    } catch {
      // closed meanwhile
    }
  }
  return held.sort();
}

/** The backing tree as sorted relative paths (directories end in '/'). */
function tree(dir: string, below = ''): string[] {
  return readdirSync(join(dir, below), { recursive: true, withFileTypes: true })
    .map((d) => {
      const rel = relative(dir, join(d.parentPath, d.name));
      return d.isDirectory() ? `${rel}/` : rel;
    })
    .sort();
}

const py = (mnt: string, body: string): Promise<string> =>
  shOk(`cd "${mnt}" && python3 - <<'EOF'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def touch(p): os.close(os.open(p, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644))
def exchange(a, b):
    if libc.renameat2(-100, a.encode(), -100, b.encode(), 2) != 0:
        raise OSError(ctypes.get_errno(), 'renameat2 RENAME_EXCHANGE')
${body}
EOF`);

describe.each([
  ['-o exclusive', ['-o', 'exclusive'], true],
  ['the default policy', [], false],
])('directories renamed and replaced under %s', (_label, args, cached) => {
  let m: MountHandle;
  let src: string;
  beforeAll(async () => {
    src = tempDir('dircache-src');
    m = await startMount({ source: src, args });
  });
  afterAll(async () => {
    expect(await m?.stop()).toBe(0);
    rmSync(src, { recursive: true, force: true });
  });

  it('keeps parent directories open only under exclusive', async () => {
    await py(m.mountpoint, `os.makedirs('k/s'); touch('k/s/f'); os.stat('k/s/f')`);
    expect(heldDirs(m.pid, src).includes('k/s')).toBe(cached);
  });

  it('a directory renamed away and made again at its path gets the new files', async () => {
    await py(
      m.mountpoint,
      `os.makedirs('a/s'); touch('a/s/f1'); os.stat('a/s/f1')
os.rename('a', 'b')
os.makedirs('a/s'); touch('a/s/f2'); touch('b/s/f3')
os.stat('b/s/f1'); os.stat('a/s/f2'); touch('a/s/gone'); os.unlink('a/s/gone'); os.unlink('b/s/f3')`,
    );
    expect(tree(src, 'a')).toEqual(['a/s/', 'a/s/f2']);
    expect(tree(src, 'b')).toEqual(['b/s/', 'b/s/f1']);
  });

  it('RENAME_EXCHANGE swaps what each path reaches', async () => {
    await py(
      m.mountpoint,
      `os.makedirs('x/in'); os.makedirs('y/in'); touch('x/in/from-x'); touch('y/in/from-y')
exchange('x', 'y')
touch('x/in/after-x'); os.stat('x/in/from-y'); os.unlink('y/in/from-x'); touch('y/in/after-y')`,
    );
    expect(tree(src, 'x')).toEqual(['x/in/', 'x/in/after-x', 'x/in/from-y']);
    expect(tree(src, 'y')).toEqual(['y/in/', 'y/in/after-y']);
  });

  it('a directory renamed over an empty one replaces it, and its old path is new again', async () => {
    await py(
      m.mountpoint,
      `os.makedirs('p/q'); os.makedirs('t/q'); touch('t/q/old'); touch('p/q/moved'); os.unlink('t/q/old')
os.rename('p/q', 't/q')
touch('t/q/new'); os.makedirs('p/q'); touch('p/q/again'); os.stat('t/q/moved')`,
    );
    expect(tree(src, 'p')).toEqual(['p/q/', 'p/q/again']);
    expect(tree(src, 't')).toEqual(['t/q/', 't/q/moved', 't/q/new']);
  });

  it('rmdir and mkdir at the same path reach the new directory', async () => {
    await py(
      m.mountpoint,
      `os.makedirs('d/e/f'); touch('d/e/f/x'); os.unlink('d/e/f/x'); os.rmdir('d/e/f'); os.rmdir('d/e')
os.makedirs('d/e/f'); touch('d/e/f/y'); touch('d/e/z')`,
    );
    expect(tree(src, 'd')).toEqual(['d/e/', 'd/e/f/', 'd/e/f/y', 'd/e/z']);
  });

  it('holds a bounded number of directory fds over 2000 directories', async () => {
    await py(
      m.mountpoint,
      `os.mkdir('many')
for i in range(2000):
    d = 'many/%d/s' % i
    os.makedirs(d); touch(d + '/f'); os.stat(d + '/f')
for i in range(2000):
    os.unlink('many/%d/s/f' % i)`,
    );
    const held = heldDirs(m.pid, src);
    expect(held.length).toBeLessThanOrEqual(cached ? DIR_CACHE_MAX : 0);
    if (cached) expect(held.length).toBeGreaterThan(DIR_CACHE_MAX / 2);
    expect(readdirSync(join(src, 'many/1999/s'))).toEqual([]);
  });

  it('a directory moved behind the mount is seen at its path again within DIR_CACHE_AGE_MS', async () => {
    // Against the contract of -o exclusive (a host process moves it): the cached fd may act in
    // the moved directory for at most a second, never for as long as the entry lives.
    await py(m.mountpoint, `os.mkdir('w'); touch('w/f1')`);
    renameSync(join(src, 'w'), join(src, 'w-moved'));
    mkdirSync(join(src, 'w'));
    await new Promise((r) => setTimeout(r, 1_200));
    await py(m.mountpoint, `touch('w/f2')`);
    expect(tree(src, 'w')).toEqual(['w/f2']);
    expect(tree(src, 'w-moved')).toEqual(['w-moved/f1']);
  });
});
