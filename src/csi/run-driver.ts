import type { Logger } from 'pino';
import { createHandoffServer } from '../handoff/server.js';
import { HANDOFF_VOLUME_NAME } from '../contract/pod.js';
import { createCsiMetrics } from './csi-metrics.js';
import { parseDriverEnv } from './driver-env.js';
import { createFuseMounter } from './fuse-mounter.js';
import { startHealthServer } from './health.js';
import {
  createKubePodInspector,
  createKubeProvenanceKeys,
  loadDefault,
} from './kube-pod-inspector.js';
import { CoreV1Api } from '@kubernetes/client-node';
import { lifecycleActions } from './lifecycle-actions.js';
import { createKubePodEvents } from './pod-events.js';
import { createPodLifecycle } from './pod-lifecycle.js';
import { openHandoffDir } from './pod-dir.js';
import type { PodInspector } from './pod-inspector.js';
import { recoverCustody } from './recover.js';
import { createCsiDriver } from './server.js';
import { createStateStore } from './state-store.js';
import { createTargetLocks } from './target-locks.js';
import { createVolumePublisher } from './volume-publisher.js';
import { createKubeClaimInspector } from './kube-claim-inspector.js';

type Env = Readonly<Record<string, string | undefined>>;

function required(value: string | undefined, name: string): string {
  if (value === undefined) {
    throw new Error(
      `csi driver environment: ${name} is required in a cluster (the release namespace, where the webhook keeps the provenance key)`,
    );
  }
  return value;
}

/**
 * `fs-interposer csi`: compose the real mounter, the state store, the Pod check and the gRPC
 * services; re-acquire custody of live mounts; serve until `stop` resolves (SIGTERM). Mounts
 * stay when the driver stops: the sidecars hold their fds and a restarted driver adopts them.
 */
export async function runCsiDriver(o: {
  env: Env;
  logger: Logger;
  stop: Promise<unknown>;
}): Promise<number> {
  const env = parseDriverEnv(o.env);
  const logger = o.logger.child({ role: 'csi' });
  const mounter = createFuseMounter({ logger });
  const state = createStateStore(env.stateDir);
  const inCluster = o.env.KUBERNETES_SERVICE_HOST !== undefined || o.env.KUBECONFIG !== undefined;
  const kubeConfig = inCluster ? loadDefault() : undefined;
  // Without the API nothing can be verified: every publish is refused (pod-check.ts).
  const pods: PodInspector =
    kubeConfig === undefined
      ? { inspect: () => Promise.resolve(undefined) }
      : createKubePodInspector({
          kubeConfig,
          driver: env.driverName,
          keys: createKubeProvenanceKeys({
            kubeConfig,
            namespace: required(env.provenance.namespace, 'FS_INTERPOSER_NAMESPACE'),
            secretName: env.provenance.secretName,
          }),
          legacy: env.provenance.legacy,
        });
  const events =
    kubeConfig === undefined
      ? undefined
      : createKubePodEvents({ kubeConfig, node: env.nodeId, logger });
  const openPodDir = (uid: string, volume: string): number =>
    openHandoffDir(env.kubeletRoot, uid, volume);
  const publisher = createVolumePublisher({
    mounter,
    pods,
    ...(kubeConfig !== undefined && { claims: createKubeClaimInspector({ kubeConfig }) }),
    ...(events === undefined ? {} : { events }),
    state,
    logger,
    kubeletRoot: env.kubeletRoot,
    openPodDir,
    queues: env.queues,
    initDefaults: env.init,
    serveHandoff: (opts) => createHandoffServer({ ...opts, onError: () => metrics.handoffError() }),
  });
  const metrics = createCsiMetrics({ version: env.version, liveVolumes: () => publisher.live.size });
  let ready = false;
  const driver = createCsiDriver({
    name: env.driverName,
    version: env.version,
    nodeId: env.nodeId,
    kubeletRoot: env.kubeletRoot,
    csiSocket: env.csiSocket,
    maxVolumesPerNode: env.maxVolumesPerNode,
    ...(env.registrationSocket ? { registrationSocket: env.registrationSocket } : {}),
    publisher,
    locks: createTargetLocks(),
    logger,
    ready: () => ready,
    onResult: metrics.rpc,
  });
  const health = env.healthPort
    ? await startHealthServer(env.healthPort, () => ready, metrics.registry)
    : undefined;
  await driver.start();
  const recovered = await recoverCustody({
    state,
    publisher,
    mounter,
    openPodDir: (uid) => openPodDir(uid, HANDOFF_VOLUME_NAME),
    logger,
  });
  metrics.custody(recovered);
  ready = true;
  const api = kubeConfig?.makeApiClient(CoreV1Api);
  // This node's Pods, from the API server's watch cache (resourceVersion 0): one call per tick.
  const stopLifecycle = api && createPodLifecycle({
    listPods: async () =>
      (await api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${env.nodeId}`, resourceVersion: '0' })).items,
    volumes: lifecycleActions({ live: publisher.live, closeFds: mounter.closeFds, logger }),
    ...(events === undefined ? {} : { events }),
    logger,
    sidecarWaitMs: env.sidecarWaitSeconds * 1000,
  }).start();
  await o.stop;
  stopLifecycle?.();
  await driver.stop();
  publisher.close();
  health?.close();
  return 0;
}
