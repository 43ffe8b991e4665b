/**
 * The Pod contract: every name the webhook writes into a Pod and the CSI driver, the sidecar and
 * the kubectl plugin read back from it, spelled once. The chart's templates spell the same label
 * and annotation keys (docs/annotations.md is the user-facing reference).
 */

/** Annotation prefix; every key of `Annotations` starts with it. */
export const ANNOTATION_PREFIX = 'fs-interposer/';

export const Annotations = {
  /** Layer spec for every selected volume (compact grammar, src/config). */
  layers: 'fs-interposer/layers',
  /** Prefix of the per-volume override `fs-interposer/layers.<volume>`. */
  layersForVolumePrefix: 'fs-interposer/layers.',
  /**
   * Prefix of `fs-interposer/backend.<volume>`: passthrough (the PV), memory[=SIZE] or null for
   * scratch and sink volumes (webhook/backends.ts).
   */
  backendForVolumePrefix: 'fs-interposer/backend.',
  /**
   * Prefix of `fs-interposer/cache.<volume>`: `exclusive` declares that nothing but this Pod
   * writes the volume (the kernel keeps its page cache and entries), `default` keeps the safe
   * policy even on a ReadWriteOncePod claim (src/contract/cache-policy.ts).
   */
  cacheForVolumePrefix: 'fs-interposer/cache.',
  /** Comma-separated volume names to interpose (default: every PVC volume). */
  volumes: 'fs-interposer/volumes',
  /** ConfigMap (same namespace) holding the full configuration file. */
  config: 'fs-interposer/config',
  /** `native` | `regular` | `auto`: force or let the webhook pick the sidecar kind. */
  sidecarMode: 'fs-interposer/sidecar-mode',
  /** Sidecar image override; honoured only if it is on the allow-list. */
  image: 'fs-interposer/image',
  cpuRequest: 'fs-interposer/cpu-request',
  cpuLimit: 'fs-interposer/cpu-limit',
  memoryRequest: 'fs-interposer/memory-request',
  memoryLimit: 'fs-interposer/memory-limit',
  /**
   * `privileged`: opt in to the identity with CHOWN/DAC_OVERRIDE/FOWNER/SETUID/SETGID for Pods
   * that run as root or mix users (docs/adr/0031-sidecar-identity.md).
   */
  identity: 'fs-interposer/identity',
  /** `false`: this Pod opts out of its namespace's default layers (like istio's inject: "false"). */
  inject: 'fs-interposer/inject',
  /** Written by the webhook: marks an injected Pod (value: the injected volume names). */
  injected: 'fs-interposer/injected',
  /** Written by the webhook: why a Pod or a volume was not interposed. */
  skipped: 'fs-interposer/skipped',
  /**
   * Written by the webhook: its signature on the sidecar and the inline volumes it injected; the
   * CSI driver serves only Pods that carry a valid one (docs/adr/0077-pod-provenance.md).
   */
  provenance: 'fs-interposer/provenance',
} as const;

/** The layer spec for one volume: its own override first, then the Pod-wide one. */
export function layerSpecFor(
  annotations: ReadonlyMap<string, string>,
  volume: string,
): string | undefined {
  return (
    annotations.get(`${Annotations.layersForVolumePrefix}${volume}`) ??
    annotations.get(Annotations.layers)
  );
}

/**
 * Pod label the webhook sets on every injected Pod: the chart's PodMonitor and the dashboard
 * select on it (a label, because selectors cannot match annotations).
 */
export const INJECTED_LABEL = 'fs-interposer.dev/injected';
export const INJECTED_LABEL_VALUE = 'true';

/** Namespace label that opts a namespace in (matched by the webhook configuration's selector). */
export const INJECTION_LABEL = 'fs-interposer/injection';
export const INJECTION_LABEL_VALUE = 'enabled';
/** Namespace annotation with default layers for every opted-in Pod of that namespace. */
export const NAMESPACE_DEFAULT_LAYERS = 'fs-interposer/default-layers';

/** Written on injected Pods: their interposed volumes hold no data the autoscaler must keep. */
export const SAFE_TO_EVICT_LOCAL_VOLUMES = 'cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes';

/** The CSI driver the inline volumes name (the chart's CSIDriver object). */
export const CSI_DRIVER_NAME = 'csi.fs-interposer.dev';

/** Keys of the CSI inline volume's volumeAttributes (the driver reads them as volume_context). */
export const VolumeAttributes = {
  sourceVolume: 'fs-interposer.dev/source-volume',
  layers: 'fs-interposer.dev/layers',
  config: 'fs-interposer.dev/config',
  /** `memory` or `null`: the sidecar holds the data itself (absent: passthrough over the PV). */
  backend: 'fs-interposer.dev/backend',
} as const;

export const SIDECAR_CONTAINER_NAME = 'fs-interposer';
/** emptyDir shared by the driver (fd handoff socket) and the sidecar. */
export const HANDOFF_VOLUME_NAME = 'fs-interposer-handoff';
export const HANDOFF_MOUNT_PATH = '/run/fs-interposer';
/** Where the sidecar's record layers write (its only writable space is the handoff emptyDir). */
export const RECORD_DIR = `${HANDOFF_MOUNT_PATH}/record`;
/** Downward API volume with the Pod's annotations, for live reconfiguration. */
export const PODINFO_VOLUME_NAME = 'fs-interposer-podinfo';
export const PODINFO_MOUNT_PATH = '/etc/fs-interposer/podinfo';
/** The ConfigMap named by `fs-interposer/config`, mounted into the sidecar only. */
export const CONFIG_VOLUME_NAME = 'fs-interposer-config';
export const CONFIG_MOUNT_PATH = '/etc/fs-interposer/config';
/** The key of that ConfigMap holding the configuration file (YAML or JSON). */
export const CONFIG_FILE_KEY = 'config.yaml';
/** Where the sidecar sees each source PVC: `${SOURCE_MOUNT_ROOT}/<volume>`. */
export const SOURCE_MOUNT_ROOT = '/var/lib/fs-interposer/volumes';
/** Prefix of the CSI inline volumes that replace the app's PVC volumes. */
export const INTERPOSED_VOLUME_PREFIX = 'fsi-';

/** Default metrics port of the sidecar; hostNetwork Pods get a port chosen to avoid clashes. */
export const SIDECAR_METRICS_PORT = 9464;
export const SIDECAR_METRICS_PORT_NAME = 'fsi-metrics';
