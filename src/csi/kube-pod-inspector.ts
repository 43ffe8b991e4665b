import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { SIDECAR_CONTAINER_NAME } from './constants.js';
import type { PodFacts, PodInspector } from './pod-inspector.js';

/** Reads the Pod from the API server (RBAC: get pods, cluster-wide, for the driver only). */
export function createKubePodInspector(
  o: { kubeConfig?: KubeConfig; sidecarName?: string } = {},
): PodInspector {
  const kc = o.kubeConfig ?? loadDefault();
  const api = kc.makeApiClient(CoreV1Api);
  const sidecarName = o.sidecarName ?? SIDECAR_CONTAINER_NAME;
  return {
    async inspect(namespace, name) {
      const pod = await api.readNamespacedPod({ name, namespace });
      return podFacts(pod, sidecarName);
    },
  };
}

function loadDefault(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export function podFacts(pod: V1Pod, sidecarName: string): PodFacts {
  const all: V1Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const sidecar = all.find((c) => c.name === sidecarName);
  if (sidecar === undefined) return { hasSidecar: false };
  const uid = sidecar.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
  const gid = sidecar.securityContext?.runAsGroup ?? pod.spec?.securityContext?.runAsGroup;
  return {
    hasSidecar: true,
    ...(uid === undefined ? {} : { sidecarUid: uid }),
    ...(gid === undefined ? {} : { sidecarGid: gid }),
  };
}
