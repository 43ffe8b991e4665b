import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, statSync, writeFileSync } from 'node:fs';
import { mountFuse, openDevFuse } from '../../src/fuse/mount/mount.js';
import { join } from 'node:path';
import { CLI, forceUnmount, tempDir } from './mount.js';
import type { MountHandle } from './mount.js';
import { sh } from './sh.js';
import type { ShResult } from './sh.js';

/**
 * Running servers and clients as another user (the root test process drops to it with setpriv):
 * how the sidecar runs in a Pod, with the app's uid and no capabilities, mounting through the
 * setuid fusermount3 helper.
 */
export interface User {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export function lookupUser(name: string): User {
  const id = (flag: string): number =>
    Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  if (!Number.isInteger(uid) || spawnSync('id', [name]).status !== 0)
    throw new Error(`no user ${name}`);
  return { name, uid, gid: id('-g') };
}

const setpriv = (u: User): string[] => [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Whether a user other than root can open /dev/fuse, as fusermount3 does with the caller's
 * filesystem credentials. Not on a machine without udev, where the device is crw------- root.
 */
export function usersCanOpenFuse(): boolean {
  return (statSync('/dev/fuse').mode & 0o006) === 0o006;
}

/**
 * Mount for `user` as a privileged parent does (mount.fuse3 -o drop_privileges, or our CSI
 * driver): root opens /dev/fuse and mounts it owned by the user; the server gets the connection
 * as fd 3 and serves `/dev/fd/3`.
 */
function brokeredMount(user: User, o: { source: string; mountpoint: string }): number {
  const fd = openDevFuse();
  try {
    mountFuse({
      fd,
      mountpoint: o.mountpoint,
      fsName: o.source,
      owner: { uid: user.uid, gid: user.gid },
    });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * `fs-interposer mount` as `user` in a child process (setpriv execs node, so the child's pid is
 * the server's). The mount point must be the user's: fusermount3 requires write access to it.
 * Where no user may open /dev/fuse, root mounts and hands the server the connection instead
 * (`brokeredMount`): the server is as unprivileged either way.
 * Without allow_other (which needs user_allow_other in /etc/fuse.conf) only `user` can use the
 * mount, root included, so every client command has to run as `user` too (`shAs`).
 */
export async function startMountAs(
  user: User,
  o: { source: string; mountpoint: string; args?: string[] },
): Promise<MountHandle> {
  const fd = usersCanOpenFuse() ? undefined : brokeredMount(user, o);
  const target = fd === undefined ? o.mountpoint : '/dev/fd/3';
  const child = spawn(
    'setpriv',
    [...setpriv(user), process.execPath, CLI, 'mount', ...(o.args ?? []), o.source, target],
    { stdio: ['ignore', 'pipe', 'pipe', ...(fd === undefined ? [] : [fd])] },
  );
  if (fd !== undefined) closeSync(fd); // the server holds the connection now
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => r((exitCode = code))),
  );
  const deadline = Date.now() + 15_000;
  while (!stdout.includes('serving ')) {
    if (exitCode !== undefined)
      throw new Error(`mount as ${user.name} exited with ${exitCode}:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      forceUnmount(o.mountpoint);
      throw new Error(`mount as ${user.name} did not come up in time:\n${stderr}`);
    }
    await sleep(25);
  }
  return {
    mountpoint: o.mountpoint,
    source: o.source,
    child,
    pid: child.pid!,
    logs: () => stderr,
    exited,
    async stop() {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
        // A brokered server only closes its connection: the mounting parent unmounts.
        if (fd !== undefined) forceUnmount(o.mountpoint);
        if (code !== 'timeout') return code;
        child.kill('SIGKILL');
      }
      forceUnmount(o.mountpoint); // root can abort any FUSE connection through fusectl
      return exited;
    },
  };
}

/** `sh`, but the script runs as `user` (from a file the user can read), HOME in a scratch dir. */
export async function shAs(
  user: User,
  script: string,
  o: { timeoutMs?: number } = {},
): Promise<ShResult> {
  const dir = tempDir('as-user');
  chmodSync(dir, 0o755);
  const file = join(dir, 'script.sh');
  writeFileSync(file, script, { mode: 0o644 });
  const home = join(dir, 'home');
  const r = await sh(
    `mkdir -m 777 "${home}" && exec setpriv ${setpriv(user).join(' ')} bash "${file}"`,
    {
      timeoutMs: o.timeoutMs ?? 60_000,
      env: { HOME: home },
    },
  );
  await sh(`rm -rf "${dir}"`, { timeoutMs: 10_000 });
  return r;
}
