/**
 * Reads and validates the `fs-interposer/*` annotations of a Pod. Every problem is reported at
 * once, each naming the annotation, the bad value and what is accepted. The layer grammar itself
 * belongs to src/config: `parseLayerSpec` is injected, never reimplemented here.
 */
import { ANNOTATION_PREFIX, Annotations, NAMESPACE_DEFAULT_LAYERS } from '../contract/pod.js';
import { backendVolume, parseBackend } from './backends.js';
import { cacheVolume } from '../contract/cache-policy.js';
import type { CacheMode } from '../contract/cache-policy.js';
import { parseCacheMode } from './cache-annotation.js';
import type { BackendChoice } from './backends.js';
import type { LayerSpecParser } from './pod-types.js';
import { isQuantity } from '../config/quantity.js';
import { outOfRange } from './resources.js';

export type SidecarModeChoice = 'native' | 'regular' | 'auto';
export type IdentityChoice = 'default' | 'privileged';

export interface PodSettings {
  /** The Pod asked for interposition (own annotation or the namespace default). */
  optedIn: boolean;
  /** Layer spec for volumes without an override (the Pod's, else the namespace default). */
  layers?: string;
  /** `layers` is the namespace default (the Pod has no `fs-interposer/layers`). */
  layersFromNamespace: boolean;
  layersByVolume: ReadonlyMap<string, string>;
  /** `fs-interposer/backend.<volume>` choices (volumes not named are passthrough). */
  backendsByVolume: ReadonlyMap<string, BackendChoice>;
  /** `fs-interposer/cache.<volume>` choices, read again by the CSI driver at NodePublish. */
  cacheByVolume: ReadonlyMap<string, CacheMode>;
  /** Explicit volume selection; undefined means every PVC volume. */
  volumes?: readonly string[];
  config?: string;
  sidecarMode: SidecarModeChoice;
  identity: IdentityChoice;
  image?: string;
  resources: Readonly<Record<ResourceKey, string | undefined>>;
}

export type ResourceKey = 'cpuRequest' | 'cpuLimit' | 'memoryRequest' | 'memoryLimit';

export interface ReadSettingsOptions {
  parseLayerSpec: LayerSpecParser;
  namespaceDefaultLayers?: string;
  imageAllowList: readonly string[];
}

export type SettingsResult = { ok: true; value: PodSettings } | { ok: false; errors: string[] };

const RESOURCE_KEYS: Record<string, ResourceKey> = {
  [Annotations.cpuRequest]: 'cpuRequest',
  [Annotations.cpuLimit]: 'cpuLimit',
  [Annotations.memoryRequest]: 'memoryRequest',
  [Annotations.memoryLimit]: 'memoryLimit',
};
const SIMPLE_KEYS = new Set<string>([
  Annotations.layers, Annotations.volumes, Annotations.config, Annotations.sidecarMode,
  Annotations.image, Annotations.identity, Annotations.inject, Annotations.injected, Annotations.skipped,
  Annotations.provenance,
  ...Object.keys(RESOURCE_KEYS),
]);
/** Every accepted key, for the message that denies an unknown one. */
export const ACCEPTED_KEYS = [
  ...SIMPLE_KEYS, `${Annotations.layersForVolumePrefix}<volume>`, `${Annotations.backendForVolumePrefix}<volume>`,
  `${Annotations.cacheForVolumePrefix}<volume>`,
];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function choice<T extends string>(
  key: string, raw: string | undefined, accepted: readonly T[], errors: string[],
): T | undefined {
  if (raw === undefined) return undefined;
  if ((accepted as readonly string[]).includes(raw)) return raw as T;
  errors.push(`${key}: "${raw}" is not accepted (accepted: ${accepted.join(', ')})`);
  return undefined;
}

function checkLayers(key: string, spec: string, parse: LayerSpecParser, errors: string[]): void {
  let result;
  try {
    result = parse(spec);
  } catch (err) {
    // A parser crash must still end in a denial that names the annotation, not a 500.
    errors.push(`${key}: "${spec}" could not be parsed (${(err as Error).message})`);
    return;
  }
  if (result.ok) return;
  for (const e of result.errors) {
    const at = e.position !== undefined ? ` at ${e.position}` : '';
    const accepted = e.accepted?.length ? ` (accepted: ${e.accepted.join(', ')})` : '';
    errors.push(`${key}: "${spec}": ${e.message}${at}${accepted}`);
  }
}

function readVolumes(raw: string | undefined, errors: string[]): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = names.filter((n) => !DNS_LABEL.test(n) || n.length > 63);
  if (names.length === 0 || bad.length > 0) {
    errors.push(
      `${Annotations.volumes}: "${raw}" is not accepted (accepted: comma-separated volume names of this Pod, e.g. data,logs)`,
    );
  }
  return names;
}

function readResources(a: Record<string, string>, errors: string[]): PodSettings['resources'] {
  const out: Record<ResourceKey, string | undefined> = {
    cpuRequest: undefined, cpuLimit: undefined, memoryRequest: undefined, memoryLimit: undefined,
  };
  for (const [key, field] of Object.entries(RESOURCE_KEYS)) {
    const v = a[key];
    if (v === undefined) continue;
    if (!isQuantity(v)) {
      errors.push(`${key}: "${v}" is not accepted (accepted: a Kubernetes quantity such as 100m, 64Mi, 1Gi)`);
      continue;
    }
    const range = outOfRange(field, v);
    if (range === undefined) out[field] = v;
    else errors.push(`${key}: "${v}" is out of range (accepted: ${range})`);
  }
  return out;
}

function readImage(raw: string | undefined, allow: readonly string[], errors: string[]): string | undefined {
  if (raw === undefined || allow.includes(raw)) return raw;
  const accepted = allow.length > 0 ? allow.join(', ') : 'none: the chart value sidecar.imageAllowList is empty';
  errors.push(`${Annotations.image}: "${raw}" is not on the allow-list (accepted: ${accepted})`);
  return undefined;
}

function checkKeysAndOverrides(a: Record<string, string>, o: ReadSettingsOptions, errors: string[]) {
  const byVolume = new Map<string, string>();
  const backends = new Map<string, BackendChoice>();
  const cache = new Map<string, CacheMode>();
  for (const [key, value] of Object.entries(a)) {
    if (!key.startsWith(ANNOTATION_PREFIX) || SIMPLE_KEYS.has(key)) continue;
    const backendOf = backendVolume(key);
    if (key.startsWith(Annotations.layersForVolumePrefix)) {
      byVolume.set(key.slice(Annotations.layersForVolumePrefix.length), value);
      checkLayers(key, value, o.parseLayerSpec, errors);
    } else if (backendOf !== undefined) {
      const choice = parseBackend(key, value, errors);
      if (choice !== undefined) backends.set(backendOf, choice);
    } else if (cacheVolume(key) !== undefined) {
      const mode = parseCacheMode(key, value, errors);
      if (mode !== undefined) cache.set(cacheVolume(key)!, mode);
    } else {
      errors.push(`${key}: unknown annotation (accepted: ${ACCEPTED_KEYS.join(', ')})`);
    }
  }
  return { byVolume, backends, cache };
}

function checkOwnLayers(own: string | undefined, o: ReadSettingsOptions, errors: string[]): void {
  if (own !== undefined) checkLayers(Annotations.layers, own, o.parseLayerSpec, errors);
  else if (o.namespaceDefaultLayers !== undefined) {
    checkLayers(`namespace annotation ${NAMESPACE_DEFAULT_LAYERS}`, o.namespaceDefaultLayers, o.parseLayerSpec, errors);
  }
}

function checkConfig(config: string | undefined, errors: string[]): void {
  if (config === undefined || (DNS_SUBDOMAIN.test(config) && config.length <= 253)) return;
  errors.push(`${Annotations.config}: "${config}" is not accepted (accepted: the name of a ConfigMap in the Pod's namespace)`);
}

export function readPodSettings(
  annotations: Record<string, string> | undefined,
  options: ReadSettingsOptions,
): SettingsResult {
  const a = annotations ?? {};
  const errors: string[] = [];
  const own = a[Annotations.layers];
  checkOwnLayers(own, options, errors);
  const { byVolume, backends, cache } = checkKeysAndOverrides(a, options, errors);
  const config = a[Annotations.config];
  checkConfig(config, errors);
  const inject = choice(Annotations.inject, a[Annotations.inject], ['true', 'false'] as const, errors);
  const asked = [own, config, options.namespaceDefaultLayers].some((v) => v !== undefined) ||
    byVolume.size > 0 || backends.size > 0;
  const optedIn = inject !== 'false' && asked;
  const settings: PodSettings = {
    optedIn,
    layers: own ?? options.namespaceDefaultLayers,
    layersFromNamespace: own === undefined && options.namespaceDefaultLayers !== undefined,
    layersByVolume: byVolume,
    backendsByVolume: backends,
    cacheByVolume: cache,
    volumes: readVolumes(a[Annotations.volumes], errors),
    config,
    sidecarMode: choice(Annotations.sidecarMode, a[Annotations.sidecarMode], ['native', 'regular', 'auto'] as const, errors) ?? 'auto',
    identity: choice(Annotations.identity, a[Annotations.identity], ['default', 'privileged'] as const, errors) ?? 'default',
    image: readImage(a[Annotations.image], options.imageAllowList, errors),
    resources: readResources(a, errors),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: settings };
}
