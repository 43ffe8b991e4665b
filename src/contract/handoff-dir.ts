/**
 * What lives in the handoff emptyDir (HANDOFF_VOLUME_NAME), per interposed volume, named by its
 * source volume: the driver and the sidecar meet there, and the kubectl plugin finds a volume's
 * control socket there.
 */
import { HANDOFF_MOUNT_PATH } from './pod.js';

/** The driver offers a volume's FUSE fds here. */
export const handoffSocketName = (sourceVolume: string): string => `${sourceVolume}.fuse.sock`;
/** The sidecar writes why it cannot serve a volume here; the driver surfaces it. */
export const sidecarErrorName = (sourceVolume: string): string => `${sourceVolume}.error`;
/** The sidecar supervisor offers its fds back here (driver restart: re-acquire custody). */
export const custodySocketName = (sourceVolume: string): string => `${sourceVolume}.custody.sock`;
/**
 * The driver writes this when every app container of the Pod has ended for good: the
 * regular-container sidecar then stops (it has no API access to see it itself).
 */
export const APPS_DONE_FILE = 'apps-done';
/** A volume's state: its journals and, by default, its control socket. */
export const volumeStateDirName = (sourceVolume: string): string => `${sourceVolume}.state`;
/** The control socket's name inside a volume's state dir. */
export const CONTROL_SOCKET_NAME = 'ctl.sock';
/** The sidecar's /metrics when the Pod shares the host's network (no port to pick safely). */
export const METRICS_SOCKET_NAME = 'metrics.sock';

/** Where a volume's control socket is inside the sidecar container. */
export function controlSocketInPod(sourceVolume: string): string {
  return `${HANDOFF_MOUNT_PATH}/${volumeStateDirName(sourceVolume)}/${CONTROL_SOCKET_NAME}`;
}
