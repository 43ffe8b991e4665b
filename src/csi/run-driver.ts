import type { Logger } from 'pino';
import { createHandoffServer } from '../handoff/server.js';
import { HANDOFF_VOLUME_NAME } from './constants.js';
import { createCsiMetrics } from './csi-metrics.js';
import { parseDriverEnv } from './driver-env.js';
import { createFuseMounter } from './fuse-mounter.js';
import { startHealthServer } from './health.js';
import { createKubePodInspector } from './kube-pod-inspector.js';
import { openHandoffDir } from './pod-dir.js';
import type { PodInspector } from './pod-inspector.js';
import { recoverCustody } from './recover.js';
import { createCsiDriver } from './server.js';
import { createStateStore } from './state-store.js';
import { createTargetLocks } from './target-locks.js';
import { createVolumePublisher } from './volume-publisher.js';

type Env = Readonly<Record<string, string | undefined>>;

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
  const pods: PodInspector = inCluster
    ? createKubePodInspector()
    : { inspect: () => Promise.resolve(undefined) };
  const openPodDir = (uid: string, volume: string): number =>
    openHandoffDir(env.kubeletRoot, uid, volume);
  const publisher = createVolumePublisher({
    mounter,
    pods,
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
  await o.stop;
  await driver.stop();
  publisher.close();
  health?.close();
  return 0;
}
