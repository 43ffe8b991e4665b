// What an injected Pod's volume can be, through real mounts served by the real unprivileged
// sidecar (csi-rig.ts): a bare `record` that writes into the handoff emptyDir, memory and null
// backends, and a configuration the sidecar cannot run, which fails every request instead of
// being served with fewer layers, until a valid one arrives.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, shOk } from '../helpers/sh.js';
import { makeRig, publish, startSidecar, teardown } from './csi-rig.js';
import type { Rig } from './csi-rig.js';

jest.setTimeout(120_000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const NOBODY = { uid: 65534, gid: 65534 };

async function served(r: Rig, layers: string, env: Record<string, string> = {}): Promise<void> {
  writeFileSync(join(r.root, 'podinfo', 'annotations'), `fs-interposer/layers=${JSON.stringify(layers)}\n`);
  // The webhook writes the backend into the volume's attributes too: the driver mounts for it.
  const backend = /^data=(memory|null)/.exec(env.FS_INTERPOSER_BACKENDS ?? '')?.[1];
  await publish(r, backend === undefined ? {} : { 'fs-interposer.dev/backend': backend });
  startSidecar(r, NOBODY, env);
  // The first request waits for the sidecar to take the fds: a stat of the root answers then.
  await sh(`stat "${r.target}" >/dev/null`, { timeoutMs: 20_000 });
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const v = await probe();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('injected volumes in a Pod (real mounts, real sidecar)', () => {
  let rig: Rig | undefined;
  afterEach(() => {
    teardown(rig);
    rig = undefined;
  });
  const logs = (): string => rig?.sidecar?.logs() ?? '';

  it('a bare record writes every operation to <handoff>/record/<volume>.jsonl', async () => {
    const r = (rig = makeRig());
    await served(r, 'metrics,record');
    await shOk(`echo recorded > "${r.target}/rec.txt" && cat "${r.target}/rec.txt"`, { timeoutMs: 20_000 }).catch((e: Error) => {
      throw new Error(`${e.message}\n--- sidecar\n${logs()}`);
    });
    const file = join(r.handoff, 'record', 'data.jsonl');
    // The record layer writes in 64 KiB chunks or on its flush interval.
    const text = await waitFor('the record file', () => {
      const t = existsSync(file) ? readFileSync(file, 'utf8') : '';
      return t.includes('/rec.txt') ? t : undefined;
    });
    expect(text).toMatch(/"op":"create".*"\/rec.txt"|"\/rec.txt".*"op":"create"/);
    expect(statSync(file).uid).toBe(NOBODY.uid); // written by the sidecar, in its own space
  });

  it('a configuration the sidecar cannot run fails every request, says why, and recovers on a valid edit', async () => {
    const r = (rig = makeRig());
    await served(r, 'metrics,record=/etc/rec.jsonl');
    const ls = await sh(`ls "${r.target}"`, { timeoutMs: 20_000 });
    expect({ code: ls.code, stderr: ls.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('Input/output error') });
    // The mount point itself stays a directory: the container runtime stats it before it starts
    // the app (an EIO there kept the app container from starting at all).
    expect(await shOk(`stat -c %F "${r.target}"`, { timeoutMs: 10_000 })).toBe('directory\n');
    const error = readFileSync(join(r.handoff, 'data.error'), 'utf8');
    expect(error).toMatch(/^volume not served \(every request fails with EIO\): invalid layer configuration: .*record path "\/etc\/rec.jsonl" is not writable in the sidecar/);
    expect(logs()).toContain('volume not served');
    // A live edit (the kubelet rewrites the downward API file) brings the volume to life.
    writeFileSync(join(r.root, 'podinfo', 'annotations'), 'fs-interposer/layers="metrics"\n');
    const listing = await waitFor('the volume to be served', async () => {
      const again = await sh(`ls "${r.target}"`, { timeoutMs: 10_000 });
      return again.code === 0 ? again.stdout : undefined;
    });
    expect(listing).toContain('hello.txt');
    expect(existsSync(join(r.handoff, 'data.error'))).toBe(false);
  });

  it('a ConfigMap with a pids scope is refused, and an edit of the file (as the kubelet makes it) brings the volume to life', async () => {
    const r = (rig = makeRig());
    const configDir = join(r.root, 'config');
    mkdirSync(configDir);
    const file = join(configDir, 'config.yaml');
    const config = (scope: string) =>
      writeFileSync(file, ['apiVersion: fs-interposer/v1', 'kind: LayerStack', 'layers:', `  - {type: latency, read: {fixed: 1ms}, scope: ${scope}}`].join('\n'));
    config('{pids: [1]}');
    chmodSync(configDir, 0o755);
    await served(r, '', { FS_INTERPOSER_CONFIG_FILE: file });
    const ls = await sh(`ls "${r.target}"`, { timeoutMs: 20_000 });
    expect(ls.stderr).toContain('Input/output error');
    expect(readFileSync(join(r.handoff, 'data.error'), 'utf8')).toContain('scope.pids never matches in a Pod');
    config('{uids: [0]}');
    await waitFor('the volume to be served', async () => ((await sh(`ls "${r.target}"`, { timeoutMs: 10_000 })).code === 0 ? true : undefined));
    expect(existsSync(join(r.handoff, 'data.error'))).toBe(false);
  });

  it('memory: a scratch volume in the sidecar, never on the PV, bounded by its size', async () => {
    const r = (rig = makeRig());
    await served(r, 'metrics', { FS_INTERPOSER_BACKENDS: `data=memory:${2 * 2 ** 20}` });
    const ls = await shOk(`ls -A "${r.target}"`, { timeoutMs: 20_000 });
    expect(ls).toBe(''); // the PV's hello.txt is not there: this is not the PV
    await shOk(`echo scratch > "${r.target}/s.txt" && cat "${r.target}/s.txt"`);
    expect(readdirSync(r.source)).toEqual(['hello.txt']);
    const big = await sh(`dd if=/dev/zero of="${r.target}/big" bs=1M count=4 2>&1`, { timeoutMs: 20_000 });
    expect(big.code).not.toBe(0);
    expect(big.stdout).toContain('No space left on device');
  });

  it('null: a sink that takes every write, keeps the size and returns zeros', async () => {
    const r = (rig = makeRig());
    await served(r, 'metrics', { FS_INTERPOSER_BACKENDS: 'data=null' });
    await shOk(`head -c 1048576 /dev/urandom > "${r.target}/sink.bin"`, { timeoutMs: 20_000 });
    expect(await shOk(`stat -c %s "${r.target}/sink.bin"`)).toBe('1048576\n');
    expect(await shOk(`tr -d '\\0' < "${r.target}/sink.bin" | wc -c`)).toBe('0\n');
    expect(readdirSync(r.source)).toEqual(['hello.txt']);
  });
});
