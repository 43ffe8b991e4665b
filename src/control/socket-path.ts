import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONTROL_SOCKET_NAME } from '../contract/handoff-dir.js';

/**
 * Where a mount's control socket lives: one per mount point, found again from the mount point.
 * `uid` is the user who serves the mount (default: this process's), so that `fs-interposer ls`
 * run by root finds the sockets of mounts other users serve.
 */
export function controlSocketPath(
  mountpoint: string,
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.getuid?.() ?? 0,
): string {
  const dir = env.FS_INTERPOSER_RUN_DIR ?? (uid === 0 ? '/run/fs-interposer' : join(tmpdir(), `fs-interposer-${uid}`));
  const id = createHash('sha256').update(resolve(mountpoint)).digest('hex').slice(0, 16);
  return join(dir, `ctl-${id}.sock`);
}

/**
 * A sidecar volume's control socket, in its state directory in the handoff emptyDir (the
 * sidecar's root filesystem is read-only): /run/fs-interposer/VOLUME.state/ctl.sock in the Pod.
 */
export function sidecarControlSocket(stateDir: string): string {
  return join(stateDir, CONTROL_SOCKET_NAME);
}
