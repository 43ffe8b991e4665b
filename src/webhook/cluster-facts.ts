/**
 * What the webhook must know about the cluster, fetched through KubeApi and cached: admission is
 * on the Pod-creation path, so it must not call the API server per request.
 * - native sidecars: the API server and every kubelet >= 1.29 (a Pod may land on any node; one old
 *   kubelet would run a native sidecar as a plain init container that never ends). On a lookup
 *   failure the last answer stands, or the regular container, which works everywhere.
 * - namespace default layers: per namespace, short TTL; a failed lookup with nothing cached is an
 *   error (500, so the failurePolicy decides) rather than silently dropping the admin's defaults.
 */
import type { Logger } from 'pino';
import { NAMESPACE_DEFAULT_LAYERS } from '../contract/pod.js';
import type { KubeApi } from './kube/kube-api.js';
import { NATIVE_SIDECAR_MIN, atLeast } from './kube-version.js';
import type { ClusterFacts } from './review-processor.js';

export interface ClusterFactsOptions {
  api: KubeApi;
  logger: Logger;
  now?: () => number;
  versionTtlMs?: number;
  namespaceTtlMs?: number;
}

interface Cached<T> {
  value: T;
  at: number;
}

export function createClusterFacts(o: ClusterFactsOptions): ClusterFacts {
  const now = o.now ?? Date.now;
  const versionTtl = o.versionTtlMs ?? 10 * 60_000;
  const namespaceTtl = o.namespaceTtlMs ?? 30_000;
  let native: Cached<boolean> | undefined;
  let inflight: Promise<boolean> | undefined;
  const namespaces = new Map<string, Cached<string | undefined>>();

  async function detect(): Promise<boolean> {
    try {
      const [server, kubelets] = await Promise.all([o.api.serverVersion(), o.api.kubeletVersions()]);
      const value = atLeast(server, NATIVE_SIDECAR_MIN) && kubelets.every((k) => atLeast(k, NATIVE_SIDECAR_MIN));
      if (native?.value !== value) o.logger.info({ server, kubelets: [...new Set(kubelets)], native: value }, 'sidecar mode');
      native = { value, at: now() };
      return value;
    } catch (err) {
      o.logger.warn({ err }, 'version lookup failed; keeping the last sidecar mode');
      return native?.value ?? false;
    } finally {
      inflight = undefined;
    }
  }

  return {
    nativeSidecars() {
      if (native && now() - native.at < versionTtl) return Promise.resolve(native.value);
      inflight ??= detect();
      return inflight;
    },
    async namespaceDefaultLayers(namespace) {
      const hit = namespaces.get(namespace);
      if (hit && now() - hit.at < namespaceTtl) return hit.value;
      try {
        const value = (await o.api.namespaceAnnotations(namespace))[NAMESPACE_DEFAULT_LAYERS];
        namespaces.set(namespace, { value, at: now() });
        return value;
      } catch (err) {
        if (hit) {
          o.logger.warn({ err, namespace }, 'namespace lookup failed; using the cached defaults');
          return hit.value;
        }
        throw err;
      }
    },
  };
}
