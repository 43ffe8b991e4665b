/**
 * Which of a Pod's volumes get interposed. Candidates are PVC volumes and generic ephemeral
 * volumes (both are a PersistentVolumeClaim underneath); Block-mode volumes are skipped with a
 * reason, as are volumes no container mounts.
 */
import type { Container, Pod, Volume } from './pod-types.js';

export interface SelectedVolume {
  name: string;
  kind: 'pvc' | 'ephemeral';
  /** Every mount of it is read-only (or the claim is): the sidecar mounts the source read-only. */
  readOnly: boolean;
}

export interface VolumeSelection {
  selected: SelectedVolume[];
  skipped: { volume: string; reason: string }[];
  errors: string[];
}

export function podContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

function kindOf(v: Volume): SelectedVolume['kind'] | undefined {
  if (v.persistentVolumeClaim) return 'pvc';
  if (v.ephemeral) return 'ephemeral';
  return undefined;
}

function skipReason(v: Volume, containers: Container[]): string | undefined {
  const block = v.ephemeral?.volumeClaimTemplate?.spec?.volumeMode === 'Block' ||
    containers.some((c) => c.volumeDevices?.some((d) => d.name === v.name));
  if (block) return 'Block-mode volume (only Filesystem volumes can be interposed)';
  const mounted = containers.some((c) => c.volumeMounts?.some((m) => m.name === v.name));
  if (!mounted) return 'not mounted by any container';
  return undefined;
}

function isReadOnly(v: Volume, containers: Container[]): boolean {
  if (v.persistentVolumeClaim?.readOnly) return true;
  const mounts = containers.flatMap((c) => c.volumeMounts ?? []).filter((m) => m.name === v.name);
  return mounts.length > 0 && mounts.every((m) => m.readOnly === true);
}

function checkRequested(requested: readonly string[], candidates: Volume[], all: Volume[]): string[] {
  const names = candidates.map((v) => v.name);
  const accepted = names.length > 0 ? names.join(', ') : 'none: this Pod has no PVC volume';
  return requested
    .filter((n) => !names.includes(n))
    .map((n) => all.some((v) => v.name === n)
      ? `fs-interposer/volumes: volume "${n}" is not a PVC or ephemeral volume (accepted: ${accepted})`
      : `fs-interposer/volumes: volume "${n}" does not exist in this Pod (accepted: ${accepted})`);
}

function checkOverrides(overrides: Iterable<string>, selected: string[]): string[] {
  const accepted = selected.length > 0 ? selected.join(', ') : 'none';
  return [...overrides]
    .filter((name) => !selected.includes(name))
    .map((name) => `fs-interposer/layers.${name}: volume "${name}" is not interposed in this Pod (accepted: ${accepted})`);
}

export function selectVolumes(
  pod: Pod,
  requested: readonly string[] | undefined,
  overrides: Iterable<string>,
): VolumeSelection {
  const all = pod.spec?.volumes ?? [];
  const containers = podContainers(pod);
  const candidates = all.filter((v) => kindOf(v) !== undefined);
  const errors = requested ? checkRequested(requested, candidates, all) : [];
  const out: VolumeSelection = { selected: [], skipped: [], errors };
  for (const v of candidates) {
    if (requested && !requested.includes(v.name)) continue;
    const reason = skipReason(v, containers);
    if (reason !== undefined) out.skipped.push({ volume: v.name, reason });
    else out.selected.push({ name: v.name, kind: kindOf(v) ?? 'pvc', readOnly: isReadOnly(v, containers) });
  }
  errors.push(...checkOverrides(overrides, out.selected.map((s) => s.name)));
  return out;
}
