import { describe, expect, it } from '@jest/globals';
import { buildStack, StackBuildError } from '../../../src/layers/stack/build-stack.js';
import type { LayerConfig } from '../../../src/config/index.js';
import type { LayerDeps } from '../../../src/layers/stack/deps.js';
import { builtinFactories } from '../../../src/layers/stack/registry.js';
import type { Layer } from '../../../src/vfs/types.js';
import { compactConfig, fixture, yamlConfig } from './build.js';
import { newBackend, readFile, writeFile } from './fs-helpers.js';

describe('buildStack', () => {
  it('builds the annotation example outermost first, with the factories it is given', async () => {
    const seen: string[] = [];
    const tag = (cfg: LayerConfig, deps: LayerDeps): Layer => ({
      name: deps.name,
      around: (call, next) => (seen.push(`${cfg.type}:${call.op}:${deps.volume}`), next()),
    });
    const { stack, clock } = fixture(
      compactConfig('trace,metrics,throttle=5MB,latency=10ms,fault=EIO@1%'),
      {
        factories: { ...builtinFactories(), trace: tag, metrics: tag },
        volume: 'data',
      },
    );
    expect(stack.layers.map((l) => l.name)).toEqual([
      'trace',
      'metrics',
      'throttle',
      'latency',
      'fault',
    ]);
    expect(stack.needsData).toBe(true);
    const done = writeFile(stack, '/a', 'x');
    await clock.advance(10);
    await done;
    expect(seen.slice(0, 2)).toEqual(['trace:create:data', 'metrics:create:data']);
  });

  it('refuses a layer type whose factory is not loaded, naming it', () => {
    expect(() => buildStack(compactConfig('trace,record'), newBackend())).toThrow(StackBuildError);
    expect(() => buildStack(compactConfig('trace,record'), newBackend())).toThrow('trace, record');
  });

  it('an empty config is a plain passthrough', async () => {
    const { stack } = fixture(compactConfig(''));
    await writeFile(stack, '/a', 'hello');
    await expect(readFile(stack, '/a')).resolves.toBe('hello');
    expect(stack.needsData).toBe(false);
  });

  it('leaves configured but inactive layers out of the call chain', () => {
    const cfg = yamlConfig(`  - {type: fault, rate: 0, errnos: [EIO]}
  - {type: latency}
  - {type: throttle}
  - {type: quota}
  - {type: shuffle, readdir: false}
  - {type: latency, name: slow, write: {fixed: 1ms}}`);
    const { stack } = fixture(cfg);
    expect(stack.configured).toEqual(['fault', 'latency', 'throttle', 'quota', 'shuffle', 'slow']);
    expect(stack.layers.map((l) => l.name)).toEqual(['slow']);
  });

  it('gives duplicate layer types distinct names (their random streams and decisions)', () => {
    const { stack } = fixture(compactConfig('fault=EIO@1%,fault=ENOSPC@1%'));
    expect(stack.layers.map((l) => l.name)).toEqual(['fault', 'fault.2']);
  });

  it('uses the config seed, else the deps seed, else a random one', () => {
    expect(fixture({ ...compactConfig(''), seed: 5 }, { seed: 6 }).stack.seed).toBe(5);
    const noSeed = { ...compactConfig(''), seed: undefined };
    expect(fixture(noSeed, { seed: 6 }).stack.seed).toBe(6);
    expect(Number.isInteger(fixture(noSeed).stack.seed)).toBe(true);
  });
});
