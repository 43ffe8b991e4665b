import { closeSync, fstatSync } from 'node:fs';
import type { Logger } from 'pino';
import { fetchOffer } from '../handoff/client.js';
import { connectBeneath } from '../handoff/unix-socket.js';
import { custodySocketName } from '../contract/handoff-dir.js';
import { FS_TYPE } from './constants.js';
import type { Mounter } from './mounter.js';
import type { StateStore, VolumeState } from './state-store.js';
import type { VolumePublisher } from './volume-publisher.js';

/** /dev/fuse is char device 10:229 (the kernel's new_encode_dev of that pair). */
const DEV_FUSE_RDEV = (10 << 8) | 229;

export function isDevFuse(fd: number): boolean {
  const st = fstatSync(fd);
  return st.isCharacterDevice() && st.rdev === DEV_FUSE_RDEV;
}

export interface RecoverOptions {
  state: StateStore;
  publisher: VolumePublisher;
  mounter: Mounter;
  /** Opens the Pod's handoff dir (pod-dir.ts). */
  openPodDir: (podUid: string) => number;
  logger: Logger;
  timeoutMs?: number;
}

async function fetchFromSidecar(s: VolumeState, o: RecoverOptions): Promise<number[]> {
  const dirFd = o.openPodDir(s.podUid);
  try {
    const name = custodySocketName(s.sourceVolume);
    const { fds } = await fetchOffer({
      socketPath: name,
      connect: () => connectBeneath(dirFd, name),
      timeoutMs: o.timeoutMs ?? 2000,
    });
    // The Pod controls that socket: accept only FUSE device fds, and only as many as it says.
    if (!fds.every(isDevFuse)) {
      fds.forEach((fd) => closeSync(fd));
      throw new Error('the custody socket sent fds that are not /dev/fuse');
    }
    return fds;
  } finally {
    closeSync(dirFd);
  }
}

/**
 * After a driver restart: every persisted volume whose mount is still there is adopted again.
 * The fds come back from the sidecar supervisor's custody socket; if that fails the mount keeps
 * working (the sidecar holds its copies) and only the driver's extra copies are missing, which
 * matters only if the sidecar container restarts before the Pod ends (docs/csi.md).
 */
export async function recoverCustody(
  o: RecoverOptions,
): Promise<{ adopted: number; withFds: number; dropped: number; failed: number }> {
  const log = o.logger.child({ component: 'csi-recover' });
  let adopted = 0;
  let withFds = 0;
  let dropped = 0;
  let failed = 0;
  for (const s of await o.state.list()) {
    // Gone, or something else mounted there since: not ours to adopt (nor to unmount).
    if ((await o.mounter.mountType(s.targetPath)) !== FS_TYPE) {
      await o.state.remove(s.targetPath);
      dropped += 1;
      continue;
    }
    let fds: number[] = [];
    try {
      fds = await fetchFromSidecar(s, o);
      withFds += 1;
    } catch (err) {
      log.warn(
        { target: s.targetPath, err: (err as Error).message },
        'custody not re-acquired; the sidecar keeps serving',
      );
    }
    try {
      await o.publisher.adopt(s, fds);
      adopted += 1;
    } catch (err) {
      // Not served rather than served wider than first published (e.g. the Pod lookup failed).
      // The state stays: unpublish still knows the mount as ours.
      o.mounter.closeFds(fds);
      failed += 1;
      log.error(
        { target: s.targetPath, err: (err as Error).message },
        'volume not adopted: its handoff socket is not served until the Pod is re-created',
      );
    }
  }
  log.info({ adopted, withFds, dropped, failed }, 'custody recovery done');
  return { adopted, withFds, dropped, failed };
}
