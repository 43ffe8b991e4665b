import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { StackConfig } from '../../../src/config/index.js';
import type { ServeSpec, VolumeEngine } from '../../../src/sidecar/engine.js';
import { createSidecarServer } from '../../../src/sidecar/server.js';

const logger = pino({ level: 'silent' });

/** In-process engine double: records what each volume was served with and reconfigured to. */
function recordingEngine(o: { failBuild?: (c: StackConfig) => string | undefined } = {}) {
  const specs: ServeSpec[] = [];
  const configs = new Map<string, StackConfig[]>();
  const closed: string[] = [];
  const engine: VolumeEngine = (spec) => {
    specs.push(spec);
    // Like engine-fuse: a refused volume builds no stack; one that cannot be built is refused.
    let refused = spec.refused ?? o.failBuild?.(spec.config);
    configs.set(spec.volume, refused === undefined ? [spec.config] : []);
    return {
      done: new Promise(() => undefined),
      get refused() {
        return refused;
      },
      reconfigure: (c) => {
        const failure = o.failBuild?.(c);
        if (failure !== undefined) return Promise.reject(new Error(failure));
        configs.get(spec.volume)!.push(c);
        refused = undefined;
        return Promise.resolve();
      },
      close: () => {
        closed.push(spec.volume);
        return Promise.resolve();
      },
    };
  };
  const types = (v: string): string[][] => configs.get(v)!.map((c) => c.layers.map((l) => l.type));
  return { engine, specs, types, closed };
}

const ann = (lines: Record<string, string>): string =>
  Object.entries(lines)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join('\n');

describe('sidecar server', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sidecar-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const start = (annotations: string, generation = 0, o: Parameters<typeof recordingEngine>[0] & { configFile?: string } = {}) => {
    const rec = recordingEngine(o);
    const server = createSidecarServer({
      volumes: [
        { volume: 'data', fds: [10, 11], init: { major: 7 } },
        { volume: 'logs', fds: [12], init: { major: 7 } },
      ],
      engine: rec.engine,
      handoffDir: dir,
      sourceRoot: '/pv',
      generation,
      annotationsText: annotations,
      ...(o.configFile !== undefined ? { configFile: { name: 'config.yaml', text: o.configFile } } : {}),
      logger,
    });
    return { rec, server };
  };

  it('serves each volume with its layers, the per-volume override first', () => {
    const { rec } = start(
      ann({ 'fs-interposer/layers': 'metrics', 'fs-interposer/layers.logs': 'latency=10ms' }),
    );
    expect(rec.specs.map((s) => [s.volume, s.sourceDir, s.fds, s.restarted])).toEqual([
      ['data', '/pv/data', [10, 11], false],
      ['logs', '/pv/logs', [12], false],
    ]);
    expect(rec.types('data')).toEqual([['metrics']]);
    expect(rec.types('logs')).toEqual([['latency']]);
  });

  it('swaps stacks live on an annotation change, only where the config changed', async () => {
    const { rec, server } = start(
      ann({ 'fs-interposer/layers': 'metrics', 'fs-interposer/layers.logs': 'metrics' }),
    );
    await server.annotationsChanged(
      ann({
        'fs-interposer/layers': 'metrics,fault=EIO@1%',
        'fs-interposer/layers.logs': 'metrics',
      }),
    );
    expect(rec.types('data')).toEqual([['metrics'], ['metrics', 'fault']]);
    expect(rec.types('logs')).toEqual([['metrics']]);
  });

  it('keeps the running stack on an invalid edit and reports it in the error file', async () => {
    const { rec, server } = start(ann({ 'fs-interposer/layers': 'metrics' }));
    await server.annotationsChanged(ann({ 'fs-interposer/layers': 'bogus=1' }));
    expect(rec.types('data')).toEqual([['metrics']]);
    expect(readFileSync(join(dir, 'data.error'), 'utf8')).toMatch(
      /invalid layer configuration \(still running the previous one\)/,
    );
    await server.annotationsChanged(ann({ 'fs-interposer/layers': 'trace' }));
    expect(rec.types('data')).toEqual([['metrics'], ['trace']]);
    expect(existsSync(join(dir, 'data.error'))).toBe(false);
  });

  it('never serves an invalid initial config with fewer layers: the volume is refused, and says why', () => {
    const { rec } = start(ann({ 'fs-interposer/layers': 'nope', 'fs-interposer/layers.logs': 'metrics' }));
    expect(rec.specs.map((s) => [s.volume, s.refused === undefined])).toEqual([['data', false], ['logs', true]]);
    expect(rec.types('data')).toEqual([]);
    expect(readFileSync(join(dir, 'data.error'), 'utf8')).toMatch(
      /^volume not served \(every request fails with EIO\): invalid layer configuration: /,
    );
    expect(existsSync(join(dir, 'logs.error'))).toBe(false);
  });

  it('a layer the engine cannot build refuses the volume, and a later valid edit brings it to life', async () => {
    const failBuild = (c: StackConfig) => (c.layers.some((l) => l.type === 'record') ? 'EACCES: record file' : undefined);
    const { rec, server } = start(ann({ 'fs-interposer/layers': 'metrics,record' }), 0, { failBuild });
    expect(readFileSync(join(dir, 'data.error'), 'utf8')).toMatch(/volume not served .*EACCES: record file/);
    await server.annotationsChanged(ann({ 'fs-interposer/layers': 'metrics' }));
    expect(rec.types('data')).toEqual([['metrics']]);
    expect(existsSync(join(dir, 'data.error'))).toBe(false);
  });

  it('a live edit the engine cannot build keeps the running stack, reports it and does not throw', async () => {
    const failBuild = (c: StackConfig) => (c.layers.some((l) => l.type === 'trace') ? 'collector gone' : undefined);
    const { rec, server } = start(ann({ 'fs-interposer/layers': 'metrics' }), 0, { failBuild });
    await expect(server.annotationsChanged(ann({ 'fs-interposer/layers': 'trace' }))).resolves.toBeUndefined();
    expect(rec.types('data')).toEqual([['metrics']]);
    expect(readFileSync(join(dir, 'data.error'), 'utf8')).toBe(
      'the layer stack could not be built: collector gone (still running the previous one)\n',
    );
  });

  it('record without a path writes into the handoff dir, one size-limited file per volume', () => {
    const { rec } = start(ann({ 'fs-interposer/layers': 'metrics,record' }));
    expect(rec.specs.map((s) => s.config.layers.find((l) => l.type === 'record'))).toEqual([
      { type: 'record', path: join(dir, 'record', 'data.jsonl'), maxBytes: 16 * 2 ** 20, maxFiles: 2 },
      { type: 'record', path: join(dir, 'record', 'logs.jsonl'), maxBytes: 16 * 2 ** 20, maxFiles: 2 },
    ]);
    expect(existsSync(join(dir, 'record'))).toBe(true);
  });

  it.each([
    ['a record path outside the writable handoff dir', 'record=/etc/rec.jsonl', /record path "\/etc\/rec.jsonl" is not writable in the sidecar/],
  ])('refuses %s', (_what, layers, message) => {
    start(ann({ 'fs-interposer/layers': layers }));
    expect(readFileSync(join(dir, 'data.error'), 'utf8')).toMatch(message);
  });

  it('a ConfigMap edit is applied live: a refused volume comes to life when the pids scope goes', async () => {
    const file = (scope: string) => ['apiVersion: fs-interposer/v1', 'kind: LayerStack', 'layers:', `  - {type: latency, read: {fixed: 1ms}, scope: ${scope}}`].join('\n');
    const { rec, server } = start('', 0, { configFile: file('{pids: [1]}') });
    expect(readFileSync(join(dir, 'data.error'), 'utf8')).toContain('scope.pids never matches in a Pod');
    await server.configFileChanged(file('{uids: [1000]}'));
    expect(rec.types('data')).toEqual([['latency']]);
    expect(existsSync(join(dir, 'data.error'))).toBe(false);
    await server.configFileChanged(file('{gids: [1000]}'));
    expect(rec.types('data')).toEqual([['latency'], ['latency']]);
  });

  it('refuses a ConfigMap configuration with a pids scope, naming uids and gids', () => {
    const configFile = [
      'apiVersion: fs-interposer/v1',
      'kind: LayerStack',
      'layers:',
      '  - type: fault',
      '    errnos: [EIO]',
      '    rate: 1',
      '    scope: {pids: [42]}',
    ].join('\n');
    const { rec } = start('', 0, { configFile });
    expect(rec.specs.every((s) => s.refused !== undefined)).toBe(true);
    const error = readFileSync(join(dir, 'data.error'), 'utf8');
    expect(error).toContain('layers[0] (fault): scope.pids never matches in a Pod');
    expect(error).toContain('accepted: scope.uids, scope.gids');
  });

  it('marks a successor server as restarted (generation or leftover state)', () => {
    start('');
    const { rec } = start('', 0);
    expect(rec.specs.every((s) => s.restarted)).toBe(true);
    expect(start('', 3).rec.specs.every((s) => s.restarted)).toBe(true);
  });

  it('closes every volume', async () => {
    const { rec, server } = start('');
    await server.close();
    expect(rec.closed.sort()).toEqual(['data', 'logs']);
  });
});
