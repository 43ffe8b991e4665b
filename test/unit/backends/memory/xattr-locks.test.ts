import { beforeEach, describe, expect, it } from '@jest/globals';
import { createFakeClock } from '../../../../src/vfs/fake-clock.js';
import { createMemoryBackend } from '../../../../src/backends/memory/memory-backend.js';
import { harness, O_RDWR } from './harness.js';
import type { Harness } from './harness.js';

const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;
const F_RDLCK = 0;
const F_WRLCK = 1;
const F_UNLCK = 2;
const EOF = Number.MAX_SAFE_INTEGER;

let fs: Harness;
beforeEach(async () => {
  fs = harness(
    createMemoryBackend({ clock: createFakeClock(), root: { uid: 0, gid: 0, mode: 0o777 } }),
  );
  await fs.writeFile('/f', 'data');
  await fs.call('symlink', { path: '/l', target: 'f' });
});

describe('xattrs', () => {
  const set = (name: string, value: string, flags = 0, path = '/f') =>
    fs.call('setxattr', { path, name, value: Buffer.from(value), flags });

  it('stores, lists, reads and removes values', async () => {
    await set('user.a', '1');
    await set('trusted.b', '');
    expect((await fs.call('getxattr', { path: '/f', name: 'user.a' })).toString()).toBe('1');
    expect((await fs.call('getxattr', { path: '/f', name: 'trusted.b' })).length).toBe(0);
    expect(await fs.call('listxattr', { path: '/f' })).toEqual(['user.a', 'trusted.b']);
    await fs.call('removexattr', { path: '/f', name: 'user.a' });
    expect(await fs.call('listxattr', { path: '/f' })).toEqual(['trusted.b']);
  });

  it('replaces a value and honours CREATE/REPLACE', async () => {
    await set('user.a', '1');
    await expect(set('user.a', '2', XATTR_CREATE)).rejects.toMatchObject({ code: 'EEXIST' });
    await set('user.a', '3', XATTR_REPLACE);
    expect((await fs.call('getxattr', { path: '/f', name: 'user.a' })).toString()).toBe('3');
    await expect(set('user.new', '1', XATTR_REPLACE)).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it.each([
    ['a missing name', () => fs.call('getxattr', { path: '/f', name: 'user.none' }), 'ENODATA'],
    [
      'removing a missing name',
      () => fs.call('removexattr', { path: '/f', name: 'user.none' }),
      'ENODATA',
    ],
    ['an unknown namespace', () => set('other.x', '1'), 'EOPNOTSUPP'],
    ['a POSIX ACL (system.*)', () => set('system.posix_acl_access', '1'), 'EOPNOTSUPP'],
    ['an empty name', () => set('', '1'), 'ERANGE'],
    ['a bare prefix', () => set('user.', '1'), 'EOPNOTSUPP'],
    ['a 256-byte name', () => set(`user.${'n'.repeat(251)}`, '1'), 'ERANGE'],
    ['a value over 64 KiB', () => set('user.big', 'v'.repeat(65537)), 'E2BIG'],
    ['user.* on a symlink', () => set('user.x', '1', 0, '/l'), 'EPERM'],
    ['a missing file', () => set('user.x', '1', 0, '/nope'), 'ENOENT'],
  ])('%s fails', async (_name, op, code) => {
    await expect(op()).rejects.toMatchObject({ code });
  });

  it('allows trusted.* on a symlink', async () => {
    await set('trusted.overlay', 'y', 0, '/l');
    expect(await fs.call('listxattr', { path: '/l' })).toEqual(['trusted.overlay']);
  });

  it('returns a copy, not the stored buffer', async () => {
    await set('user.a', 'abc');
    const got = await fs.call('getxattr', { path: '/f', name: 'user.a' });
    got.fill(0);
    expect((await fs.call('getxattr', { path: '/f', name: 'user.a' })).toString()).toBe('abc');
  });
});

describe('POSIX record locks', () => {
  let fh: number;
  beforeEach(async () => {
    fh = await fs.open('/f', O_RDWR);
  });
  const lock = (type: number, start: number, end: number, pid = 1) => ({ type, start, end, pid });
  const setlk = (owner: bigint, l: ReturnType<typeof lock>, wait = false, signal?: AbortSignal) =>
    fs.call('setlk', { path: '/f', fh, owner, lock: l, wait }, undefined, signal);
  const getlk = (owner: bigint, l: ReturnType<typeof lock>) =>
    fs.call('getlk', { path: '/f', fh, owner, lock: l });

  it.each([
    ['read vs read', F_RDLCK, F_RDLCK, 'OK'],
    ['read vs write', F_RDLCK, F_WRLCK, 'EAGAIN'],
    ['write vs read', F_WRLCK, F_RDLCK, 'EAGAIN'],
    ['write vs write', F_WRLCK, F_WRLCK, 'EAGAIN'],
  ])('%s on overlapping ranges -> %s', async (_name, held, wanted, want) => {
    await setlk(1n, lock(held, 0, 99));
    const result = setlk(2n, lock(wanted, 50, 149, 2));
    if (want === 'OK') await expect(result).resolves.toBeUndefined();
    else await expect(result).rejects.toMatchObject({ code: want });
  });

  it('does not conflict on disjoint ranges or with the same owner', async () => {
    await setlk(1n, lock(F_WRLCK, 0, 99));
    await expect(setlk(2n, lock(F_WRLCK, 100, EOF))).resolves.toBeUndefined();
    await expect(setlk(1n, lock(F_WRLCK, 50, 60))).resolves.toBeUndefined();
  });

  it('getlk reports the conflicting lock and its pid, or F_UNLCK', async () => {
    await setlk(1n, lock(F_WRLCK, 10, 19, 777));
    expect(await getlk(2n, lock(F_RDLCK, 0, EOF))).toEqual({
      type: F_WRLCK,
      start: 10,
      end: 19,
      pid: 777,
    });
    expect(await getlk(1n, lock(F_WRLCK, 0, EOF))).toMatchObject({ type: F_UNLCK });
    expect(await getlk(2n, lock(F_WRLCK, 20, 30))).toMatchObject({ type: F_UNLCK });
  });

  it('unlocking the middle of a range splits it', async () => {
    await setlk(1n, lock(F_WRLCK, 0, 99));
    await setlk(1n, lock(F_UNLCK, 40, 59));
    await expect(setlk(2n, lock(F_WRLCK, 40, 59))).resolves.toBeUndefined();
    await expect(setlk(2n, lock(F_WRLCK, 39, 39))).rejects.toMatchObject({ code: 'EAGAIN' });
    await expect(setlk(2n, lock(F_WRLCK, 60, 60))).rejects.toMatchObject({ code: 'EAGAIN' });
  });

  it('a waiting lock is granted when the holder unlocks', async () => {
    await setlk(1n, lock(F_WRLCK, 0, EOF));
    const events: string[] = [];
    const waiting = setlk(2n, lock(F_WRLCK, 0, 9), true).then(() => events.push('granted'));
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([]);
    await setlk(1n, lock(F_UNLCK, 0, EOF));
    await waiting;
    expect(events).toEqual(['granted']);
    await expect(setlk(1n, lock(F_RDLCK, 0, 0))).rejects.toMatchObject({ code: 'EAGAIN' });
  });

  it('a waiting lock is interrupted with EINTR', async () => {
    await setlk(1n, lock(F_WRLCK, 0, EOF));
    const ac = new AbortController();
    const waiting = setlk(2n, lock(F_WRLCK, 0, 9), true, ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'EINTR' });
  });

  it('a wait that would deadlock fails with EDEADLK', async () => {
    await setlk(1n, lock(F_WRLCK, 0, 9));
    await setlk(2n, lock(F_WRLCK, 10, 19));
    const first = setlk(1n, lock(F_WRLCK, 10, 19), true);
    await new Promise((r) => setImmediate(r));
    await expect(setlk(2n, lock(F_WRLCK, 0, 9), true)).rejects.toMatchObject({ code: 'EDEADLK' });
    // A third owner waiting on 1 is no cycle.
    const third = setlk(3n, lock(F_RDLCK, 0, 0), true);
    await setlk(2n, lock(F_UNLCK, 0, EOF));
    await expect(first).resolves.toBeUndefined();
    await setlk(1n, lock(F_UNLCK, 0, EOF));
    await expect(third).resolves.toBeUndefined();
  });

  it('flush drops the locks of that owner (close(2) semantics)', async () => {
    await setlk(1n, lock(F_WRLCK, 0, EOF));
    await fs.call('flush', { path: '/f', fh, lockOwner: 1n });
    await expect(setlk(2n, lock(F_WRLCK, 0, EOF))).resolves.toBeUndefined();
  });
});

describe('flock', () => {
  const flock = (fh: number, owner: bigint, type: number, wait = false) =>
    fs.call('flock', { path: '/f', fh, owner, type, wait });

  it('shares read locks and excludes write locks', async () => {
    const a = await fs.open('/f', O_RDWR);
    const b = await fs.open('/f', O_RDWR);
    await flock(a, 1n, F_RDLCK);
    await flock(b, 2n, F_RDLCK);
    await expect(flock(b, 2n, F_WRLCK)).rejects.toMatchObject({ code: 'EAGAIN' });
    await flock(a, 1n, F_UNLCK);
    await expect(flock(b, 2n, F_WRLCK)).resolves.toBeUndefined();
  });

  it('releasing the handle drops its flock and wakes a waiter', async () => {
    const a = await fs.open('/f', O_RDWR);
    const b = await fs.open('/f', O_RDWR);
    await flock(a, 1n, F_WRLCK);
    const waiting = flock(b, 2n, F_WRLCK, true);
    await fs.release('/f', a);
    await expect(waiting).resolves.toBeUndefined();
  });
});
