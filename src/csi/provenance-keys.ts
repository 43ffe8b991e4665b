import type { ProvenanceKey } from './provenance-judge.js';

/**
 * The webhook's signing key as the driver sees it: read from the release namespace's Secret
 * (the webhook creates it at its first start), cached briefly, re-read on demand when a
 * signature does not verify (the Secret was filled after our last read, or replaced).
 */
export interface ProvenanceKeys {
  current(): Promise<ProvenanceKey | undefined>;
  refresh(): Promise<ProvenanceKey | undefined>;
  /** namespace/name of the Secret, for messages. */
  readonly where: string;
}

export interface ProvenanceKeysOptions {
  /** The Secret's decoded data; undefined if it does not exist. */
  read: () => Promise<Record<string, string> | undefined>;
  where: string;
  ttlMs?: number;
  now?: () => number;
}

const MIN_LENGTH = 32;

export function toProvenanceKey(
  data: Record<string, string> | undefined,
): ProvenanceKey | undefined {
  const secret = data?.key;
  if (secret === undefined || secret.length < MIN_LENGTH) return undefined;
  const created = new Date(data?.created ?? '');
  // Unknown creation time: no Pod counts as older than the key (no legacy Pod is served).
  return { secret, created: Number.isNaN(created.getTime()) ? new Date(0) : created };
}

export function createProvenanceKeys(o: ProvenanceKeysOptions): ProvenanceKeys {
  const now = o.now ?? Date.now;
  const ttl = o.ttlMs ?? 60_000;
  let cached: { key: ProvenanceKey | undefined; at: number } | undefined;
  const refresh = async (): Promise<ProvenanceKey | undefined> => {
    const key = toProvenanceKey(await o.read());
    cached = { key, at: now() };
    return key;
  };
  return {
    where: o.where,
    refresh,
    current: () =>
      cached !== undefined && cached.key !== undefined && now() - cached.at < ttl
        ? Promise.resolve(cached.key)
        : refresh(),
  };
}

/** A fixed key (tests, and a driver run outside a cluster with a key file). */
export function staticProvenanceKeys(key: ProvenanceKey | undefined): ProvenanceKeys {
  return {
    where: 'static',
    current: () => Promise.resolve(key),
    refresh: () => Promise.resolve(key),
  };
}
