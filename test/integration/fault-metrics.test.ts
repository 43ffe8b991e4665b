import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { freePort, scrape, total } from '../helpers/prometheus.js';
import type { Sample } from '../helpers/prometheus.js';
import { sh } from '../helpers/sh.js';

/**
 * Two fault layers in one stack (instance names `fault` and `fault.2`), each failing opens under
 * its own directory with the same errno: only the layer label can tell their faults apart, in
 * the metrics and in the recorded run.
 */
jest.setTimeout(60_000);

const CONFIG = `apiVersion: fs-interposer/v1
kind: LayerStack
layers:
  - type: metrics
  - type: fault
    rate: 100
    perOp: {open: {EIO: 1}}
    scope: {paths: ['/a/**'], ops: [open]}
  - type: fault
    rate: 100
    perOp: {open: {EIO: 1}}
    scope: {paths: ['/b/**'], ops: [open]}
`;

interface Line {
  op: string;
  path: string;
  res: string;
  inj?: boolean;
  by?: string;
}

describe('two fault layers on a real mount: faults are labelled by the injecting layer', () => {
  const src = tempDir('faults-src');
  const work = tempDir('faults-work');
  const run = join(work, 'run.jsonl');
  let mount: MountHandle | undefined;
  let samples: Sample[] = [];
  let lines: Line[] = [];

  beforeAll(async () => {
    for (const d of ['a', 'b']) mkdirSync(join(src, d));
    writeFileSync(join(src, 'a/f'), 'a');
    writeFileSync(join(src, 'b/f'), 'b');
    writeFileSync(join(work, 'stack.yaml'), CONFIG);
    const port = await freePort();
    mount = await startMount({
      source: src,
      args: ['--config', join(work, 'stack.yaml'), '--record', run, '--metrics-port', String(port)],
    });
    const m = mount.mountpoint;
    // 3 opens fail in the outer layer, 2 in the inner one; each cat must see EIO.
    const r = await sh(
      `for i in 1 2 3; do cat "${m}/a/f"; done; for i in 1 2; do cat "${m}/b/f"; done; true`,
    );
    expect(r.stderr.match(/Input\/output error/g)?.length).toBe(5);
    samples = await scrape(port);
    expect(await mount.stop()).toBe(0);
    lines = readFileSync(run, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Line)
      .slice(1);
  });

  afterAll(async () => {
    if (mount !== undefined) forceUnmount(mount.mountpoint);
    rmSync(src, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('counts each injected fault under the instance name of its layer', () => {
    const faults = (layer: string) =>
      total(samples, 'fs_interposer_injected_faults_total', { layer, kind: 'EIO' });
    expect({ fault: faults('fault'), 'fault.2': faults('fault.2') }).toEqual({
      fault: 3,
      'fault.2': 2,
    });
    expect(total(samples, 'fs_interposer_errors_total', { op: 'open', errno: 'EIO' })).toBe(5);
  });

  it('records which layer injected each failed open', () => {
    const failed = lines.filter((l) => l.op === 'open' && l.res === 'EIO');
    expect(failed.map((l) => `${l.path} ${l.inj} ${l.by}`).sort()).toEqual([
      '/a/f true fault',
      '/a/f true fault',
      '/a/f true fault',
      '/b/f true fault.2',
      '/b/f true fault.2',
    ]);
  });
});
