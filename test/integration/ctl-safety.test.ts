import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findMount } from '../../src/fuse/index.js';
import { MAX_LAYERS } from '../../src/config/index.js';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';
import { aliasBomb } from '../helpers/config-bombs.js';

jest.setTimeout(60_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function mounted(): Promise<{ m: MountHandle; src: string; work: string }> {
  const src = tempDir('ctlsafe-src');
  const work = tempDir('ctlsafe-work');
  writeFileSync(join(src, 'hello.txt'), 'hello\n');
  const m = await startMount({ source: src });
  cleanup.push(() => {
    forceUnmount(m.mountpoint);
    m.child.kill('SIGKILL');
    rmSync(src, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  return { m, src, work };
}

/** A ctl call with a hard timeout: before the fixes, these hung (code 124). A refused configuration exits 2, its errors on stderr. */
const ctl = (
  m: MountHandle,
  ...words: string[]
): Promise<{ code: number; stdout: string; stderr: string }> =>
  sh(`node "${CLI}" ctl "${m.mountpoint}" ${words.map((w) => `'${w}'`).join(' ')}`, {
    timeoutMs: 20_000,
  });

/** The mount still answers: a read through it, and `ctl status`. */
async function stillServing(m: MountHandle): Promise<void> {
  await expect(shOk(`cat "${m.mountpoint}/hello.txt"`, { timeoutMs: 10_000 })).resolves.toBe(
    'hello\n',
  );
  const status = await ctl(m, 'status');
  expect(status.code).toBe(0);
  expect((JSON.parse(status.stdout) as { layers: string[] }).layers).toEqual([]);
}

describe('ctl refuses what would wedge or deadlock the server, and the mount keeps serving', () => {
  it('set-config with a YAML alias bomb is a config error', async () => {
    const { m, work } = await mounted();
    writeFileSync(join(work, 'bomb.yaml'), aliasBomb());
    const r = await ctl(m, 'set-config', join(work, 'bomb.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('maxAliasCount 100');
    await stillServing(m);
  });

  it(`set-layers with more than ${MAX_LAYERS} layers is a config error naming the limit`, async () => {
    const { m } = await mounted();
    const r = await ctl(m, 'set-layers', Array(5000).fill('shuffle').join(','));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`has 5000 entries; at most ${MAX_LAYERS} accepted`);
    await stillServing(m);
  });

  it.each([
    ['directly', (mnt: string) => `${mnt}/rec.jsonl`],
    ['through a symlink to the mount', (mnt: string, work: string) => `${work}/into/rec.jsonl`],
    [
      'relative with ..',
      (mnt: string, work: string) => `${work}/../${mnt.split('/').pop()!}/rec.jsonl`,
    ],
  ])('set-layers record=<inside the mount> %s is refused', async (_, pathOf) => {
    const { m, src, work } = await mounted();
    symlinkSync(m.mountpoint, join(work, 'into'));
    const path = pathOf(m.mountpoint, work);
    const r = await ctl(m, 'set-layers', `record=${path}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('inside the mount being served');
    await stillServing(m);
    expect(existsSync(join(src, 'rec.jsonl'))).toBe(false);
  });

  it('set-config with a decision log inside the mount is refused', async () => {
    const { m, work } = await mounted();
    const config = `apiVersion: fs-interposer/v1\nkind: LayerStack\ndecisionLog: {path: ${m.mountpoint}/d.jsonl}\nlayers: [{type: fault, rate: 1}]\n`;
    writeFileSync(join(work, 'c.yaml'), config);
    const r = await ctl(m, 'set-config', join(work, 'c.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/decisionLog/path');
    await stillServing(m);
  });
});

describe('mount refuses a record file inside its own mount point', () => {
  it('--record MNT/FILE: exit 2 before mounting', async () => {
    const src = tempDir('ctlsafe-src');
    const mnt = tempDir('ctlsafe-mnt');
    cleanup.push(() => {
      forceUnmount(mnt);
      rmSync(src, { recursive: true, force: true });
      rmSync(mnt, { recursive: true, force: true });
    });
    const r = await sh(`exec node "${CLI}" mount --record "${mnt}/rec.jsonl" "${src}" "${mnt}"`, {
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${mnt}/rec.jsonl is inside the mount being served`);
    expect(findMount(mnt)).toBeUndefined();
    expect(existsSync(join(mnt, 'rec.jsonl'))).toBe(false);
  });
});
