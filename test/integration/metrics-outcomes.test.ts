import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { freePort, panelExpr, promqlEquals, scrape, total } from '../helpers/prometheus.js';
import type { Sample } from '../helpers/prometheus.js';
import { sh, shOk } from '../helpers/sh.js';

/**
 * A healthy `ls -l`, a lookup of a missing name and a read of an absent xattr: the filesystem
 * answered every one of them correctly, so the dashboard's error ratio must be 0 and the
 * negative answers must show up as expected outcomes (docs/adr/0078).
 */
jest.setTimeout(60_000);

describe('metrics on a real mount: expected answers are not failures', () => {
  const src = tempDir('outcome-src');
  let mount: MountHandle | undefined;
  let samples: Sample[] = [];

  beforeAll(async () => {
    mkdirSync(join(src, 'dir'));
    for (const name of ['a.txt', 'b.txt', 'dir/c.txt']) writeFileSync(join(src, name), name);
    const port = await freePort();
    mount = await startMount({
      source: src,
      args: ['--layers', 'metrics', '--metrics-port', String(port)],
    });
    const m = mount.mountpoint;
    await shOk(`ls -l "${m}" "${m}/dir" > /dev/null`);
    const missing = await sh(`ls "${m}/no-such-file"`);
    expect(missing.stderr).toContain('No such file or directory');
    const absent = await sh(`getfattr -n user.absent "${m}/a.txt"`);
    expect(absent.stderr).toContain('No such attribute');
    samples = await scrape(port);
  });

  afterAll(async () => {
    if (mount !== undefined) {
      await mount.stop();
      forceUnmount(mount.mountpoint);
    }
    rmSync(src, { recursive: true, force: true });
  });

  it('counts the negative lookup and the absent attribute as expected outcomes', () => {
    const expected = (op: string, errno: string) =>
      total(samples, 'fs_interposer_expected_errnos_total', { op, errno });
    expect(expected('lookup', 'ENOENT')).toBeGreaterThanOrEqual(1);
    expect(expected('getxattr', 'ENODATA')).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'fs_interposer_ops_total', { result: 'expected' })).toBe(
      total(samples, 'fs_interposer_expected_errnos_total'),
    );
  });

  it('shows no failure at all, and an error ratio of 0 as the dashboard computes it', async () => {
    const ops = total(samples, 'fs_interposer_ops_total');
    const failed = total(samples, 'fs_interposer_errors_total');
    expect({ ops: ops > 0, failed, ratio: failed / ops }).toEqual({
      ops: true,
      failed: 0,
      ratio: 0,
    });
    expect(total(samples, 'fs_interposer_ops_total', { result: 'error' })).toBe(0);
    const r = await promqlEquals(samples, panelExpr('Error ratio', '3m'), 0);
    expect(r.ok ? '' : r.output).toBe('');
  });
});
