/**
 * Memoizes the layer grammar: a webhook sees the same few specs over and over (one per workload),
 * and parsing + schema validation was about 5% of a request's CPU. Results are frozen by
 * src/config and depend only on the string, so sharing them is safe. Bounded: the oldest entry
 * goes first (Map keeps insertion order).
 */
import type { LayerSpecParser, LayerSpecResult } from './pod-types.js';

export function memoizeLayerSpecParser(parse: LayerSpecParser, maxEntries = 512): LayerSpecParser {
  const cache = new Map<string, LayerSpecResult>();
  return (spec) => {
    const hit = cache.get(spec);
    if (hit !== undefined) return hit;
    const result = parse(spec);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(spec, result);
    return result;
  };
}
