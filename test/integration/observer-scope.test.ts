/**
 * trace, metrics and record observe every request: a `scope` on them used to be accepted and
 * ignored (a record scoped to /db/** recorded every file). It is refused, naming why and what
 * to use instead, both when a mount starts and when a running mount is given a new config; the
 * mount that refuses one keeps serving with what it had.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findMount } from '../../src/fuse/index.js';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(60_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

function dirs(): { src: string; mnt: string; work: string } {
  const d = { src: tempDir('obsscope-src'), mnt: tempDir('obsscope-mnt'), work: tempDir('obsscope-work') };
  writeFileSync(join(d.src, 'hello.txt'), 'hello\n');
  cleanup.push(() => {
    forceUnmount(d.mnt);
    for (const p of Object.values(d)) rmSync(p, { recursive: true, force: true });
  });
  return d;
}

const config = (layer: string): string =>
  ['apiVersion: fs-interposer/v1', 'kind: LayerStack', 'layers:', layer].join('\n') + '\n';

const CASES: [string, (work: string) => string, string][] = [
  [
    'trace',
    () => "  - type: trace\n    scope: {paths: ['/db/**']}",
    'scope is not accepted by trace: it observes every request; choose what it traces with its paths and ops options',
  ],
  [
    'metrics',
    () => '  - type: metrics\n    scope: {ops: [read]}',
    'scope is not accepted by metrics: it observes every request',
  ],
  [
    'record',
    (work) => `  - type: record\n    path: ${work}/run.jsonl\n    scope: {paths: ['/db/**']}`,
    'scope is not accepted by record: it observes every request; choose what it records with its ops option',
  ],
];

describe('a scope on an observer (trace, metrics, record) is refused, not ignored', () => {
  it.each(CASES)('%s: the mount does not start, and says why', async (_, layer, message) => {
    const { src, mnt, work } = dirs();
    writeFileSync(join(work, 'cfg.yaml'), config(layer(work)));
    const r = await sh(`node "${CLI}" mount --config "${work}/cfg.yaml" "${src}" "${mnt}"`, {
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('/layers/0/scope');
    expect(findMount(mnt)).toBeUndefined();
    expect(existsSync(join(work, 'run.jsonl'))).toBe(false);
  });

  it.each(CASES)('%s: a running mount refuses it and keeps serving', async (_, layer, message) => {
    const { src, mnt, work } = dirs();
    const m: MountHandle = await startMount({
      source: src,
      mountpoint: mnt,
      args: ['--layers', `record=${work}/before.jsonl`],
    });
    cleanup.unshift(() => m.child.kill('SIGKILL'));
    writeFileSync(join(work, 'cfg.yaml'), config(layer(work)));
    const r = await sh(`node "${CLI}" ctl "${mnt}" set-config "${work}/cfg.yaml"`, {
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    // The stack it had is still the one serving: the read goes through and is recorded.
    await expect(shOk(`cat "${mnt}/hello.txt"`, { timeoutMs: 10_000 })).resolves.toBe('hello\n');
    const status = JSON.parse(await shOk(`node "${CLI}" ctl "${mnt}" status`)) as {
      layers: string[];
    };
    expect(status.layers).toEqual(['record']);
    expect(await m.stop()).toBe(0);
    const recorded = readFileSync(join(work, 'before.jsonl'), 'utf8');
    expect(recorded).toContain('"/hello.txt"');
  });
});
