import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClaimInspector } from './cache-decision.js';

/**
 * A volume's PVC and its bound PV, read at NodePublish for the cache policy (RBAC: get
 * persistentvolumeclaims and persistentvolumes, cluster-wide, for the driver only).
 */
export function createKubeClaimInspector(o: { kubeConfig: KubeConfig }): ClaimInspector {
  const api = o.kubeConfig.makeApiClient(CoreV1Api);
  return {
    async accessModes(q) {
      const pvc = await api.readNamespacedPersistentVolumeClaim({ name: q.claim, namespace: q.namespace });
      const claimModes = pvc.spec?.accessModes ?? [];
      const pvName = pvc.spec?.volumeName;
      if (pvName === undefined || pvName === '') return { claim: q.claim, claimModes };
      const pv = await api.readPersistentVolume({ name: pvName });
      return { claim: q.claim, claimModes, pv: pvName, pvModes: pv.spec?.accessModes ?? [] };
    },
  };
}
