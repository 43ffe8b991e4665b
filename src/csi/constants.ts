/**
 * Names the CSI driver shares with the webhook (which writes them into Pods) and the sidecar.
 * The values mirror src/webhook/constants.ts (CSI_DRIVER_NAME, VolumeAttributes,
 * SIDECAR_CONTAINER_NAME, HANDOFF_VOLUME_NAME); kept here so the driver imports nothing from
 * src/webhook, and a unit test pins them to each other.
 */
export const DRIVER_NAME = 'csi.fs-interposer.dev';
export const CSI_SPEC_VERSION = '1.0.0';

/** volumeAttributes written by the webhook. */
export const VolumeAttr = {
  sourceVolume: 'fs-interposer.dev/source-volume',
  layers: 'fs-interposer.dev/layers',
  config: 'fs-interposer.dev/config',
  /** `memory` or `null`: the sidecar holds the data itself (absent: passthrough over the PV). */
  backend: 'fs-interposer.dev/backend',
} as const;

/** Keys the kubelet adds to volume_context (CSIDriver podInfoOnMount: true, inline volumes). */
export const PodInfoKey = {
  name: 'csi.storage.k8s.io/pod.name',
  namespace: 'csi.storage.k8s.io/pod.namespace',
  uid: 'csi.storage.k8s.io/pod.uid',
  serviceAccount: 'csi.storage.k8s.io/serviceAccount.name',
  ephemeral: 'csi.storage.k8s.io/ephemeral',
} as const;

export const SIDECAR_CONTAINER_NAME = 'fs-interposer';
/** The Pod's emptyDir where the driver offers the fds (the sidecar mounts it). */
export const HANDOFF_VOLUME_NAME = 'fs-interposer-handoff';

/** Inside the handoff emptyDir, per interposed volume (named by its source volume). */
export const handoffSocketName = (sourceVolume: string): string => `${sourceVolume}.fuse.sock`;
/** The sidecar writes why it cannot serve a volume here; the driver surfaces it. */
export const sidecarErrorName = (sourceVolume: string): string => `${sourceVolume}.error`;
/** The sidecar supervisor offers its fds back here (driver restart: re-acquire custody). */
export const custodySocketName = (sourceVolume: string): string => `${sourceVolume}.custody.sock`;

/**
 * The driver writes this into the handoff dir when every app container of the Pod has ended for
 * good: the regular-container sidecar then stops (it has no API access to see it itself).
 */
export const APPS_DONE_FILE = 'apps-done';

/** The type our mounts show in /proc/self/mountinfo (src/fuse/mount.ts: subtype=fs-interposer). */
export const FS_TYPE = 'fuse.fs-interposer';

export const DEFAULT_KUBELET_ROOT = '/var/lib/kubelet';
export const DEFAULT_STATE_DIR = '/var/lib/fs-interposer/csi';

/** Host path of a Pod's emptyDir volume, under the kubelet root. */
export function emptyDirPath(kubeletRoot: string, podUid: string, volume: string): string {
  return `${kubeletRoot}/pods/${podUid}/volumes/kubernetes.io~empty-dir/${volume}`;
}
