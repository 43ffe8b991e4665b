import { describe, expect, it } from '@jest/globals';
import { createStackHolder } from '../../../src/layers/stack/stack-holder.js';
import { createStack } from '../../../src/vfs/stack.js';
import type { Layer } from '../../../src/vfs/types.js';
import { compactConfig, fixture } from './build.js';
import { mkCall, settle } from './fs-helpers.js';

describe('stack holder (live reconfiguration)', () => {
  it('swaps atomically: in-flight ops finish on the old stack, which closes after them', async () => {
    const { stack: slow, clock, backend } = fixture(compactConfig('latency=100ms'));
    let closed = false;
    const closing: Layer = {
      name: 'probe',
      around: (_c, next) => next(),
      close: async () => void (closed = true),
    };
    const old = createStack([...slow.layers, closing], backend);
    const holder = createStackHolder(old);
    await holder
      .run(mkCall('create', { path: '/f', flags: 2, mode: 0o644, umask: 0 }))
      .catch(() => undefined);
    const write = (buffer: Buffer) =>
      holder.run(mkCall('write', { path: '/f', fh: 1, buffer, offset: 0, flags: 2 }));
    const inflight = settle(write(Buffer.from('old')));
    await clock.advance(0);
    expect(holder.inFlight()).toBe(1);
    const next = createStack([], backend);
    const swapped = settle(holder.swap(next));
    expect(holder.current()).toBe(next);
    await expect(write(Buffer.from('new'))).resolves.toBe(3);
    await clock.advance(50);
    expect(swapped.done()).toBe(false);
    expect(closed).toBe(false);
    await clock.advance(50);
    expect(inflight.result()).toEqual({ status: 'fulfilled', value: 3 });
    expect(swapped.result()).toMatchObject({ status: 'fulfilled' });
    expect(closed).toBe(true);
  });

  it('kill drops every layer and tells listeners', async () => {
    const { stack } = fixture(compactConfig('fault=EIO@100%'));
    const holder = createStackHolder(stack);
    const swaps: number[] = [];
    holder.onSwap((n, p) => swaps.push(p.layers.length, n.layers.length));
    await expect(
      holder.run(mkCall('mkdir', { path: '/d', mode: 0o755, umask: 0 })),
    ).rejects.toMatchObject({ code: 'EIO' });
    await holder.kill();
    expect(holder.killed).toBe(true);
    expect(swaps).toEqual([1, 0]);
    await expect(
      holder.run(mkCall('mkdir', { path: '/d', mode: 0o755, umask: 0 })),
    ).resolves.toMatchObject({ nlink: 2 });
  });
});
