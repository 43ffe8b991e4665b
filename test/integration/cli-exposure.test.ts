import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { findMount } from '../../src/fuse/index.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(60_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

function dirs(): { src: string; mnt: string; run: string } {
  const d = { src: tempDir('expo-src'), mnt: tempDir('expo-mnt'), run: tempDir('expo-run') };
  writeFileSync(join(d.src, 'hello.txt'), 'hello\n');
  cleanup.push(() => {
    forceUnmount(d.mnt);
    for (const p of Object.values(d)) rmSync(p, { recursive: true, force: true });
  });
  return d;
}

async function serve(
  d: { src: string; mnt: string },
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<MountHandle> {
  const m = await startMount({ source: d.src, mountpoint: d.mnt, args, env });
  cleanup.push(() => m.child.kill('SIGKILL'));
  return m;
}

/** The addresses (hex, as in /proc/net/tcp*) listening on TCP `port`. */
function listeners(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[1]?.endsWith(`:${hex}`) && c[3] === '0A')
      .map((c) => c[1]!.split(':')[0]!),
  );
}

const metricsUrl = (m: MountHandle): string => {
  const url = /"url":"(http:\/\/[^"]+)"/.exec(m.logs())?.[1];
  if (url === undefined) throw new Error(`no metrics url in the logs:\n${m.logs()}`);
  return url;
};

async function waitForUrl(m: MountHandle): Promise<string> {
  for (let i = 0; i < 100 && !m.logs().includes('"url"'); i++)
    await new Promise((r) => setTimeout(r, 50));
  return metricsUrl(m);
}

/** A `mount` that must be refused before mounting. */
async function refused(
  d: { src: string; mnt: string },
  env: Record<string, string>,
  pre = '',
): Promise<string> {
  const vars = Object.entries(env)
    .map(([k, v]) => `${k}="${v}" `)
    .join('');
  const r = await sh(`${pre}${vars}exec node "${CLI}" mount "${d.src}" "${d.mnt}"`, {
    timeoutMs: 10_000,
  });
  if (r.code === 124) forceUnmount(d.mnt);
  expect(r.code).toBe(2);
  expect(findMount(d.mnt)).toBeUndefined();
  return r.stderr;
}

describe('the metrics endpoint of a local mount', () => {
  it('listens on 127.0.0.1 only unless --metrics-host says otherwise', async () => {
    const d = dirs();
    const m = await serve(d, ['--layers', 'metrics', '--metrics-port', '0']);
    const url = await waitForUrl(m);
    const port = Number(new URL(url).port);
    expect(listeners(port)).toEqual(['0100007F']);
    expect(await m.stop()).toBe(0);
    const all = await serve(d, [
      '--layers',
      'metrics',
      '--metrics-port',
      '0',
      '--metrics-host',
      '0.0.0.0',
    ]);
    expect(listeners(Number(new URL(await waitForUrl(all)).port))).toEqual(['00000000']);
    expect(await all.stop()).toBe(0);
  });

  it('refuses a --metrics-host that is not an address or a host name', async () => {
    const d = dirs();
    const r = await sh(
      `node "${CLI}" mount --metrics-port 0 --metrics-host 'a b' "${d.src}" "${d.mnt}"`,
      { timeoutMs: 10_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--metrics-host: expected an IP address or a host name');
  });

  it.each([
    ['the mount point name by default', [] as string[], (mnt: string) => basename(mnt)],
    ['--volume-name when given', ['--volume-name', 'data'], () => 'data'],
  ])('labels the volume with %s, never a host path', async (_, extra, expected) => {
    const d = dirs();
    const m = await serve(d, ['--layers', 'metrics', '--metrics-port', '0', ...extra]);
    await shOk(`cat "${d.mnt}/hello.txt"`, { timeoutMs: 10_000 });
    const body = await shOk(`curl -sf "${await waitForUrl(m)}/metrics"`, { timeoutMs: 10_000 });
    expect(body).toContain(`fs_interposer_ops_total{volume="${expected(d.mnt)}"`);
    expect(body).not.toContain(d.src);
    expect(await m.stop()).toBe(0);
  });
});

describe('the control socket of a local mount', () => {
  it('is 0600 in a 0700 directory even under umask 000', async () => {
    const d = dirs();
    const run = join(d.run, 'fresh');
    const old = process.umask(0);
    let m: MountHandle;
    try {
      m = await serve(d, [], { FS_INTERPOSER_RUN_DIR: run });
    } finally {
      process.umask(old);
    }
    const socket = controlSocketPath(d.mnt, { FS_INTERPOSER_RUN_DIR: run });
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(run).mode & 0o777).toBe(0o700);
    expect(await m.stop()).toBe(0);
  });

  it.each([
    [
      'writable by others',
      (dir: string) => chmodSync(dir, 0o777),
      'is writable by its group or others (mode 0777)',
    ],
    [
      'writable by its group',
      (dir: string) => chmodSync(dir, 0o770),
      'is writable by its group or others (mode 0770)',
    ],
    [
      'owned by another user',
      (dir: string) => chownSync(dir, 65534, 65534),
      'is owned by uid 65534',
    ],
  ])('is refused in a directory %s', async (_, spoil, message) => {
    const d = dirs();
    const run = join(d.run, 'ctl');
    mkdirSync(run, { mode: 0o700 });
    spoil(run);
    const stderr = await refused(d, { FS_INTERPOSER_RUN_DIR: run });
    expect(stderr).toContain(`control socket directory ${run} ${message}`);
  });

  it('is refused inside the mount point', async () => {
    const d = dirs();
    const stderr = await refused(d, { FS_INTERPOSER_RUN_DIR: join(d.mnt, 'run') });
    expect(stderr).toContain('is inside the mount point');
  });
});
