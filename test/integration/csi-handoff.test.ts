// Real mounts on this machine, no kubelet: the CSI driver (in this process: it only mounts and
// answers FUSE_INIT) publishes a volume, the real sidecar (a child process running as uid 65534
// with no capabilities) fetches the fds over SCM_RIGHTS and serves them, the test does I/O from
// shell children with hard timeouts, then unpublishes.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { findMount } from '../../src/cli/mountinfo.js';
import { emptyDirPath } from '../../src/csi/constants.js';
import { createFuseMounter } from '../../src/csi/fuse-mounter.js';
import { DEFAULT_INIT } from '../../src/csi/init-policy.js';
import { openHandoffDir } from '../../src/csi/pod-dir.js';
import { createStaticPodInspector } from '../../src/csi/pod-inspector.js';
import { createStateStore } from '../../src/csi/state-store.js';
import { createTargetLocks } from '../../src/csi/target-locks.js';
import { createVolumePublisher } from '../../src/csi/volume-publisher.js';
import type { VolumePublisher } from '../../src/csi/volume-publisher.js';
import { validatePublish } from '../../src/csi/validate.js';
import { REPO, forceUnmount, tempDir } from '../helpers/mount.js';
import { sh, shOk } from '../helpers/sh.js';

jest.setTimeout(120_000);

const SIDECAR = join(REPO, 'dist/src/sidecar/supervisor-entry.js');
const POD_UID = '11111111-2222-3333-4444-555555555555';
const NOBODY = 65534;
const logger = pino({ level: process.env.CSI_TEST_LOG ?? 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Rig {
  root: string;
  target: string;
  source: string;
  handoff: string;
  publisher: VolumePublisher;
  sidecar?: { child: ChildProcess; exited: Promise<number | null>; logs: () => string };
}

export async function publish(rig: Rig): Promise<void> {
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
      },
    },
    join(rig.root, 'kubelet'),
  );
  await createTargetLocks().with(req.targetPath, () => rig.publisher.publish(req));
}

export function makeRig(): Rig {
  const root = tempDir('csi');
  chmodSync(root, 0o755); // the sidecar (uid 65534) reaches its emptyDir, PV and podinfo below
  const kubeletRoot = join(root, 'kubelet');
  const source = join(root, 'pv', 'data');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'hello.txt'), 'hello through the sidecar\n');
  chownSync(join(root, 'pv'), NOBODY, NOBODY);
  chownSync(source, NOBODY, NOBODY);
  chownSync(join(source, 'hello.txt'), NOBODY, NOBODY);
  const podinfo = join(root, 'podinfo');
  mkdirSync(podinfo);
  writeFileSync(join(podinfo, 'annotations'), 'fs-interposer/layers="metrics"\n');
  const publisher = createVolumePublisher({
    mounter: createFuseMounter({ logger }),
    pods: createStaticPodInspector({
      'default/app': { hasSidecar: true, sidecarUid: NOBODY, sidecarGid: NOBODY },
    }),
    state: createStateStore(join(root, 'state')),
    logger,
    kubeletRoot,
    openPodDir: (uid, vol) => openHandoffDir(kubeletRoot, uid, vol),
    queues: 2,
    initDefaults: DEFAULT_INIT,
  });
  return {
    root,
    publisher,
    source,
    target: join(kubeletRoot, 'pods', POD_UID, 'volumes', 'kubernetes.io~csi', 'fsi-data', 'mount'),
    handoff: emptyDirPath(kubeletRoot, POD_UID, 'fs-interposer-handoff'),
  };
}

export function startSidecar(rig: Rig): NonNullable<Rig['sidecar']> {
  const child = spawn(process.execPath, [SIDECAR], {
    uid: NOBODY,
    gid: NOBODY,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      FS_INTERPOSER_VOLUMES: 'data',
      FS_INTERPOSER_HANDOFF_DIR: rig.handoff,
      FS_INTERPOSER_PODINFO_DIR: join(rig.root, 'podinfo'),
      FS_INTERPOSER_SOURCE_ROOT: join(rig.root, 'pv'),
      FS_INTERPOSER_SIDECAR_KIND: 'native',
      FS_INTERPOSER_LOG_LEVEL: 'info',
    },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  rig.sidecar = { child, exited, logs: () => stderr };
  return rig.sidecar;
}

/** The server process under the supervisor (its only child). */
export async function serverPid(supervisorPid: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const r = await sh(`pgrep -P ${supervisorPid} -f server-entry`, { timeoutMs: 5000 });
    const pid = Number(r.stdout.trim().split('\n')[0]);
    if (pid > 0) return pid;
    await sleep(25);
  }
  throw new Error('no server child found');
}

export function teardown(rig: Rig | undefined): void {
  if (rig === undefined) return;
  rig.sidecar?.child.kill('SIGKILL');
  if (findMount(rig.target)) forceUnmount(rig.target);
  rig.publisher.close();
  rmSync(rig.root, { recursive: true, force: true });
}

describe('CSI publish -> fd handoff -> sidecar serves -> unpublish (real mount)', () => {
  let rig: Rig | undefined;
  beforeEach(() => {
    rig = makeRig();
  });
  afterEach(() => {
    teardown(rig);
    rig = undefined;
  });

  it('serves the PV through the unprivileged sidecar and unmounts on unpublish', async () => {
    const r = rig!;
    await publish(r);
    expect(findMount(r.target)?.fsType).toBe('fuse.fs-interposer');
    const sc = startSidecar(r);
    const cat = await shOk(`cat "${r.target}/hello.txt"`, { timeoutMs: 20_000 }).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n--- sidecar\n${sc.logs()}`);
      },
    );
    expect(cat).toBe('hello through the sidecar\n');
    await shOk(
      `echo written-by-app > "${r.target}/new.txt" && mkdir "${r.target}/dir" && mv "${r.target}/new.txt" "${r.target}/dir/"`,
      {
        timeoutMs: 10_000,
      },
    );
    const st = statSync(join(r.source, 'dir', 'new.txt'));
    expect([st.uid, st.gid]).toEqual([NOBODY, NOBODY]); // owned as if the app had written it

    // kill -9 the server: the supervisor restarts it and the mount keeps working.
    const before = await serverPid(sc.child.pid!);
    process.kill(before, 'SIGKILL');
    const t0 = Date.now();
    await shOk(`cat "${r.target}/dir/new.txt"`, { timeoutMs: 10_000 });
    const takeoverMs = Date.now() - t0;
    expect(await serverPid(sc.child.pid!)).not.toBe(before);
    expect(takeoverMs).toBeLessThan(3000);

    await r.publisher.unpublish({ volumeId: 'csi-handoff-test', targetPath: r.target });
    expect(findMount(r.target)).toBeUndefined();
    await expect(Promise.race([sc.exited, sleep(10_000).then(() => 'timeout')])).resolves.toBe(0);
  });
});
