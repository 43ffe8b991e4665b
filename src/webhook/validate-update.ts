/**
 * UPDATE of an injected Pod: only the live-reconfigurable annotations may change (the sidecar
 * watches them through the downward API), and they are validated exactly as on CREATE, so a live
 * change can never install what CREATE would have denied. Nothing is mutated.
 */
import { readPodSettings } from './annotations.js';
import { canonicalJson, sidecarClaims } from '../csi/provenance-claims.js';
import { ANNOTATION_PREFIX, Annotations, SIDECAR_CONTAINER_NAME } from '../contract/pod.js';
import type { MutateOptions } from './mutate-pod.js';
import { isInjected } from './pod-facts.js';
import type { Pod } from './pod-types.js';

export type UpdateResult = { allowed: true; changed: boolean } | { allowed: false; message: string };

// fs-interposer/config is not live: the ConfigMap is a volume of the sidecar, fixed at creation
// (its content is live: the kubelet updates the mounted file and the sidecar reloads it).
const LIVE = [Annotations.layers];
const LIVE_DESCRIPTION = `${Annotations.layers}, ${Annotations.layersForVolumePrefix}<volume>; edit the ConfigMap itself for ${Annotations.config}`;

function ours(pod: Pod): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(pod.metadata?.annotations ?? {})) {
    if (k.startsWith(ANNOTATION_PREFIX)) out[k] = v;
  }
  return out;
}

/**
 * A container's image is the one field of it a Pod UPDATE may change. The sidecar's must not: the
 * kubelet would restart it with that image, and the new container would fetch the FUSE fds.
 */
function sidecarChange(oldPod: Pod, newPod: Pod): string | undefined {
  const before = sidecarClaims(oldPod) as Record<string, unknown> | undefined;
  const after = sidecarClaims(newPod) as Record<string, unknown> | undefined;
  if (before === undefined) return undefined;
  if (after === undefined) return `the ${SIDECAR_CONTAINER_NAME} container cannot be removed from a running Pod`;
  const changed = Object.keys(before).filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k]));
  if (changed.length === 0) return undefined;
  const detail = changed.includes('image') ? ` (image ${String(before.image)} -> ${String(after.image)})` : '';
  return `the ${SIDECAR_CONTAINER_NAME} container cannot change on a running Pod: ${changed.join(', ')}${detail}`;
}

function isLive(key: string): boolean {
  return (LIVE as string[]).includes(key) || key.startsWith(Annotations.layersForVolumePrefix);
}

export function validateUpdate(
  oldPod: Pod,
  newPod: Pod,
  options: Pick<MutateOptions, 'parseLayerSpec' | 'imageAllowList' | 'namespaceDefaultLayers'>,
): UpdateResult {
  if (!isInjected(oldPod)) return { allowed: true, changed: false };
  const sidecar = sidecarChange(oldPod, newPod);
  if (sidecar !== undefined) return { allowed: false, message: `fs-interposer: ${sidecar}` };
  const before = ours(oldPod);
  const after = ours(newPod);
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]);
  if (changed.length === 0) return { allowed: true, changed: false };
  const fixed = changed.filter((k) => !isLive(k));
  const errors = fixed.map((k) => `${k} cannot change on a running Pod (accepted live changes: ${LIVE_DESCRIPTION})`);
  const read = readPodSettings(after, options);
  if (!read.ok) errors.push(...read.errors);
  const injected = (before[Annotations.injected] ?? '').split(',').filter((s) => s !== '');
  for (const key of changed.filter((k) => k.startsWith(Annotations.layersForVolumePrefix) && after[k] !== undefined)) {
    const volume = key.slice(Annotations.layersForVolumePrefix.length);
    if (!injected.includes(volume)) {
      errors.push(`${key}: volume "${volume}" is not interposed in this Pod (accepted: ${injected.join(', ') || 'none'})`);
    }
  }
  return errors.length > 0 ? { allowed: false, message: `fs-interposer: ${errors.join('; ')}` } : { allowed: true, changed: true };
}
