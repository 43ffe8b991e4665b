import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findMount } from '../../src/fuse/index.js';
import { controlSocketPath } from '../../src/control/socket-path.js';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle, StartOptions } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(90_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function mount(o: Omit<StartOptions, 'mountpoint'>): Promise<MountHandle> {
  const m = await startMount(o);
  cleanup.push(() => {
    forceUnmount(m.mountpoint);
    m.child.kill('SIGKILL');
    rmSync(m.mountpoint, { recursive: true, force: true });
  });
  return m;
}

const cli = (args: string, env: NodeJS.ProcessEnv = {}) =>
  sh(`exec node "${CLI}" ${args}`, { env, timeoutMs: 60_000 });

interface Row {
  mountpoint: string;
  source: string;
  pid?: number;
  layers?: string[];
  socket: string;
  state: string;
}

describe('fs-interposer ls', () => {
  it('lists a running mount with its source, layers, pid and control socket', async () => {
    const src = tempDir('verbs-src');
    cleanup.push(() => rmSync(src, { recursive: true, force: true }));
    const m = await mount({ source: src, args: ['--layers', 'trace,latency=1ms'] });
    const json = await cli('ls --json');
    expect(json.code).toBe(0);
    const row = (JSON.parse(json.stdout) as Row[]).find((r) => r.mountpoint === m.mountpoint);
    expect(row).toEqual({
      mountpoint: m.mountpoint,
      source: src,
      uid: 0,
      pid: m.pid,
      layers: ['trace', 'latency'],
      socket: controlSocketPath(m.mountpoint),
      state: 'serving',
    });
    const text = await cli('ls');
    expect(text.stdout.split('\n')[0]).toMatch(/^MOUNTPOINT +SOURCE +LAYERS +PID +CONTROL SOCKET$/);
    const line = text.stdout.split('\n').find((l) => l.startsWith(`${m.mountpoint} `));
    expect(line?.split(/ +/)).toEqual([
      m.mountpoint,
      src,
      'trace,latency',
      String(m.pid),
      controlSocketPath(m.mountpoint),
    ]);
  });
});

describe('fs-interposer umount', () => {
  it('unmounts through the control socket: the server flushes its record and exits 0', async () => {
    const rec = join(tempDir('verbs-rec'), 'ops.jsonl');
    cleanup.push(() => rmSync(join(rec, '..'), { recursive: true, force: true }));
    const m = await mount({ source: 'memory:', args: ['--record', rec] });
    await shOk(`echo hello > "${m.mountpoint}/f"`);
    const r = await cli(`umount "${m.mountpoint}"`);
    expect([r.code, r.stderr]).toEqual([0, '']);
    // Returned only once the server had gone: the mount too, and the record is complete.
    expect(findMount(m.mountpoint)).toBeUndefined();
    expect(m.child.exitCode ?? (await m.exited)).toBe(0);
    expect(m.logs()).toContain('"reason":"umount"');
    expect(readFileSync(rec, 'utf8')).toContain('"op":"write"');
    expect(existsSync(controlSocketPath(m.mountpoint))).toBe(false);
  });

  it('a mount whose server is gone is unmounted by the kernel', async () => {
    const m = await mount({ source: 'memory:' });
    m.child.kill('SIGKILL');
    await m.exited;
    expect(findMount(m.mountpoint)?.fsType).toBe('fuse.fs-interposer');
    const r = await cli(`umount "${m.mountpoint}"`);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(findMount(m.mountpoint)).toBeUndefined();
  });

  it('refuses what is not an fs-interposer mount, exit 2', async () => {
    const dir = tempDir('verbs-plain');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const r = await cli(`umount "${dir}"`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${dir} is not a mount point; \`fs-interposer ls\` lists the running mounts`,
    );
    const proc = await cli('umount /proc');
    expect(proc.code).toBe(2);
    expect(proc.stderr).toContain('/proc is a proc mount, not an fs-interposer one');
  });
});

describe('fs-interposer validate', () => {
  it('exit 0 for a valid stack, with what it holds', async () => {
    const r = await cli(`validate --layers 'trace,quota=10Gi,latency=5ms..20ms'`);
    expect([r.code, r.stdout]).toEqual([
      0,
      'valid: 3 layer(s), outermost first: trace, quota, latency\n',
    ]);
    const json = await cli(`validate --json --layers 'quota=10Gi'`);
    expect(JSON.parse(json.stdout)).toMatchObject({
      layers: [{ type: 'quota', maxBytes: 10 * 2 ** 30 }],
    });
  });

  it('exit 2 with the same errors mount gives, and nothing is mounted', async () => {
    const mnt = tempDir('verbs-val');
    cleanup.push(() => rmSync(mnt, { recursive: true, force: true }));
    const spec = "'quota=100m,fault=EXX@1%'";
    const v = await cli(`validate --layers ${spec}`);
    const mnt2 = await cli(`mount --layers ${spec} memory: "${mnt}"`);
    expect([v.code, mnt2.code]).toEqual([2, 2]);
    const lines = (s: string) => s.split('\n').filter((l) => l.startsWith('  - '));
    expect(lines(v.stderr)).toEqual(lines(mnt2.stderr));
    expect(lines(v.stderr)).toHaveLength(2);
  });

  it('a config file: valid, invalid with its line, missing named', async () => {
    const dir = tempDir('verbs-cfg');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'ok.yaml'),
      'apiVersion: fs-interposer/v1\nkind: LayerStack\nlayers:\n  - type: quota\n    maxBytes: 512Mi\n',
    );
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: fs-interposer/v1\nkind: LayerStack\nlayers:\n  - type: quota\n    maxByte: 1\n',
    );
    expect((await cli(`validate --config "${join(dir, 'ok.yaml')}"`)).code).toBe(0);
    const bad = await cli(`validate --config "${join(dir, 'bad.yaml')}"`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      `unknown property 'maxByte' (at ${join(dir, 'bad.yaml')}:5 /layers/0/maxByte)`,
    );
    const missing = await cli(`validate --config "${join(dir, 'nope.yaml')}"`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--config ${join(dir, 'nope.yaml')}: no such file`);
  });
});

describe('mount options from the environment', () => {
  it('FS_INTERPOSER_LAYERS and FS_INTERPOSER_OPTIONS set the mount; a flag wins', async () => {
    const env = { FS_INTERPOSER_LAYERS: 'latency=1ms', FS_INTERPOSER_OPTIONS: 'ro' };
    const m = await mount({ source: 'memory:', env });
    const status = JSON.parse((await cli(`ctl "${m.mountpoint}" status`)).stdout) as {
      layers: string[];
    };
    expect(status.layers).toEqual(['latency']);
    const write = await sh(`echo x > "${m.mountpoint}/f"`);
    expect(write.stderr).toMatch(/Read-only file system/);
    expect(await m.stop()).toBe(0);

    const flagged = await mount({
      source: 'memory:',
      env,
      args: ['--layers', 'trace', '-o', 'rw'],
    });
    const s2 = JSON.parse((await cli(`ctl "${flagged.mountpoint}" status`)).stdout) as {
      layers: string[];
    };
    expect(s2.layers).toEqual(['trace']);
    await shOk(`echo x > "${flagged.mountpoint}/f"`);
    expect(await flagged.stop()).toBe(0);
  });

  it('a bad value is refused naming the variable, exit 2', async () => {
    const mnt = tempDir('verbs-env');
    cleanup.push(() => rmSync(mnt, { recursive: true, force: true }));
    const r = await cli(`mount memory: "${mnt}"`, { FS_INTERPOSER_METRICS_PORT: 'ninety' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'FS_INTERPOSER_METRICS_PORT: expected a port 0..65535, got "ninety"',
    );
  });
});
