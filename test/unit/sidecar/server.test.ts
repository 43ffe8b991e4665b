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
function recordingEngine() {
  const specs: ServeSpec[] = [];
  const configs = new Map<string, StackConfig[]>();
  const closed: string[] = [];
  const engine: VolumeEngine = (spec) => {
    specs.push(spec);
    configs.set(spec.volume, [spec.config]);
    return {
      done: new Promise(() => undefined),
      reconfigure: (c) => {
        configs.get(spec.volume)!.push(c);
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

  const start = (annotations: string, generation = 0) => {
    const rec = recordingEngine();
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

  it('serves an invalid initial config with no layers and says why', () => {
    const { rec } = start(ann({ 'fs-interposer/layers': 'nope' }));
    expect(rec.types('data')).toEqual([[]]);
    expect(readFileSync(join(dir, 'data.error'), 'utf8')).toContain('invalid layer configuration');
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
