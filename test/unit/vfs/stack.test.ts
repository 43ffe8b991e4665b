import { describe, expect, it } from '@jest/globals';
import { FsError, toErrno, toErrnoName } from '../../../src/vfs/errors.js';
import { createStack, planOf } from '../../../src/vfs/stack.js';
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
    await expect(createStack([deny], backend).run(call('/x'))).rejects.toMatchObject({
      code: 'EACCES',
    });
  });

  it('reports needsData when any layer needs it', () => {
    expect(createStack([], backend).needsData).toBe(false);
    expect(
      createStack([{ name: 'd', needsData: true, around: (_c, n) => n() }], backend).needsData,
    ).toBe(true);
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

describe('planOf (which data path a stack allows, ADR 0076)', () => {
  const backend: Backend = { name: 'b' };
  const layer = (name: string, extra: Partial<Layer> = {}): Layer => ({
    name,
    around: (_c, next) => next(),
    ...extra,
  });
  const throttle = { fail: false, read: true, write: true, bytesPerSecond: 1 };
  const plan = (...layers: Layer[]) => planOf(createStack(layers, backend));

  it('lets the readers serve under tap and gate layers, with the gate the plan carries', () => {
    const p = plan(
      layer('metrics', { readerTap: true }),
      layer('throttle', { readerGate: { throttle } }),
    );
    expect(p).toMatchObject({ readerData: true, tap: true });
    expect(p.gate).toEqual({ throttle });
  });

  it('keeps the data path on the main thread for a layer without a reader form, or two throttles', () => {
    expect(plan(layer('metrics', { readerTap: true }), layer('trace')).readerData).toBe(false);
    const t = layer('throttle', { readerGate: { throttle } });
    expect(plan(t, layer('throttle.2', { readerGate: { throttle } })).readerData).toBe(false);
    expect(plan().readerData).toBe(true);
  });

  it('counts a layer with nothing to do for the readers (readerIdle) as covered, with no gate or tap', () => {
    const idle = layer('latency', { readerIdle: true });
    expect(plan(idle)).toEqual({
      needsData: false,
      readerData: true,
      readerGetattr: false,
      tap: false,
      cacheMisses: false,
    });
    const p = plan(
      idle,
      layer('metrics', { readerTap: true }),
      layer('throttle', { readerGate: { throttle } }),
    );
    expect(p).toMatchObject({ readerData: true, tap: true, gate: { throttle } });
    expect(plan(idle, layer('trace')).readerData).toBe(false);
    expect(plan(layer('fault', { readerIdle: false })).readerData).toBe(false);
  });
});
