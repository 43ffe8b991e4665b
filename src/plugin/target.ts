import { controlSocketInPod } from '../contract/handoff-dir.js';
import {
  CSI_DRIVER_NAME,
  INJECTION_LABEL,
  INJECTION_LABEL_VALUE,
  SIDECAR_CONTAINER_NAME,
  VolumeAttributes,
} from '../contract/pod.js';

/** The parts of a Pod the plugin reads (as the API returns it). */
export interface PodView {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    containers?: { name: string }[];
    initContainers?: { name: string }[];
    volumes?: {
      name: string;
      csi?: { driver: string; volumeAttributes?: Record<string, string> };
    }[];
  };
}

export interface Target {
  namespace: string;
  pod: string;
  container: string;
  volume: string;
  /** The volume's control socket inside the sidecar container. */
  socket: string;
}

/** The interposed volumes of a Pod, by the name the app gave them. */
export function interposedVolumes(pod: PodView): string[] {
  return (pod.spec?.volumes ?? [])
    .filter((v) => v.csi?.driver === CSI_DRIVER_NAME)
    .map((v) => v.csi?.volumeAttributes?.[VolumeAttributes.sourceVolume] ?? v.name);
}

/**
 * The sidecar container and the volume to drive, or an error naming the Pod, the container and
 * the volumes there are to choose from.
 */
export function resolveTarget(
  pod: PodView,
  want: { volume?: string; container?: string },
): Target | string {
  const ns = pod.metadata?.namespace ?? 'default';
  const name = `${ns}/${pod.metadata?.name ?? '?'}`;
  const container = want.container ?? SIDECAR_CONTAINER_NAME;
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  if (!all.some((c) => c.name === container)) {
    return `Pod ${name} has no container ${container}: it was not injected by fs-interposer (is its namespace labelled ${INJECTION_LABEL}=${INJECTION_LABEL_VALUE} and the Pod annotated?)`;
  }
  const volumes = interposedVolumes(pod);
  if (volumes.length === 0) return `Pod ${name} has no volume served by ${CSI_DRIVER_NAME}`;
  let volume = want.volume;
  if (volume === undefined) {
    if (volumes.length > 1)
      return `Pod ${name} interposes ${volumes.join(', ')}: choose one with --volume`;
    volume = volumes[0]!;
  } else if (!volumes.includes(volume)) {
    return `Pod ${name} has no interposed volume ${volume}; its interposed volumes: ${volumes.join(', ')}`;
  }
  return {
    namespace: ns,
    pod: pod.metadata?.name ?? '',
    container,
    volume,
    socket: controlSocketInPod(volume),
  };
}
