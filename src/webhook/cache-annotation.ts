/**
 * `fs-interposer/cache.<volume>`: `exclusive` opts a volume into the kernel keeping its page
 * cache and entries (nothing but this Pod writes it), `default` keeps the safe policy even on a
 * ReadWriteOncePod claim. The CSI driver reads it at NodePublish (src/csi/cache-decision.ts);
 * the webhook only makes sure a Pod cannot be created with a value or a volume it would ignore.
 */
import { CACHE_ANNOTATION_VALUES, cacheAnnotation, isCacheMode } from '../contract/cache-policy.js';
import type { CacheMode } from '../contract/cache-policy.js';

export function parseCacheMode(key: string, raw: string, errors: string[]): CacheMode | undefined {
  if (isCacheMode(raw)) return raw;
  errors.push(`${key}: "${raw}" is not accepted (accepted: ${CACHE_ANNOTATION_VALUES.join(', ')})`);
  return undefined;
}

/** A cache annotation naming a volume this Pod does not interpose would be ignored: deny it. */
export function checkCacheVolumes(named: Iterable<string>, selected: readonly string[]): string[] {
  const accepted = selected.length > 0 ? selected.join(', ') : 'none';
  return [...named]
    .filter((name) => !selected.includes(name))
    .map((name) => `${cacheAnnotation(name)}: volume "${name}" is not interposed in this Pod (accepted: ${accepted})`);
}
