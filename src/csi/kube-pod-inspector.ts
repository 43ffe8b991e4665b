import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { SIDECAR_CONTAINER_NAME } from '../contract/pod.js';
import type { PodFacts, PodInspector, PodQuery, Provenance } from './pod-inspector.js';
import { judgePod } from './provenance-judge.js';
import type { LegacyPolicy } from './provenance-judge.js';
import { createProvenanceKeys } from './provenance-keys.js';
import type { ProvenanceKeys } from './provenance-keys.js';

export interface KubePodInspectorOptions {
  kubeConfig?: KubeConfig;
  sidecarName?: string;
  driver: string;
  keys: ProvenanceKeys;
  legacy: LegacyPolicy;
}

/** Reads the Pod from the API server (RBAC: get pods, cluster-wide, for the driver only). */
export function createKubePodInspector(o: KubePodInspectorOptions): PodInspector {
  const api = (o.kubeConfig ?? loadDefault()).makeApiClient(CoreV1Api);
  const sidecarName = o.sidecarName ?? SIDECAR_CONTAINER_NAME;
  const judge = async (pod: V1Pod, q: PodQuery): Promise<Provenance> => {
    if (q.uid !== undefined && pod.metadata?.uid !== q.uid) {
      const reason = `the Pod was re-created: its uid is ${pod.metadata?.uid}, the kubelet publishes for ${q.uid}`;
      return { kind: 'refused', reason };
    }
    const key = await o.keys.current();
    if (key === undefined) {
      const reason = `the provenance key is not available yet (Secret ${o.keys.where}, written by the webhook at its start)`;
      return { kind: 'refused', reason, unavailable: true };
    }
    const options = {
      driver: o.driver,
      legacy: o.legacy,
      ...(q.sourceVolume ? { sourceVolume: q.sourceVolume } : {}),
    };
    const first = judgePod(pod, { ...options, key });
    if (first.kind !== 'refused') return first;
    // The key may have changed since it was cached: one fresh read before refusing.
    const fresh = await o.keys.refresh();
    return fresh === undefined || fresh.secret === key.secret
      ? first
      : judgePod(pod, { ...options, key: fresh });
  };
  return {
    async inspect(q) {
      const pod = await api.readNamespacedPod({ name: q.name, namespace: q.namespace });
      return {
        ...sidecarFacts(pod, sidecarName),
        ...volumeFacts(pod),
        provenance: await judge(pod, q),
      };
    },
  };
}

/** The key Secret read through the API (RBAC: get on that one Secret, in the release namespace). */
export function createKubeProvenanceKeys(o: {
  kubeConfig?: KubeConfig;
  namespace: string;
  secretName: string;
}): ProvenanceKeys {
  const api = (o.kubeConfig ?? loadDefault()).makeApiClient(CoreV1Api);
  return createProvenanceKeys({
    where: `${o.namespace}/${o.secretName}`,
    async read() {
      try {
        const s = await api.readNamespacedSecret({ name: o.secretName, namespace: o.namespace });
        const data = Object.entries(s.data ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString(),
        ]);
        return Object.fromEntries(data) as Record<string, string>;
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      }
    },
  });
}

export function loadDefault(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** What the cache policy needs from the Pod: its annotations and its volumes' claims. */
export function volumeFacts(pod: V1Pod): Pick<PodFacts, 'annotations' | 'claims'> {
  // A generic ephemeral volume's claim is named <pod>-<volume> by the ephemeral controller.
  const claimOf = (v: V1Volume): string | undefined =>
    v.persistentVolumeClaim?.claimName ??
    (v.ephemeral === undefined ? undefined : `${pod.metadata?.name ?? ''}-${v.name}`);
  const claims = (pod.spec?.volumes ?? []).flatMap((v) => {
    const claim = claimOf(v);
    return claim === undefined ? [] : [[v.name, claim]];
  });
  return { annotations: pod.metadata?.annotations ?? {}, claims: Object.fromEntries(claims) as Record<string, string> };
}

export function sidecarFacts(pod: V1Pod, sidecarName: string): Omit<PodFacts, 'provenance'> {
  const all: V1Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const sidecar = all.find((c) => c.name === sidecarName);
  if (sidecar === undefined) return { hasSidecar: false };
  const id = (k: 'runAsUser' | 'runAsGroup'): number | undefined =>
    sidecar.securityContext?.[k] ?? pod.spec?.securityContext?.[k];
  const uid = id('runAsUser');
  const gid = id('runAsGroup');
  return {
    hasSidecar: true,
    ...(uid === undefined ? {} : { sidecarUid: uid }),
    ...(gid === undefined ? {} : { sidecarGid: gid }),
  };
}
