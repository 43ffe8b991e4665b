/**
 * The driver's own names and the kubelet's; what it shares with the webhook and the sidecar is
 * the Pod contract (src/contract).
 */
export const CSI_SPEC_VERSION = '1.0.0';

/** Keys the kubelet adds to volume_context (CSIDriver podInfoOnMount: true, inline volumes). */
export const PodInfoKey = {
  name: 'csi.storage.k8s.io/pod.name',
  namespace: 'csi.storage.k8s.io/pod.namespace',
  uid: 'csi.storage.k8s.io/pod.uid',
  serviceAccount: 'csi.storage.k8s.io/serviceAccount.name',
  ephemeral: 'csi.storage.k8s.io/ephemeral',
} as const;

/** The type our mounts show in /proc/self/mountinfo (src/fuse/mount/mount.ts: subtype=fs-interposer). */
export const FS_TYPE = 'fuse.fs-interposer';

export const DEFAULT_KUBELET_ROOT = '/var/lib/kubelet';
export const DEFAULT_STATE_DIR = '/var/lib/fs-interposer/csi';

/** Host path of a Pod's emptyDir volume, under the kubelet root. */
export function emptyDirPath(kubeletRoot: string, podUid: string, volume: string): string {
  return `${kubeletRoot}/pods/${podUid}/volumes/kubernetes.io~empty-dir/${volume}`;
}
