import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { findMount } from '../../src/fuse/index.js';
import { CLI, forceUnmount, startMount, tempDir } from '../helpers/mount.js';
import type { MountHandle } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';
import { lookupUser, startMountAs, usersCanOpenFuse } from '../helpers/apps-user.js';

jest.setTimeout(60_000);

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function mounted(): Promise<{ m: MountHandle; src: string }> {
  const src = tempDir('src');
  writeFileSync(join(src, 'hello.txt'), 'hello\n');
  const m = await startMount({ source: src });
  cleanup.push(() => {
    forceUnmount(m.mountpoint);
    m.child.kill('SIGKILL');
    rmSync(src, { recursive: true, force: true });
  });
  return { m, src };
}

/** A 0755 dir with a source (one file) and a mount point owned by uid 65534, removed after the test. */
function userDirs(): string {
  const dir = tempDir('user');
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'm'));
  writeFileSync(join(dir, 'src', 'f'), 'as nobody\n');
  spawnSync('sh', ['-c', `chmod 755 "${dir}" && chown -R 65534:65534 "${dir}/src" "${dir}/m"`]);
  cleanup.push(() => {
    forceUnmount(`${dir}/m`);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe('mount lifecycle', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('unmounts cleanly on %s and exits 0', async (signal) => {
    const { m } = await mounted();
    await expect(shOk(`cat "${m.mountpoint}/hello.txt"`)).resolves.toBe('hello\n');
    m.child.kill(signal);
    await expect(m.exited).resolves.toBe(0);
    expect(findMount(m.mountpoint)).toBeUndefined();
  });

  it('exits 0 when the mount is removed from outside', async () => {
    const { m } = await mounted();
    await shOk(`umount "${m.mountpoint}"`);
    await expect(m.exited).resolves.toBe(0);
    expect(m.logs()).toContain('unmounted from outside');
  });

  it('keeps serving after a client is killed in the middle of a read', async () => {
    const { m, src } = await mounted();
    await shOk(`head -c 200M /dev/zero > "${src}/big"`);
    // A reader killed mid-stream leaves interrupted requests behind; the server must not care.
    await sh(`timeout -s KILL 0.3 cat "${m.mountpoint}/big" > /dev/null`, { timeoutMs: 10_000 });
    await sh(`timeout -s KILL 0.3 dd if="${m.mountpoint}/big" of=/dev/null bs=4k`, {
      timeoutMs: 10_000,
    });
    const out = await shOk(`cmp "${m.mountpoint}/big" "${src}/big" && echo same`, {
      timeoutMs: 30_000,
    });
    expect(out.trim()).toBe('same');
    expect(m.child.exitCode).toBeNull();
    expect(await m.stop()).toBe(0);
  });

  it('detaches lazily when busy at SIGTERM and keeps open files working until closed', async () => {
    const { m } = await mounted();
    // Hold the file open from a child, SIGTERM the server, then read through the open fd.
    const r = sh(`exec 3<"${m.mountpoint}/hello.txt"; sleep 1.5; cat <&3`, { timeoutMs: 20_000 });
    await new Promise((res) => setTimeout(res, 500));
    m.child.kill('SIGTERM');
    expect((await r).stdout).toBe('hello\n');
    await expect(m.exited).resolves.toBe(0);
    expect(findMount(m.mountpoint)).toBeUndefined();
  });
});

describe('mount errors are clear', () => {
  const run = (args: string): Promise<{ code: number; stderr: string }> =>
    sh(`node "${CLI}" ${args}`, { timeoutMs: 20_000 });

  it('reports a missing source and a missing mount point together', async () => {
    const r = await run('mount /nonexistent/src /nonexistent/mnt');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('source /nonexistent/src does not exist');
    expect(r.stderr).toContain('mount point /nonexistent/mnt does not exist');
  });

  it('refuses a mount point that is already mounted', async () => {
    const { m } = await mounted();
    const src = tempDir('src2');
    cleanup.push(() => rmSync(src, { recursive: true, force: true }));
    const r = await run(`mount "${src}" "${m.mountpoint}"`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is busy: already a fuse.fs-interposer mount/);
  });

  it('names the accepted -o options', async () => {
    const dir = tempDir('x');
    mkdirSync(join(dir, 'm'));
    const r = await run(`mount -o bogus "${dir}" "${dir}/m"`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-o bogus: unknown option; accepted: ro, rw, allow_other/);
  });

  it('prints help and version', async () => {
    const help = await sh(`node "${CLI}" --help`);
    expect(help.code).toBe(0);
    const version = await sh(`node "${CLI}" --version`);
    expect(version.stdout).toMatch(/^fs-interposer \d+\.\d+\.\d+ \(node v26\./);
  });

  // fusermount3 opens /dev/fuse with the caller's credentials: this case needs a device users
  // may open (udev's 0666); the root-only device of a container without udev is the next case.
  (usersCanOpenFuse() ? it : it.skip)(
    'mounts as an unprivileged user through fusermount3 and unmounts on SIGTERM',
    async () => {
      const dir = userDirs();
      const out = await shOk(
        `setpriv --reuid=65534 --regid=65534 --clear-groups node "${CLI}" mount "${dir}/src" "${dir}/m" > "${dir}/out" 2> "${dir}/err" &
         pid=$!
         for i in $(seq 1 100); do grep -q serving "${dir}/out" 2>/dev/null && break; sleep 0.1; done
         grep " ${dir}/m " /proc/self/mountinfo | grep -o 'fuse[.a-z-]*'
         setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'cat "${dir}/m/f"; echo new > "${dir}/m/g"'
         stat -c %u "${dir}/src/g"
         kill -TERM $pid; wait $pid; echo "exit $?"
         grep -c " ${dir}/m " /proc/self/mountinfo || true`,
        { timeoutMs: 30_000 },
      );
      expect(out.trim().split('\n')).toEqual([
        'fuse.fs-interposer',
        'as nobody',
        '65534',
        'exit 0',
        '0',
      ]);
    },
  );

  (usersCanOpenFuse() ? it.skip : it)(
    'with a root-only /dev/fuse: a user mount says why and how, and the user serves a connection root mounted (/dev/fd/N)',
    async () => {
      const dir = userDirs();
      const refused = await sh(
        `setpriv --reuid=65534 --regid=65534 --clear-groups node "${CLI}" mount "${dir}/src" "${dir}/m"`,
        { timeoutMs: 30_000 },
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/fusermount3 cannot open \/dev\/fuse for this user/);
      expect(refused.stderr).toMatch(/\/dev\/fd\/N/);
      const nobody = lookupUser('nobody');
      const m = await startMountAs(nobody, { source: `${dir}/src`, mountpoint: `${dir}/m` });
      const out = await shOk(
        `grep " ${dir}/m " /proc/self/mountinfo | grep -o 'fuse[.a-z-]*'
         setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'cat "${dir}/m/f"; echo new > "${dir}/m/g"'
         stat -c %u "${dir}/src/g"`,
        { timeoutMs: 30_000 },
      );
      expect(out.trim().split('\n')).toEqual(['fuse.fs-interposer', 'as nobody', '65534']);
      expect(m.logs()).toMatch(/"readers":\d/);
      expect(await m.stop()).toBe(0);
      // A fd that is not a FUSE connection is refused before anything starts.
      const bogus = await sh(`node "${CLI}" mount "${dir}/src" /dev/fd/0 < /dev/null`, {
        timeoutMs: 30_000,
      });
      expect(bogus.code).toBe(2);
      expect(bogus.stderr).toMatch(/\/dev\/fd\/0 is not a \/dev\/fuse descriptor/);
    },
  );
});

describe('shutdown with a trace layer and no collector', () => {
  it('still exits 0 after a clean unmount (the failed flush is a warning)', async () => {
    const src = tempDir('trace');
    const m = await startMount({
      source: src,
      args: ['--layers', 'trace'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
    });
    cleanup.push(() => {
      forceUnmount(m.mountpoint);
      rmSync(src, { recursive: true, force: true });
    });
    await shOk(`echo x > "${m.mountpoint}/a" && cat "${m.mountpoint}/a"`);
    expect(await m.stop()).toBe(0);
  });
});
