import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { listMounts } from '../../src/fuse/index.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(60_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function mounted(): Promise<{ m: MountHandle; src: string }> {
  const src = tempDir('busy-src');
  writeFileSync(join(src, 'hello.txt'), 'hello\n');
  const m = await startMount({ source: src });
  cleanup.push(() => {
    forceUnmount(m.mountpoint);
    m.child.kill('SIGKILL');
    rmSync(src, { recursive: true, force: true });
  });
  return { m, src };
}

const mountsAt = (mountpoint: string): number =>
  listMounts().filter((x) => x.mountpoint === mountpoint).length;

/**
 * A second `mount` onto a live mount point must be refused however the mount point is spelled:
 * relative, with `..`, or through a symlinked parent. Before, a relative spelling skipped the busy
 * check, stacked a second mount, took over the first one's control socket and deleted it on exit.
 */
describe('a live mount point is busy however it is spelled', () => {
  const spellings: [string, (mnt: string, link: string) => { cwd: string; arg: string }][] = [
    ['relative to the cwd', (mnt) => ({ cwd: dirname(mnt), arg: basename(mnt) })],
    ['with ./ and ..', (mnt) => ({ cwd: mnt + '-cwd', arg: `../${basename(mnt)}/.` })],
    ['through a symlinked parent', (mnt, link) => ({ cwd: '/', arg: join(link, basename(mnt)) })],
    ['as a symlink to the mount point', (mnt) => ({ cwd: '/', arg: `${mnt}-self-link` })],
  ];

  it.each(spellings)('%s: exit 2, one mount, the control socket survives', async (_, spell) => {
    const { m, src } = await mounted();
    const link = `${m.mountpoint}-parent-link`;
    symlinkSync(dirname(m.mountpoint), link);
    symlinkSync(m.mountpoint, `${m.mountpoint}-self-link`);
    mkdirSync(`${m.mountpoint}-cwd`);
    cleanup.push(() => {
      rmSync(link, { force: true });
      rmSync(`${m.mountpoint}-self-link`, { force: true });
      rmSync(`${m.mountpoint}-cwd`, { recursive: true, force: true });
    });
    const socket = controlSocketPath(m.mountpoint);
    expect(existsSync(socket)).toBe(true);
    const { cwd, arg } = spell(m.mountpoint, link);
    const second = await sh(`exec node "${CLI}" mount "${src}" "${arg}"`, {
      cwd,
      timeoutMs: 20_000,
    });
    if (second.code === 124) forceUnmount(m.mountpoint);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`mount point ${m.mountpoint} is busy`);
    expect(mountsAt(m.mountpoint)).toBe(1);
    // The first mount is untouched: its socket answers and its files read.
    expect(existsSync(socket)).toBe(true);
    const status = JSON.parse(await shOk(`node "${CLI}" ctl "${m.mountpoint}" status`)) as {
      mountpoint: string;
    };
    expect(status.mountpoint).toBe(m.mountpoint);
    await expect(shOk(`cat "${m.mountpoint}/hello.txt"`)).resolves.toBe('hello\n');
    expect(await m.stop()).toBe(0);
  });
});
