// The CSI node driver's main: compose the real mounter, the state store, the Pod check and the
// gRPC services; re-acquire custody of live mounts; serve until SIGTERM.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../log/logger.js';
import {
  DEFAULT_KUBELET_ROOT,
  DEFAULT_STATE_DIR,
  DRIVER_NAME,
  HANDOFF_VOLUME_NAME,
} from './constants.js';
import { createFuseMounter } from './fuse-mounter.js';
import { DEFAULT_INIT } from './init-policy.js';
import { createKubePodInspector } from './kube-pod-inspector.js';
import { openHandoffDir } from './pod-dir.js';
import type { PodInspector } from './pod-inspector.js';
import { recoverCustody } from './recover.js';
import { createCsiDriver } from './server.js';
import { createStateStore } from './state-store.js';
import { createTargetLocks } from './target-locks.js';
import { createVolumePublisher } from './volume-publisher.js';

const env = process.env;

async function main(): Promise<number> {
  const logger = createLogger({ name: 'fs-interposer-csi' });
  const kubeletRoot = env.KUBELET_ROOT ?? DEFAULT_KUBELET_ROOT;
  const driverName = env.CSI_DRIVER_NAME ?? DRIVER_NAME;
  const csiSocket =
    env.CSI_ENDPOINT?.replace(/^unix:\/\//, '') ??
    join(kubeletRoot, 'plugins', driverName, 'csi.sock');
  const mounter = createFuseMounter({ logger });
  const state = createStateStore(env.FS_INTERPOSER_STATE_DIR ?? DEFAULT_STATE_DIR);
  const pods: PodInspector =
    env.KUBERNETES_SERVICE_HOST !== undefined || env.KUBECONFIG !== undefined
      ? createKubePodInspector()
      : { inspect: () => Promise.resolve(undefined) };
  const openPodDir = (uid: string, volume: string): number =>
    openHandoffDir(kubeletRoot, uid, volume);
  const publisher = createVolumePublisher({
    mounter,
    pods,
    state,
    logger,
    kubeletRoot,
    openPodDir,
    queues: Number(env.FS_INTERPOSER_QUEUES ?? 2),
    initDefaults: {
      ...DEFAULT_INIT,
      writebackCache: env.FS_INTERPOSER_WRITEBACK_CACHE === 'true',
    },
  });
  let ready = false;
  const driver = createCsiDriver({
    name: driverName,
    version: env.FS_INTERPOSER_VERSION ?? '0.1.0',
    nodeId: env.NODE_NAME ?? hostname(),
    kubeletRoot,
    csiSocket,
    ...(env.REGISTRATION_DIR === 'none'
      ? {}
      : {
          registrationSocket: join(
            env.REGISTRATION_DIR ?? join(kubeletRoot, 'plugins_registry'),
            `${driverName}-reg.sock`,
          ),
        }),
    ...(env.KUBELET_CSI_ENDPOINT ? { kubeletEndpoint: env.KUBELET_CSI_ENDPOINT } : {}),
    publisher,
    locks: createTargetLocks(),
    logger,
    ready: () => ready,
  });
  await driver.start();
  await recoverCustody({
    state,
    publisher,
    mounter,
    openPodDir: (uid) => openPodDir(uid, HANDOFF_VOLUME_NAME),
    logger,
  });
  ready = true;
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  // Mounts stay: the sidecars hold their fds, and a restarted driver adopts them again.
  await driver.stop();
  publisher.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fs-interposer csi: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
