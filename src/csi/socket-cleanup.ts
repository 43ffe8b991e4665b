import { lstat, mkdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { CsiError } from './csi-error.js';

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Before binding a gRPC unix socket: remove what a crashed predecessor left behind. A socket
 * that still answers belongs to a running instance (a second DaemonSet pod during a rollout):
 * refuse instead of stealing it. These paths are host directories of the kubelet, not Pod-writable.
 */
export async function prepareSocketPath(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket())
    throw new CsiError('FAILED_PRECONDITION', `${path} exists and is not a socket`);
  if (await answers(path))
    throw new CsiError('FAILED_PRECONDITION', `${path}: another driver instance is serving`);
  await rm(path, { force: true });
}
