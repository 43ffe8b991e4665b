import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/** Warning Events on the Pods the driver serves (RBAC: create events). Never fails a call. */
export interface PodEvents {
  warn(pod: PodRef, reason: string, message: string): Promise<void>;
}

export function createKubePodEvents(o: {
  kubeConfig: KubeConfig;
  node: string;
  logger: Logger;
}): PodEvents {
  const api = o.kubeConfig.makeApiClient(CoreV1Api);
  return {
    async warn(pod, reason, message) {
      const now = new Date();
      try {
        await api.createNamespacedEvent({
          namespace: pod.namespace,
          body: {
            metadata: { generateName: `${pod.name}.`, namespace: pod.namespace },
            involvedObject: { apiVersion: 'v1', kind: 'Pod', ...pod },
            reason,
            message: message.slice(0, 1024),
            type: 'Warning',
            source: { component: 'fs-interposer-csi', host: o.node },
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        });
      } catch (err) {
        o.logger.warn(
          { pod: `${pod.namespace}/${pod.name}`, reason, err: (err as Error).message },
          'event not recorded',
        );
      }
    },
  };
}
