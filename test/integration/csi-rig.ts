// Shared rig of the real-mount CSI tests (csi-*.test.ts): the driver's publisher in the test
// process (it only mounts and answers FUSE_INIT), the real sidecar as a child process running as
// uid 65534 with no capabilities, I/O from shell children with hard timeouts.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { findMount } from '../../src/fuse/index.js';
import { emptyDirPath } from '../../src/csi/constants.js';
import { createFuseMounter } from '../../src/csi/fuse-mounter.js';
import { DEFAULT_INIT } from '../../src/csi/init-policy.js';
import { openHandoffDir } from '../../src/csi/pod-dir.js';
import { createStaticPodInspector } from '../../src/csi/pod-inspector.js';
import type { PodFacts } from '../../src/csi/pod-inspector.js';
import type { ClaimInspector } from '../../src/csi/cache-decision.js';
import { createStateStore } from '../../src/csi/state-store.js';
import { createTargetLocks } from '../../src/csi/target-locks.js';
import { createVolumePublisher } from '../../src/csi/volume-publisher.js';
import type { VolumePublisher } from '../../src/csi/volume-publisher.js';
import { validatePublish } from '../../src/csi/validate.js';
import { REPO, forceUnmount, tempDir } from '../helpers/mount.js';

const SIDECAR = join(REPO, 'dist/src/sidecar/main.js');
const POD_UID = '11111111-2222-3333-4444-555555555555';
const NOBODY = 65534;
const logger = pino({ level: process.env.CSI_TEST_LOG ?? 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const NOBODY_ID = 65534;

export interface Rig {
  root: string;
  metricsSocket: string;
  /** Where the sidecar's control sockets go (VOLUME.sock): the emptyDir path is too long for one. */
  controlDir: string;
  target: string;
  source: string;
  handoff: string;
  publisher: VolumePublisher;
  sidecar?: { child: ChildProcess; exited: Promise<number | null>; logs: () => string };
}

/** `context`: more volume attributes, as the webhook writes them (e.g. fs-interposer.dev/backend). */
export async function publish(rig: Rig, context: Record<string, string> = {}): Promise<void> {
  const req = validatePublish(
    {
      volume_id: 'csi-handoff-test',
      target_path: rig.target,
      volume_capability: { mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } },
      volume_context: {
        'fs-interposer.dev/source-volume': 'data',
        'csi.storage.k8s.io/ephemeral': 'true',
        'csi.storage.k8s.io/pod.name': 'app',
        'csi.storage.k8s.io/pod.namespace': 'default',
        'csi.storage.k8s.io/pod.uid': POD_UID,
        ...context,
      },
    },
    join(rig.root, 'kubelet'),
  );
  await createTargetLocks().with(req.targetPath, () => rig.publisher.publish(req));
}

/** What the driver's API would say about the Pod and its claims (the cache policy reads them). */
export interface RigOptions {
  pod?: Pick<PodFacts, 'annotations' | 'claims'>;
  claims?: ClaimInspector;
}

export function makeRig(o: RigOptions = {}): Rig {
  const root = tempDir('csi');
  chmodSync(root, 0o755); // the sidecar (uid 65534) reaches its emptyDir, PV and podinfo below
  const kubeletRoot = join(root, 'kubelet');
  const source = join(root, 'pv', 'data');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'hello.txt'), 'hello through the sidecar\n');
  chownSync(join(root, 'pv'), NOBODY, NOBODY);
  chownSync(source, NOBODY, NOBODY);
  chownSync(join(source, 'hello.txt'), NOBODY, NOBODY);
  mkdirSync(join(root, 'run'));
  chownSync(join(root, 'run'), NOBODY, NOBODY);
  const podinfo = join(root, 'podinfo');
  mkdirSync(podinfo);
  writeFileSync(join(podinfo, 'annotations'), 'fs-interposer/layers="metrics"\n');
  const publisher = createVolumePublisher({
    mounter: createFuseMounter({ logger }),
    pods: createStaticPodInspector({
      'default/app': { hasSidecar: true, sidecarUid: NOBODY, sidecarGid: NOBODY, ...o.pod },
    }),
    ...(o.claims !== undefined && { claims: o.claims }),
    state: createStateStore(join(root, 'state')),
    logger,
    kubeletRoot,
    openPodDir: (uid, vol) => openHandoffDir(kubeletRoot, uid, vol),
    queues: 2,
    initDefaults: DEFAULT_INIT,
  });
  return {
    root,
    metricsSocket: join(root, 'run', 'metrics.sock'),
    controlDir: join(root, 'run'),
    publisher,
    source,
    target: join(kubeletRoot, 'pods', POD_UID, 'volumes', 'kubernetes.io~csi', 'fsi-data', 'mount'),
    handoff: emptyDirPath(kubeletRoot, POD_UID, 'fs-interposer-handoff'),
  };
}

/** The sidecar as uid/gid 65534, or as another identity (root: the opt-in privileged sidecar). */
export function startSidecar(
  rig: Rig,
  as: { uid: number; gid: number } = { uid: NOBODY, gid: NOBODY },
  env: NodeJS.ProcessEnv = {},
): NonNullable<Rig['sidecar']> {
  const child = spawn(process.execPath, [SIDECAR], {
    uid: as.uid,
    gid: as.gid,
    detached: true, // own process group: teardown kills the supervisor and its servers at once
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      FS_INTERPOSER_VOLUMES: 'data',
      FS_INTERPOSER_HANDOFF_DIR: rig.handoff,
      FS_INTERPOSER_PODINFO_DIR: join(rig.root, 'podinfo'),
      FS_INTERPOSER_SOURCE_ROOT: join(rig.root, 'pv'),
      FS_INTERPOSER_SIDECAR_KIND: 'native',
      FS_INTERPOSER_LOG_LEVEL: 'info',
      // sun_path holds 107 bytes: the rig's emptyDir path is too long for it (in a Pod: /run/...).
      FS_INTERPOSER_METRICS_LISTEN: `unix:${rig.metricsSocket}`,
      FS_INTERPOSER_CONTROL_DIR: rig.controlDir,
      ...env,
    },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  rig.sidecar = { child, exited, logs: () => stderr };
  return rig.sidecar;
}

/** The active server's pid, as it writes it into the handoff dir when promoted. */
export async function serverPid(rig: Rig, not?: number): Promise<number> {
  for (let i = 0; i < 400; i++) {
    try {
      const pid = Number(readFileSync(join(rig.handoff, 'server.pid'), 'utf8').trim());
      if (pid > 0 && pid !== not) return pid;
    } catch {
      // not written yet
    }
    await sleep(10);
  }
  throw new Error('no active server found');
}

export function teardown(rig: Rig | undefined): void {
  if (rig === undefined) return;
  if (process.env.CSI_RIG_LOGS) writeFileSync(process.env.CSI_RIG_LOGS, rig.sidecar?.logs() ?? '');
  const pid = rig.sidecar?.child.pid;
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (findMount(rig.target)) forceUnmount(rig.target);
  rig.publisher.close();
  rmSync(rig.root, { recursive: true, force: true });
}
