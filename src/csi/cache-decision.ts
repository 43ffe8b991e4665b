/**
 * The cache policy of a published volume (docs/fuse-engine.md, "Caching and coherence"). The
 * kernel may keep a volume's pages and entries only when nothing but this Pod writes its source:
 * a ReadWriteOncePod claim guarantees that (the kubelet admits one Pod), ReadWriteOnce does not
 * (every Pod on the node may mount it read-write), so anything else needs the Pod's explicit
 * `fs-interposer/cache.<volume>: exclusive`. Whatever cannot be read falls back to the safe
 * default and says why: the policy never fails a mount.
 */
import { CACHE_ANNOTATION_VALUES, cacheAnnotation, isCacheMode } from '../contract/cache-policy.js';
import type { CachePolicy } from '../contract/cache-policy.js';

export const RWOP = 'ReadWriteOncePod';

/** What the driver learnt about the volume's claim; `error` when it could not. */
export interface ClaimFacts {
  claim?: string;
  /** The PVC's spec.accessModes. */
  claimModes?: readonly string[];
  /** The bound PV's name and spec.accessModes. */
  pv?: string;
  pvModes?: readonly string[];
  error?: string;
}

export interface CacheInput {
  volume: string;
  /** The Pod's `fs-interposer/cache.<volume>`, if set. */
  annotation?: string;
  /** Absent: the volume is not a PVC in this Pod (nothing to look up). */
  claim?: ClaimFacts;
}

const modes = (m: readonly string[] | undefined): string => (m?.length ? m.join(',') : 'none');

/** A decision; `fallback` marks the safe default taken because something could not be read. */
export type CacheDecision = CachePolicy & { fallback?: true };

function fromAnnotation(key: string, value: string): CacheDecision {
  if (isCacheMode(value)) return { mode: value, reason: `${key}: ${value}` };
  return {
    mode: 'default',
    fallback: true,
    reason: `${key}: "${value}" is not accepted (accepted: ${CACHE_ANNOTATION_VALUES.join(', ')}): safe default`,
  };
}

export function decideCachePolicy(i: CacheInput): CacheDecision {
  const key = cacheAnnotation(i.volume);
  if (i.annotation !== undefined) return fromAnnotation(key, i.annotation);
  const c = i.claim;
  if (c === undefined) return { mode: 'default', reason: 'not a PersistentVolumeClaim: safe default' };
  if (c.error !== undefined)
    return { mode: 'default', fallback: true, reason: `could not read the claim's access modes (${c.error}): safe default` };
  const claim = `PVC ${c.claim ?? '?'} (${modes(c.claimModes)})`;
  const pv = `PV ${c.pv ?? '?'} (${modes(c.pvModes)})`;
  if (c.claimModes?.includes(RWOP) && c.pvModes?.includes(RWOP))
    return { mode: 'exclusive', reason: `${claim}, ${pv}: one Pod writes it` };
  return {
    mode: 'default',
    reason: `${claim}, ${pv}: not ${RWOP}, other Pods may write it (${key}: exclusive opts in)`,
  };
}

/** Reads a claim and its PV (RBAC: get persistentvolumeclaims and persistentvolumes). */
export interface ClaimInspector {
  /** Throws on API errors; the decider turns them into the safe default. */
  accessModes(q: { namespace: string; claim: string }): Promise<Omit<ClaimFacts, 'error'>>;
}

/** Test double: claims by "namespace/name". */
export function createStaticClaimInspector(
  claims: Record<string, Omit<ClaimFacts, 'error' | 'claim'>>,
): ClaimInspector {
  return {
    accessModes: (q) => {
      const c = claims[`${q.namespace}/${q.claim}`];
      return c === undefined
        ? Promise.reject(new Error(`persistentvolumeclaims "${q.claim}" not found`))
        : Promise.resolve({ claim: q.claim, ...c });
    },
  };
}

/** Looks the claim up (when there is one) and decides; lookup failures become the reason. */
export async function lookupCachePolicy(o: {
  claims: ClaimInspector | undefined;
  namespace: string;
  volume: string;
  annotation: string | undefined;
  claimName: string | undefined;
}): Promise<CacheDecision> {
  const base = { volume: o.volume, ...(o.annotation !== undefined && { annotation: o.annotation }) };
  // An explicit annotation decides alone: no API call, no RBAC needed.
  if (o.annotation !== undefined || o.claimName === undefined) return decideCachePolicy(base);
  if (o.claims === undefined)
    return decideCachePolicy({ ...base, claim: { claim: o.claimName, error: 'the driver has no Kubernetes API access' } });
  try {
    const facts = await o.claims.accessModes({ namespace: o.namespace, claim: o.claimName });
    return decideCachePolicy({ ...base, claim: facts });
  } catch (err) {
    return decideCachePolicy({ ...base, claim: { claim: o.claimName, error: (err as Error).message } });
  }
}
