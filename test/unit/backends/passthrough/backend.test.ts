import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPassthroughBackend } from '../../../../src/backends/passthrough/backend.js';
import type { PassthroughBackend } from '../../../../src/backends/passthrough/backend.js';
import { createStack } from '../../../../src/vfs/stack.js';
import type { Caller, FsOp, OpArgsMap, OpResultMap } from '../../../../src/vfs/types.js';

const ROOT: Caller = { pid: 1, uid: 0, gid: 0 };
const O_RDWR = 2;
const isRoot = process.getuid?.() === 0;
const rootIt = isRoot ? it : it.skip;
// Mounting a tmpfs needs CAP_SYS_ADMIN, which uid 0 in a container may lack.
const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
const CAP_SYS_ADMIN = 21n;
const adminIt =
  capEff !== undefined && (BigInt(`0x${capEff}`) >> CAP_SYS_ADMIN) & 1n ? it : it.skip;

function openFdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

describe('passthrough backend specifics', () => {
  let dir: string;
  const backends: PassthroughBackend[] = [];
  const make = (firstHandle?: number) => {
    const b = createPassthroughBackend({
      root: dir,
      ...(firstHandle === undefined ? {} : { firstHandle }),
    });
    backends.push(b);
    return b;
  };
  const runOn =
    (b: PassthroughBackend) =>
    <O extends FsOp>(op: O, args: OpArgsMap[O], caller: Caller = ROOT): Promise<OpResultMap[O]> =>
      createStack([], b).run({
        op,
        path: args.path,
        args,
        caller,
        signal: new AbortController().signal,
      });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-unit-'));
  });
  afterEach(async () => {
    for (const b of backends.splice(0)) await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('file handles are opaque numbers, not fds, and a successor reopens them lazily', async () => {
    fs.writeFileSync(path.join(dir, 'f'), 'before the crash');
    const first = runOn(make(1_000_000));
    const { fh } = await first('open', { path: '/f', flags: O_RDWR });
    expect(fh).toBe(1_000_000);
    // A new instance (the server after a restart) gets READ/WRITE for a handle it never issued.
    const successor = make(5_000);
    const run = runOn(successor);
    const buf = Buffer.alloc(6);
    expect(await run('read', { path: '/f', fh, buffer: buf, offset: 0, flags: O_RDWR })).toBe(6);
    expect(buf.toString()).toBe('before');
    await run('write', { path: '/f', fh, buffer: Buffer.from('AFTER!'), offset: 0, flags: O_RDWR });
    expect(successor.openHandles).toBe(1);
    await run('release', { path: '/f', fh, flags: O_RDWR });
    expect(successor.openHandles).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('AFTER! the crash');
  });

  it('reopens a predecessor handle writable for fallocate', async () => {
    fs.writeFileSync(path.join(dir, 'f'), '');
    const run = runOn(make(10));
    await run('fallocate', { path: '/f', fh: 424242, offset: 0, length: 8192, mode: 0 });
    expect(fs.statSync(path.join(dir, 'f')).size).toBe(8192);
  });

  it('hands out a backing fd of the same file when passthrough is asked for', async () => {
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    const run = runOn(make());
    const plain = await run('open', { path: '/f', flags: 0 });
    expect(plain.backingFd).toBeUndefined();
    const pt = await run('open', { path: '/f', flags: 0, passthrough: true });
    expect(pt.backingFd).toBeDefined();
    expect(fs.fstatSync(pt.backingFd!).ino).toBe(fs.statSync(path.join(dir, 'f')).ino);
    expect(backends[0]!.backingFd(plain.fh)).toEqual(expect.any(Number));
    expect(backends[0]!.backingFd(plain.fh)).not.toBe(plain.fh);
    expect(backends[0]!.backingFd(999)).toBeUndefined();
  });

  it('keeps the exact requested mode although the server has its own umask', async () => {
    const old = process.umask(0o077);
    try {
      const run = runOn(make());
      const c = await run('create', { path: '/f', flags: O_RDWR, mode: 0o666, umask: 0o002 });
      expect(c.attr.mode & 0o777).toBe(0o664);
      expect(fs.statSync(path.join(dir, 'f')).mode & 0o777).toBe(0o664);
      expect((await run('mkdir', { path: '/d', mode: 0o775, umask: 0 })).mode & 0o777).toBe(0o775);
      await run('release', { path: '/f', fh: c.fh, flags: O_RDWR });
    } finally {
      process.umask(old);
    }
  });

  it('keeps the permissions a default ACL gives although the server has its own umask', async () => {
    fs.mkdirSync(path.join(dir, 'd'));
    execFileSync('setfacl', [
      '-m',
      'd:u:nobody:rwx,d:g::r-x,d:m::rwx,d:o::r-x',
      path.join(dir, 'd'),
    ]);
    const old = process.umask(0o077);
    try {
      const run = runOn(make());
      const c = await run('create', { path: '/d/f', flags: O_RDWR, mode: 0o666, umask: 0o022 });
      await run('release', { path: '/d/f', fh: c.fh, flags: O_RDWR });
      const sub = await run('mkdir', { path: '/d/s', mode: 0o777, umask: 0o077 });
      expect([c.attr.mode & 0o777, sub.mode & 0o777]).toEqual([0o664, 0o775]);
      expect(
        execFileSync('getfacl', ['-cp', path.join(dir, 'd', 'f')], { encoding: 'utf8' }),
      ).toContain('mask::rw-');
    } finally {
      process.umask(old);
    }
  });

  it('claims ACLs only over a filesystem that keeps them, and reports none elsewhere', async () => {
    expect(make().posixAcl).toBe(true);
    const proc = createPassthroughBackend({ root: '/proc/sys' });
    backends.push(proc);
    expect(proc.posixAcl).toBe(false);
    await expect(
      runOn(proc)('getxattr', { path: '/', name: 'system.posix_acl_access' }),
    ).rejects.toMatchObject({ code: 'ENODATA' });
  });

  rootIt(
    'does not give a file it did not create to the caller (create racing another creator)',
    async () => {
      const run = runOn(make());
      // Created behind the kernel's back between its LOOKUP (negative) and CREATE.
      fs.writeFileSync(path.join(dir, 'f'), 'theirs');
      const c = await run(
        'create',
        { path: '/f', flags: O_RDWR, mode: 0o600, umask: 0 },
        { pid: 9, uid: 1234, gid: 1234 },
      );
      expect([c.attr.uid, c.attr.size]).toEqual([0, 6]);
      await run('release', { path: '/f', fh: c.fh, flags: O_RDWR });
    },
  );

  it('closes every fd it opened: per-op O_PATH fds at once, handles on release and close', async () => {
    const b = make();
    const run = runOn(b);
    fs.mkdirSync(path.join(dir, 'a/b/c'), { recursive: true });
    const before = openFdCount();
    for (let i = 0; i < 20; i++) {
      await run('lookup', { path: '/a/b/c' });
      await run('setattr', { path: '/a/b', mode: 0o755 });
      const c = await run('create', { path: `/a/b/c/f${i}`, flags: O_RDWR, mode: 0o644, umask: 0 });
      // Two first locks of one owner at once: both must end up on one lock fd.
      const lk = (start: number) => ({ type: 1, start, end: start, pid: 1 });
      await Promise.all(
        [0, 5].map((start) =>
          run('setlk', { path: `/a/b/c/f${i}`, fh: c.fh, owner: 7n, lock: lk(start), wait: false }),
        ),
      );
      await run('flush', { path: `/a/b/c/f${i}`, fh: c.fh, lockOwner: 7n });
      await run('release', { path: `/a/b/c/f${i}`, fh: c.fh, flags: O_RDWR });
    }
    expect(openFdCount()).toBe(before);
    const held = await run('open', { path: '/a/b/c/f1', flags: O_RDWR });
    const lock = { type: 1, start: 0, end: 0, pid: 1 };
    await run('setlk', { path: '/a/b/c/f1', fh: held.fh, owner: 9n, lock, wait: false });
    expect(openFdCount()).toBe(before + 2);
    await b.close();
    backends.splice(backends.indexOf(b), 1);
    expect(openFdCount()).toBe(before - 1);
  });

  it('drops the locks of an owner at the FLUSH of another handle of the file, one that never locked', async () => {
    const run = runOn(make());
    fs.writeFileSync(path.join(dir, 'db'), 'x'.repeat(10));
    const locked = await run('open', { path: '/db', flags: O_RDWR });
    const other = await run('open', { path: '/db', flags: O_RDWR });
    const probe = await run('open', { path: '/db', flags: O_RDWR });
    const lock = { type: 1, start: 0, end: 9, pid: 1 };
    await run('setlk', { path: '/db', fh: locked.fh, owner: 7n, lock, wait: false });
    const tryLock = () =>
      run('setlk', { path: '/db', fh: probe.fh, owner: 8n, lock: { ...lock, pid: 2 }, wait: false });
    await expect(tryLock()).rejects.toMatchObject({ code: 'EAGAIN' });
    // close(2) of any fd of the file drops the owner's POSIX locks on it.
    await run('flush', { path: '/db', fh: other.fh, lockOwner: 7n });
    await expect(tryLock()).resolves.toBeUndefined();
    for (const h of [locked, other, probe]) await run('release', { path: '/db', fh: h.fh, flags: O_RDWR });
  });

  it.each([
    [true, 3],
    [false, 0],
  ])('readdirAttrs=%s gives attributes to %i entries', async (readdirAttrs, withAttr) => {
    const b = createPassthroughBackend({ root: dir, readdirAttrs });
    backends.push(b);
    const run = runOn(b);
    fs.writeFileSync(path.join(dir, 'f'), 'abc');
    fs.mkdirSync(path.join(dir, 'd'));
    fs.symlinkSync('f', path.join(dir, 'l'));
    const d = await run('opendir', { path: '/', flags: 0 });
    const entries = await run('readdir', { path: '/', fh: d.fh });
    expect(entries.filter((e) => e.attr !== undefined)).toHaveLength(withAttr);
    const l = entries.find((e) => e.name === 'l');
    if (withAttr > 0) expect(l?.attr?.size).toBe(1);
  });

  adminIt(
    'answers EXDEV across a filesystem mounted inside the volume, and statfs per node',
    async () => {
      const sub = path.join(dir, 'sub');
      fs.mkdirSync(sub);
      execFileSync('mount', [
        '-t',
        'tmpfs',
        '-o',
        'size=1m,nr_inodes=100',
        'fs-interposer-test',
        sub,
      ]);
      try {
        const run = runOn(make());
        fs.writeFileSync(path.join(sub, 'x'), 'x');
        await expect(
          run('rename', { path: '/sub/x', newPath: '/x', flags: 0 }),
        ).rejects.toMatchObject({ code: 'EXDEV' });
        await expect(run('link', { path: '/sub/x', newPath: '/x' })).rejects.toMatchObject({
          code: 'EXDEV',
        });
        expect((await run('statfs', { path: '/sub' })).files).toBe(100);
        expect((await run('statfs', { path: '/' })).files).not.toBe(100);
      } finally {
        for (const b of backends.splice(0)) await b.close();
        execFileSync('umount', [sub]);
      }
    },
  );

  it('refuses lock ops on unknown handles with EBADF', async () => {
    const run = runOn(make());
    await expect(
      run('getlk', {
        path: '/f',
        fh: 12345,
        owner: 1n,
        lock: { type: 1, start: 0, end: 0, pid: 1 },
      }),
    ).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('refuses a root that does not exist', () => {
    expect(() => createPassthroughBackend({ root: path.join(dir, 'missing') })).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
  });
});
