import { describe, expect, it } from '@jest/globals';
import { createRootAclCache } from '../../../src/fuse/ops/root-acl.js';
import { FsError } from '../../../src/vfs/errors.js';

const NAME = 'system.posix_acl_access';

function setup(ttlMs = 1000) {
  let t = 0;
  let calls = 0;
  let answer: Buffer | 'ENODATA' = 'ENODATA';
  const cache = createRootAclCache({ ttlMs, now: () => t });
  const fetch = (): Promise<Buffer> => {
    calls++;
    return answer === 'ENODATA' ? Promise.reject(new FsError('ENODATA')) : Promise.resolve(answer);
  };
  const get = (): Promise<string> =>
    cache.get(NAME, fetch).then(
      (b) => b.toString(),
      (err: FsError) => err.code,
    );
  return {
    cache,
    get,
    fetch,
    calls: () => calls,
    advance: (ms: number) => (t += ms),
    answer: (a: Buffer | 'ENODATA') => (answer = a),
  };
}

describe("the root's ACL cache", () => {
  it('answers from the cache within the attribute timeout, "no ACL" included', async () => {
    const s = setup();
    expect([await s.get(), await s.get()]).toEqual(['ENODATA', 'ENODATA']);
    expect(s.calls()).toBe(1);
    s.answer(Buffer.from('acl'));
    s.advance(999);
    expect(await s.get()).toBe('ENODATA');
    s.advance(1);
    expect([await s.get(), await s.get()]).toEqual(['acl', 'acl']);
    expect(s.calls()).toBe(2);
  });

  it('forgets at once when the ACL or mode changes through the mount', async () => {
    const s = setup();
    await s.get();
    s.answer(Buffer.from('new'));
    s.cache.forget();
    expect(await s.get()).toBe('new');
    expect(s.calls()).toBe(2);
  });

  it('does not keep an answer that was on its way while a change came through', async () => {
    const s = setup();
    let release: (b: Buffer) => void = () => undefined;
    const slow = s.cache.get(NAME, () => new Promise<Buffer>((r) => (release = r)));
    s.cache.forget();
    release(Buffer.from('old'));
    expect((await slow).toString()).toBe('old');
    s.answer(Buffer.from('new'));
    expect(await s.get()).toBe('new');
  });

  it('keeps nothing when attributes are not cached (attr_timeout=0) and never keeps other errors', async () => {
    const off = setup(0);
    await off.get();
    await off.get();
    expect(off.calls()).toBe(2);
    const s = setup();
    let calls = 0;
    const failing = (): Promise<Buffer> => (calls++, Promise.reject(new FsError('EIO')));
    await expect(s.cache.get(NAME, failing)).rejects.toMatchObject({ code: 'EIO' });
    await expect(s.cache.get(NAME, failing)).rejects.toMatchObject({ code: 'EIO' });
    expect(calls).toBe(2);
  });
});
