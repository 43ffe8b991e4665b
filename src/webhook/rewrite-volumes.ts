/**
 * Moves the app's mounts of each selected volume onto a CSI inline volume of our driver (served
 * by the sidecar), and adds the sidecar's own volumes. The original PVC volume stays in the Pod:
 * only the sidecar (and, in the fallback mode, the init containers) mounts it.
 */
import { createHash } from 'node:crypto';
import {
  CONFIG_FILE_KEY, CONFIG_VOLUME_NAME, HANDOFF_VOLUME_NAME, INTERPOSED_VOLUME_PREFIX, PODINFO_VOLUME_NAME, VolumeAttributes,
} from '../contract/pod.js';
import type { Container, Volume } from './pod-types.js';
import type { SelectedVolume } from './volumes.js';

export interface VolumeLayers {
  volume: SelectedVolume;
  layers?: string;
  config?: string;
}

/** Volume names are DNS labels (<= 63): long names keep a prefix and gain a hash. */
export function interposedVolumeName(source: string): string {
  const name = INTERPOSED_VOLUME_PREFIX + source;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 8);
  return `${INTERPOSED_VOLUME_PREFIX}${source.slice(0, 50).replace(/-+$/, '')}-${hash}`;
}

export function csiVolume(driver: string, v: VolumeLayers): Volume {
  const attributes: Record<string, string> = { [VolumeAttributes.sourceVolume]: v.volume.name };
  if (v.layers !== undefined) attributes[VolumeAttributes.layers] = v.layers;
  if (v.config !== undefined) attributes[VolumeAttributes.config] = v.config;
  const backend = v.volume.backend?.kind;
  // The driver fixes the FUSE flags at mount time: ACLs and passthrough need a PV behind.
  if (backend === 'memory' || backend === 'null') attributes[VolumeAttributes.backend] = backend;
  return {
    name: interposedVolumeName(v.volume.name),
    csi: { driver, ...(v.volume.readOnly ? { readOnly: true } : {}), volumeAttributes: attributes },
  };
}

export function sidecarVolumes(config?: string): Volume[] {
  const configVolume: Volume[] = config !== undefined
    ? [{ name: CONFIG_VOLUME_NAME, configMap: { name: config, items: [{ key: CONFIG_FILE_KEY, path: CONFIG_FILE_KEY }] } }]
    : [];
  return [
    ...configVolume,
    { name: HANDOFF_VOLUME_NAME, emptyDir: {} },
    {
      name: PODINFO_VOLUME_NAME,
      downwardAPI: {
        items: [
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        ],
      },
    },
  ];
}

/** Points the container's mounts of the selected volumes at their interposed twins. */
export function rewriteMounts(container: Container, selected: ReadonlySet<string>): Container {
  if (!container.volumeMounts?.some((m) => selected.has(m.name))) return container;
  return {
    ...container,
    volumeMounts: container.volumeMounts.map((m) =>
      selected.has(m.name) ? { ...m, name: interposedVolumeName(m.name) } : m),
  };
}
