import { describe, expect, it } from '@jest/globals';
import { createMemoryBackend } from '../../../src/backends/memory/memory-backend.js';
import { parseLayerSpec } from '../../../src/config/index.js';
import { createSilentLogger } from '../../../src/log/logger.js';
import { loadLayerFactories } from '../../../src/layers/stack/registry.js';
import { createStackRuntime } from '../../../src/layers/stack/stack-runtime.js';
import type { StackConfig } from '../../../src/config/index.js';
import type { StackRuntime } from '../../../src/layers/stack/stack-runtime.js';

const config = (spec: string): StackConfig => {
  const r = parseLayerSpec(spec);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
};

const caller = { pid: 1, uid: 0, gid: 0 };

async function writeThrough(rt: StackRuntime, bytes: number): Promise<void> {
  const stack = rt.controller.holder.current();
  const signal = new AbortController().signal;
  const created = await stack.run({ op: 'create', path: '/f', args: { path: '/f', flags: 0o102, mode: 0o100644, umask: 0 }, caller, signal });
  await stack.run({ op: 'write', path: '/f', args: { path: '/f', fh: created.fh, buffer: Buffer.alloc(bytes), offset: 0, flags: 0 }, caller, signal });
}

async function runtime(spec: string, serveMetrics: boolean): Promise<StackRuntime> {
  return createStackRuntime({
    config: config(spec),
    factories: await loadLayerFactories(config(spec)),
    backend: createMemoryBackend(),
    logger: createSilentLogger(),
    volume: 'v',
    serveMetrics,
  });
}

describe('stack runtime metrics registry', () => {
  it('hands the registry to reporting layers when the host serves metrics', async () => {
    const rt = await runtime('throttle=100MB', true);
    // 150 MB at 100 MB/s with a one-second bucket: half a second of waiting, recorded.
    await writeThrough(rt, 150_000_000);
    const text = await rt.registry.metrics();
    expect(text).toMatch(/fs_interposer_throttle_wait_seconds_total\{volume="v",layer="throttle"\} 0\.[3-9]/);
    await rt.close();
  });

  it('creates the registry for a metrics layer that arrives by a live swap, and it is the one served', async () => {
    const rt = await runtime('', false);
    // The controller imports the metrics layer's module itself when the new config names it.
    const next = config('metrics');
    expect((await rt.controller.apply(next)).ok).toBe(true);
    await writeThrough(rt, 1234);
    expect(await rt.registry.metrics()).toMatch(/fs_interposer_written_bytes_total\{volume="v"\} 1234/);
    await rt.close();
  });
});
