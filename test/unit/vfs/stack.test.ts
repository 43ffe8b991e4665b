import { describe, expect, it } from '@jest/globals';
import { FsError, toErrno, toErrnoName } from '../../../src/vfs/errors.js';
import { createStack } from '../../../src/vfs/stack.js';
import type { Backend, Layer, OpCall } from '../../../src/vfs/types.js';

const caller = { pid: 1, uid: 0, gid: 0 };
const call = (path: string): OpCall<'readlink'> => ({
  op: 'readlink',
  path,
  args: { path },
  caller,
  signal: new AbortController().signal,
});

describe('createStack', () => {
  const backend: Backend = { name: 'b', readlink: async (c) => `target-of-${c.path}` };
  const tag = (name: string, seen: string[]): Layer => ({
    name,
    async around(c, next) {
      seen.push(`${name}>`);
      const r = await next();
      seen.push(`<${name}`);
      return r;
    },
  });

  it('runs layers outermost first around the backend', async () => {
    const seen: string[] = [];
    const stack = createStack([tag('a', seen), tag('b', seen)], backend);
    await expect(stack.run(call('/x'))).resolves.toBe('target-of-/x');
    expect(seen).toEqual(['a>', 'b>', '<b', '<a']);
  });

  it('answers ENOSYS for an op the backend lacks', async () => {
    const stack = createStack([], { name: 'empty' });
    await expect(stack.run(call('/x'))).rejects.toMatchObject({ code: 'ENOSYS' });
  });

  it('lets a layer answer without calling the backend', async () => {
    const deny: Layer = { name: 'deny', around: () => Promise.reject(new FsError('EACCES')) };
    await expect(createStack([deny], backend).run(call('/x'))).rejects.toMatchObject({ code: 'EACCES' });
  });

  it('reports needsData when any layer needs it', () => {
    expect(createStack([], backend).needsData).toBe(false);
    expect(createStack([{ name: 'd', needsData: true, around: (_c, n) => n() }], backend).needsData).toBe(true);
  });
});

describe('errno mapping', () => {
  it.each([
    [new FsError('ENOENT'), 2, 'ENOENT'],
    [Object.assign(new Error('x'), { code: 'EACCES' }), 13, 'EACCES'],
    [Object.assign(new Error('x'), { code: 'ERR_SOMETHING' }), 5, 'EIO'],
    [new Error('plain'), 5, 'EIO'],
    ['string', 5, 'EIO'],
  ])('%p -> %d %s', (err, num, name) => {
    expect(toErrno(err)).toBe(num);
    expect(toErrnoName(err)).toBe(name);
  });
});
