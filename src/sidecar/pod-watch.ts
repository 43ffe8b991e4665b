import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/** All app containers (every container but ours) have terminated; restartable ones would not. */
export function appsTerminated(pod: V1Pod, sidecarName: string): boolean {
  const apps = (pod.status?.containerStatuses ?? []).filter((s) => s.name !== sidecarName);
  return apps.length > 0 && apps.every((s) => s.state?.terminated !== undefined);
}

export interface PodWatchOptions {
  namespace: string;
  name: string;
  sidecarName: string;
  intervalMs?: number;
  logger: Logger;
  kubeConfig?: KubeConfig;
}

/**
 * The regular-container fallback's way to learn that the app is done (Jobs must complete):
 * poll our own Pod's container statuses (RBAC: get on this Pod only, via resourceNames in the
 * chart's Role). Resolves once; API errors are logged and retried.
 */
export function createPodAppsWatcher(o: PodWatchOptions): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= new Promise<void>((resolve) => {
      const kc = o.kubeConfig ?? new KubeConfig();
      if (o.kubeConfig === undefined) kc.loadFromDefault();
      const api = kc.makeApiClient(CoreV1Api);
      const log = o.logger.child({ component: 'pod-watch' });
      const poll = (): void => {
        api.readNamespacedPod({ namespace: o.namespace, name: o.name }).then(
          (pod) => (appsTerminated(pod, o.sidecarName) ? resolve() : schedule()),
          (err: unknown) => {
            log.warn({ err: (err as Error).message }, 'reading our Pod failed; retrying');
            schedule();
          },
        );
      };
      const schedule = (): void => void setTimeout(poll, o.intervalMs ?? 2000).unref();
      poll();
    });
    return pending;
  };
}

/** Outside a cluster (or without API access) the apps are never known to be done. */
export const never = (): Promise<void> => new Promise(() => undefined);
