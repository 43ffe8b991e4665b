/**
 * A volume's cache policy (docs/fuse-engine.md, "Caching and coherence"): the CSI driver decides
 * it at NodePublish and hands it to the sidecar in the handoff offer's `extra.cache`; the
 * sidecar's engine serves with it. One module for both sides, so they cannot part.
 */
import { Annotations } from './pod.js';

/** `exclusive`: nothing but this Pod writes the source, the kernel may keep pages and entries. */
export type CacheMode = 'exclusive' | 'default';

export interface CachePolicy {
  mode: CacheMode;
  /** Why (the access mode, the annotation, or why the lookup fell back to the safe default). */
  reason: string;
}

/** The values `fs-interposer/cache.<volume>` accepts. */
export const CACHE_ANNOTATION_VALUES: readonly CacheMode[] = ['exclusive', 'default'];

/** Entry and attribute timeout under the exclusive policy (passthrough_hp's default, one day). */
export const EXCLUSIVE_TIMEOUT_S = 86400;

export const cacheAnnotation = (volume: string): string =>
  `${Annotations.cacheForVolumePrefix}${volume}`;

/** The volume an annotation key names, or undefined when the key is not a cache key. */
export function cacheVolume(key: string): string | undefined {
  return key.startsWith(Annotations.cacheForVolumePrefix)
    ? key.slice(Annotations.cacheForVolumePrefix.length)
    : undefined;
}

export function isCacheMode(v: unknown): v is CacheMode {
  return typeof v === 'string' && (CACHE_ANNOTATION_VALUES as readonly string[]).includes(v);
}

/**
 * The policy an offer's `extra` carries. An offer without one (a driver before this field) or
 * with one this side cannot read is served with the safe default, saying why.
 */
export function cachePolicyFromExtra(extra: Readonly<Record<string, unknown>> | undefined): CachePolicy {
  const c = extra?.cache;
  if (typeof c === 'object' && c !== null) {
    const { mode, reason } = c as Record<string, unknown>;
    if (isCacheMode(mode)) return { mode, reason: typeof reason === 'string' ? reason : '' };
  }
  return {
    mode: 'default',
    reason:
      c === undefined
        ? 'the driver sent no cache policy (a driver before it decided one): safe default'
        : `the driver sent an unreadable cache policy (${JSON.stringify(c)}): safe default`,
  };
}
