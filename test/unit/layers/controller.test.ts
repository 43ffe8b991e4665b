import { describe, expect, it } from '@jest/globals';
import { createStackController } from '../../../src/layers/stack/controller.js';
import { createFakeClock } from '../../../src/vfs/fake-clock.js';
import { compactConfig } from './build.js';
import { createFile, mkCall, newBackend, run, writeAt } from './fs-helpers.js';

describe('stack controller (ctl set-layers | status | powerloss drop)', () => {
  const setup = () => {
    const clock = createFakeClock();
    const c = createStackController({
      backend: newBackend(),
      initial: compactConfig('powerloss'),
      deps: { clock },
    });
    return { c, clock };
  };

  it('rejects an invalid spec with every error and keeps the running stack', async () => {
    const { c } = setup();
    const before = c.holder.current();
    const r = await c.setLayers('latency=fast,bogus');
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([
      "bad latency 'fast'",
      "unknown layer 'bogus'",
    ]);
    expect(c.holder.current()).toBe(before);
  });

  it('swaps to a new spec, keeping the seed; status reports layers and unsynced data', async () => {
    const { c } = setup();
    const stack = c.holder.current();
    const fh = await createFile(stack, '/f');
    await writeAt(stack, '/f', fh, 'volatile');
    expect(c.status()).toMatchObject({
      layers: ['powerloss'],
      seed: 7,
      unsynced: [{ path: '/f', bytes: 8, changes: 1 }],
    });
    const drop = await c.powerlossDrop();
    expect(drop).toEqual([{ files: [{ path: '/f', undone: 1, kept: 0, tornBytes: 0 }] }]);
    expect((await run(stack, 'getattr', { path: '/f' })).size).toBe(0);
    const r = await c.setLayers('fault=EIO@100%');
    expect(r).toMatchObject({ ok: true, status: { layers: ['fault'], seed: 7 } });
    await expect(
      c.holder.run(mkCall('mkdir', { path: '/d', mode: 0o755, umask: 0 })),
    ).rejects.toMatchObject({ code: 'EIO' });
    await c.kill();
    expect(c.status()).toMatchObject({ layers: [], killed: true });
    await expect(
      c.holder.run(mkCall('mkdir', { path: '/d', mode: 0o755, umask: 0 })),
    ).resolves.toBeDefined();
  });

  it('accepts a config file', async () => {
    const { c } = setup();
    const r = await c.setConfigFile(
      'apiVersion: fs-interposer/v1\nkind: LayerStack\nlayers: [{type: shuffle}]\n',
      'c.yaml',
    );
    expect(r).toMatchObject({ ok: true, status: { layers: ['shuffle'] } });
  });
});
