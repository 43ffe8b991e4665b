/**
 * Which of a Pod's volumes get interposed. Candidates are PVC volumes and generic ephemeral
 * volumes (both are a PersistentVolumeClaim underneath), and emptyDir volumes given a memory or
 * null backend; Block-mode volumes are skipped with a reason, as are volumes no container mounts.
 */
import type { BackendChoice } from './backends.js';
import type { Container, Pod, Volume } from './pod-types.js';

export interface SelectedVolume {
  name: string;
  kind: 'pvc' | 'ephemeral' | 'emptyDir';
  /** Every mount of it is read-only (or the claim is): the sidecar mounts the source read-only. */
  readOnly: boolean;
  /** From `fs-interposer/backend.<volume>`; absent: passthrough over the source. */
  backend?: BackendChoice;
}

/** The sidecar reads and writes the source volume itself (passthrough), so it mounts it. */
export const needsSource = (v: SelectedVolume): boolean => (v.backend?.kind ?? 'passthrough') === 'passthrough';

export interface VolumeSelection {
  selected: SelectedVolume[];
  skipped: { volume: string; reason: string }[];
  errors: string[];
}

export function podContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

function kindOf(v: Volume, backends: ReadonlyMap<string, BackendChoice>): SelectedVolume['kind'] | undefined {
  if (v.persistentVolumeClaim) return 'pvc';
  if (v.ephemeral) return 'ephemeral';
  const kind = backends.get(v.name)?.kind;
  if (v.emptyDir && (kind === 'memory' || kind === 'null')) return 'emptyDir';
  return undefined;
}

const BACKEND_KINDS = 'a PVC, generic ephemeral or (for memory and null) emptyDir volume';

/** `fs-interposer/backend.<volume>` naming a volume that cannot take that backend. */
function checkBackends(backends: ReadonlyMap<string, BackendChoice>, all: Volume[]): string[] {
  const errors: string[] = [];
  for (const [name, b] of backends) {
    const key = `fs-interposer/backend.${name}`;
    const v = all.find((x) => x.name === name);
    if (v === undefined) errors.push(`${key}: volume "${name}" does not exist in this Pod (accepted: ${all.map((x) => x.name).join(', ') || 'none'})`);
    else if (v.emptyDir && b.kind === 'passthrough') errors.push(`${key}: "passthrough" needs a PV, and "${name}" is an emptyDir (accepted: memory, memory=<size>, null)`);
    else if (kindOf(v, backends) === undefined) errors.push(`${key}: volume "${name}" is not ${BACKEND_KINDS}`);
  }
  return errors;
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

function selected(v: Volume, containers: Container[], backends: ReadonlyMap<string, BackendChoice>): SelectedVolume {
  const backend = backends.get(v.name);
  return {
    name: v.name,
    kind: kindOf(v, backends) ?? 'pvc',
    readOnly: isReadOnly(v, containers),
    ...(backend !== undefined && { backend }),
  };
}

export function selectVolumes(
  pod: Pod,
  requested: readonly string[] | undefined,
  overrides: Iterable<string>,
  backends: ReadonlyMap<string, BackendChoice> = new Map(),
): VolumeSelection {
  const all = pod.spec?.volumes ?? [];
  const containers = podContainers(pod);
  const candidates = all.filter((v) => kindOf(v, backends) !== undefined);
  const errors = requested ? checkRequested(requested, candidates, all) : [];
  errors.push(...checkBackends(backends, all));
  const out: VolumeSelection = { selected: [], skipped: [], errors };
  for (const v of candidates) {
    if (requested && !requested.includes(v.name)) continue;
    const reason = skipReason(v, containers);
    if (reason !== undefined) out.skipped.push({ volume: v.name, reason });
    else out.selected.push(selected(v, containers, backends));
  }
  const names = out.selected.map((s) => s.name);
  errors.push(...checkOverrides(overrides, names));
  // Named by a backend annotation and able to take it, but left out by fs-interposer/volumes.
  const leftOut = candidates.filter((v) => backends.has(v.name) && !names.includes(v.name));
  errors.push(...leftOut.map((v) =>
    `fs-interposer/backend.${v.name}: volume "${v.name}" is not interposed in this Pod (accepted: ${names.join(', ') || 'none'})`));
  return out;
}
