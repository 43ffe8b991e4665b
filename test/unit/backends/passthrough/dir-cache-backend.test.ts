import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPassthroughBackend } from '../../../../src/backends/passthrough/backend.js';
import type { PassthroughBackend } from '../../../../src/backends/passthrough/backend.js';
import { RENAME_EXCHANGE, RENAME_NOREPLACE } from '../../../../src/sys/constants.js';
import { encodeName } from '../../../../src/vfs/names.js';
import { createStack } from '../../../../src/vfs/stack.js';
import type { Caller, FsOp, OpArgsMap, OpResultMap } from '../../../../src/vfs/types.js';

const ROOT: Caller = { pid: 1, uid: 0, gid: 0 };
const O_RDWR = 2;
/**
 * The fds this process holds on `dir` or below it: the backend's own, whatever else the test
 * worker opens or closes meanwhile (a previous test file's socket closing late moved a count of
 * every fd by one).
 */
const openFdCount = (dir: string): number =>
  fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      return target === dir || target.startsWith(`${dir}/`);
    } catch {
      return false; // closed meanwhile (readdirSync's own fd)
    }
  }).length;

/**
 * The passthrough backend with `cacheDirs` (what `-o exclusive` turns on): parent directories
 * stay open by path, and every rename and rmdir through the backend drops the paths it changes.
 * Each case checks where the files land in the backing directory after the tree changed.
 */
describe.each([
  ['metadata calls inline', true],
  ['metadata calls on the threadpool', false],
])('passthrough directory cache (%s)', (_label, inlineMeta) => {
  let dir: string;
  let backend: PassthroughBackend;
  let before: number;
  const make = (o: { cacheDirs?: boolean; dirCacheMax?: number } = { cacheDirs: true }) => {
    backend = createPassthroughBackend({ root: dir, inlineMeta, ...o });
    return backend;
  };
  const run = <O extends FsOp>(op: O, args: OpArgsMap[O]): Promise<OpResultMap[O]> =>
    createStack([], backend).run({
      op,
      path: args.path,
      args,
      caller: ROOT,
      signal: new AbortController().signal,
    });
  const create = async (p: string): Promise<void> => {
    const { fh } = await run('create', { path: p, flags: O_RDWR, mode: 0o644, umask: 0 });
    await run('release', { path: p, fh, flags: O_RDWR });
  };
  const mkdir = (p: string) => run('mkdir', { path: p, mode: 0o755, umask: 0 });
  const rename = (from: string, to: string, flags = 0) =>
    run('rename', { path: from, newPath: to, flags });
  /** The backing tree as sorted relative paths (directories end in '/'). */
  const tree = (): string[] =>
    (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
      .map((d) => {
        const rel = path.relative(dir, path.join(d.parentPath, d.name));
        return d.isDirectory() ? `${rel}/` : rel;
      })
      .sort();

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-dircache-'));
    before = openFdCount(dir);
  });
  afterEach(async () => {
    await backend.close();
    // No fd is left behind by the cache, whatever the case did.
    expect(openFdCount(dir)).toBe(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a parent directory open after the first op below it, and only when asked', async () => {
    fs.mkdirSync(path.join(dir, 'a/b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a/b/f'), 'x');
    make({ cacheDirs: false });
    await run('lookup', { path: '/a/b/f' });
    expect(openFdCount(dir)).toBe(before + 1); // the root fd
    expect(backend.cachedDirs).toBe(0);
    await backend.close();
    make();
    await run('lookup', { path: '/a/b/f' });
    await run('lookup', { path: '/a/b/f' });
    await run('getattr', { path: '/a/b' }); // parent /a, a second entry
    expect(backend.cachedDirs).toBe(2);
    expect(openFdCount(dir)).toBe(before + 3);
  });

  it('a directory renamed away and made again at its old path gets the new files', async () => {
    make();
    await mkdir('/a');
    await mkdir('/a/s');
    await create('/a/s/f1');
    await rename('/a', '/b');
    await mkdir('/a');
    await mkdir('/a/s');
    await create('/a/s/f2');
    await create('/b/s/f3');
    expect(tree()).toEqual(['a/', 'a/s/', 'a/s/f2', 'b/', 'b/s/', 'b/s/f1', 'b/s/f3']);
  });

  it('RENAME_EXCHANGE swaps what each path reaches', async () => {
    make();
    for (const d of ['/x', '/x/in', '/y', '/y/in']) await mkdir(d);
    await create('/x/in/from-x');
    await create('/y/in/from-y');
    await rename('/x', '/y', RENAME_EXCHANGE);
    await create('/x/in/after-x');
    await run('unlink', { path: '/y/in/from-x' });
    expect(tree()).toEqual(['x/', 'x/in/', 'x/in/after-x', 'x/in/from-y', 'y/', 'y/in/']);
  });

  it('a directory renamed over an empty one replaces it; RENAME_NOREPLACE changes nothing', async () => {
    make();
    for (const d of ['/p', '/p/q', '/t', '/t/q']) await mkdir(d);
    await create('/t/q/old');
    await run('unlink', { path: '/t/q/old' });
    await rename('/p', '/t/q', RENAME_NOREPLACE).catch(() => undefined);
    await rename('/p/q', '/t/q');
    await create('/t/q/new');
    await mkdir('/p/q');
    await create('/p/q/again');
    expect(tree()).toEqual(['p/', 'p/q/', 'p/q/again', 't/', 't/q/', 't/q/new']);
  });

  it('rmdir and mkdir at the same path reach the new directory', async () => {
    make();
    await mkdir('/d');
    await mkdir('/d/e');
    await create('/d/e/f');
    await run('unlink', { path: '/d/e/f' });
    await run('rmdir', { path: '/d/e' });
    await mkdir('/d/e');
    await create('/d/e/g');
    expect(fs.readdirSync(path.join(dir, 'd/e'))).toEqual(['g']);
    expect(backend.cachedDirs).toBeGreaterThan(0);
  });

  it('a renamed ancestor drops every cached directory below it, also by byte names', async () => {
    make();
    const n = 'n\udc80';
    for (const d of ['/r', `/r/${n}`, `/r/${n}/deep`, '/r2']) await mkdir(d);
    await create(`/r/${n}/deep/f`);
    await rename('/r', '/r2/moved');
    await mkdir('/r');
    await mkdir(`/r/${n}`);
    await mkdir(`/r/${n}/deep`);
    await create(`/r/${n}/deep/g`);
    const host = (p: string) => fs.readdirSync(Buffer.concat([encodeName(`${dir}/`), encodeName(p)]));
    expect(host(`r/${n}/deep`)).toEqual(['g']);
    expect(host(`r2/moved/${n}/deep`)).toEqual(['f']);
  });

  it('holds at most its bound of directory fds, closing the least recently used', async () => {
    make({ cacheDirs: true, dirCacheMax: 8 });
    for (let i = 0; i < 60; i++) {
      await mkdir(`/d${i}`);
      await mkdir(`/d${i}/s`);
      await create(`/d${i}/s/f`);
      await run('lookup', { path: `/d${i}/s/f` });
    }
    expect(backend.cachedDirs).toBe(8);
    expect(openFdCount(dir)).toBe(before + 1 + 8);
    // The earliest are gone from the cache but still resolve.
    await run('unlink', { path: '/d0/s/f' });
    expect(fs.readdirSync(path.join(dir, 'd0/s'))).toEqual([]);
  });

  it('paths longer than 4095 bytes resolve in steps and are cached and dropped like any other', async () => {
    make();
    const level = 'L'.repeat(200);
    let p = '';
    for (let i = 0; i < 24; i++) {
      p += `/${level}${i % 10}`;
      await mkdir(p);
    }
    expect(p.length).toBeGreaterThan(4095);
    await create(`${p}/f`);
    await run('lookup', { path: `${p}/f` });
    const top = `/${level}0`;
    await rename(top, '/moved');
    await mkdir(top);
    const rest = p.slice(top.length);
    let q = top;
    for (const part of rest.split('/').slice(1)) {
      q += `/${part}`;
      await mkdir(q);
    }
    await create(`${p}/g`);
    await expect(run('lookup', { path: `${p}/f` })).rejects.toMatchObject({ code: 'ENOENT' });
    await run('lookup', { path: `/moved${rest}/f` });
  });

  it('setattr on a cached directory acts on that directory', async () => {
    make();
    await mkdir('/m');
    await mkdir('/m/n');
    await create('/m/n/f');
    await run('setattr', { path: '/m/n', mode: 0o700 });
    expect(fs.statSync(path.join(dir, 'm/n')).mode & 0o777).toBe(0o700);
    await rename('/m/n', '/m/o');
    await mkdir('/m/n');
    await run('setattr', { path: '/m/n', mode: 0o711 });
    expect(fs.statSync(path.join(dir, 'm/n')).mode & 0o777).toBe(0o711);
    expect(fs.statSync(path.join(dir, 'm/o')).mode & 0o777).toBe(0o700);
  });
});
