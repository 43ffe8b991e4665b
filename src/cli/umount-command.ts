import { sendControl } from '../control/control-client.js';
import { canonicalMountpoint, findMount, unmountFuse } from '../fuse/index.js';
import type { ParsedCommand } from './parse-command.js';
import { FUSE_TYPE, listRunningMounts } from './running-mounts.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './usage-error.js';

const WAIT_MS = 30_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

type Outcome = 'gone' | 'detached' | 'mounted';

/**
 * Until the mount is gone and its server (when we know it) has exited, its layers flushed.
 * `detached`: the server found files open, detached the mount and serves them until they close.
 */
async function settle(mountpoint: string, pid: number | undefined): Promise<Outcome> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const mounted = findMount(mountpoint) !== undefined;
    if (!mounted && (pid === undefined || !alive(pid))) return 'gone';
    if (Date.now() > deadline) return mounted ? 'mounted' : 'detached';
    await sleep(50);
  }
}

function report(mountpoint: string, pid: number | undefined, outcome: Outcome): number {
  if (outcome === 'gone') return EXIT_OK;
  if (outcome === 'detached') {
    process.stderr.write(
      `fs-interposer umount: ${mountpoint} is detached; its server (pid ${pid}) exits once the files still open in it are closed\n`,
    );
    return EXIT_OK;
  }
  process.stderr.write(
    `fs-interposer umount: ${mountpoint} is still mounted after ${WAIT_MS / 1000} s\n`,
  );
  return EXIT_FAILURE;
}

/** Without a server that answers: the kernel unmount (umount2 as root, else fusermount3 -u). */
function unmountDirectly(mountpoint: string, lazy: boolean): number {
  try {
    unmountFuse(mountpoint, { lazy });
    return EXIT_OK;
  } catch (err) {
    const busy = /EBUSY|busy/i.test((err as Error).message);
    process.stderr.write(
      `fs-interposer umount: ${mountpoint}: ${(err as Error).message}` +
        (busy && !lazy
          ? '\n(files are open in it: close them, or detach it now with --lazy)\n'
          : '\n'),
    );
    return EXIT_FAILURE;
  }
}

/**
 * `fs-interposer umount MOUNTPOINT`: a clean unmount. A server that answers its control socket
 * unmounts itself, as on SIGTERM (its layers flush, its record closes) and we wait until it has
 * exited; a mount whose server is gone or hung is unmounted by the kernel.
 */
export async function runUmountCommand(p: ParsedCommand): Promise<number> {
  const [arg, extra] = p.positionals;
  if (arg === undefined) throw new UsageError('umount needs a MOUNTPOINT', 'umount');
  if (extra !== undefined)
    throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`, 'umount');
  const mountpoint = canonicalMountpoint(arg);
  const mount = findMount(mountpoint);
  if (mount === undefined)
    throw new UsageError(
      `${mountpoint} is not a mount point; \`fs-interposer ls\` lists the running mounts`,
      'umount',
    );
  if (mount.fsType !== FUSE_TYPE) {
    throw new UsageError(
      `${mountpoint} is a ${mount.fsType} mount, not an fs-interposer one: use umount(8)`,
      'umount',
    );
  }
  const lazy = p.values.lazy === true;
  const [running] = await listRunningMounts({
    mounts: [mount],
    send: (s, r) => sendControl(s, r, 2000),
  });
  if (running?.state === 'serving' && !lazy) {
    const res = await sendControl(running.socket, { command: 'unmount' }).catch(() => undefined);
    if (res?.ok === true)
      return report(mountpoint, running.pid, await settle(mountpoint, running.pid));
  }
  const code = unmountDirectly(mountpoint, lazy);
  return code === EXIT_OK
    ? report(mountpoint, undefined, await settle(mountpoint, undefined))
    : code;
}
