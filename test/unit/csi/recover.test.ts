import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  closeSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { emptyDirPath } from '../../../src/csi/constants.js';
import { createFakeMounter } from '../../../src/csi/fake-mounter.js';
import { DEFAULT_INIT } from '../../../src/csi/init-policy.js';
import { openHandoffDir } from '../../../src/csi/pod-dir.js';
import { createStaticPodInspector } from '../../../src/csi/pod-inspector.js';
import { recoverCustody } from '../../../src/csi/recover.js';
import { createStateStore } from '../../../src/csi/state-store.js';
import type { VolumeState } from '../../../src/csi/state-store.js';
import { validatePublish } from '../../../src/csi/validate.js';
import { createVolumePublisher } from '../../../src/csi/volume-publisher.js';
import type { VolumePublisher } from '../../../src/csi/volume-publisher.js';
import { createHandoffServer } from '../../../src/handoff/server.js';
import type { HandoffServer } from '../../../src/handoff/server.js';

const logger = pino({ level: 'silent' });
const UID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

describe('custody recovery after a driver restart', () => {
  let root: string;
  let publisher: VolumePublisher;
  const closers: (() => void)[] = [];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'csi-recover-'));
  });
  afterEach(() => {
    closers.splice(0).forEach((c) => c());
    publisher?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const state = (target: string, sourceVolume: string): VolumeState => ({
    volumeId: `vol-${sourceVolume}`,
    targetPath: target,
    sourceVolume,
    podUid: UID,
    podNamespace: 'default',
    podName: 'app',
    readOnly: false,
    init: { major: 7, minor: 45 },
    publishedAt: new Date(0).toISOString(),
  });

  /** What the sidecar supervisor does: offer its fds on <volume>.custody.sock. */
  function sidecarOffers(volume: string, fds: number[]): void {
    const dirFd = openHandoffDir(join(root, 'kubelet'), UID, 'fs-interposer-handoff');
    const server: HandoffServer = createHandoffServer({
      dirFd,
      name: `${volume}.custody.sock`,
      logger,
      source: () => ({
        message: { volumeId: volume, init: {}, fds: fds.map(() => 'queue' as const) },
        fds,
      }),
    });
    closers.push(() => {
      server.close();
      closeSync(dirFd);
      fds.forEach((fd) => closeSync(fd));
    });
  }

  it('adopts live mounts with the fds the sidecar returns, drops gone ones, refuses non-FUSE fds', async () => {
    const kubeletRoot = join(root, 'kubelet');
    const store = createStateStore(join(root, 'state'));
    const mounter = createFakeMounter();
    const openPodDir = (uid: string, vol: string): number => openHandoffDir(kubeletRoot, uid, vol);
    publisher = createVolumePublisher({
      mounter,
      pods: createStaticPodInspector({}),
      state: store,
      logger,
      kubeletRoot,
      openPodDir,
      queues: 2,
      initDefaults: DEFAULT_INIT,
    });
    // Three volumes the previous driver published; two are still mounted.
    const live = join(kubeletRoot, 'live');
    const evil = join(kubeletRoot, 'evil');
    const gone = join(kubeletRoot, 'gone');
    await store.save(state(live, 'data'));
    await store.save(state(evil, 'logs'));
    await store.save(state(gone, 'tmp'));
    await mounter.mount({ targetPath: live, readOnly: false, fsName: 'x', queues: 0, init: {} });
    await mounter.mount({ targetPath: evil, readOnly: false, fsName: 'x', queues: 0, init: {} });
    sidecarOffers('data', [openSync('/dev/fuse', 'r+'), openSync('/dev/fuse', 'r+')]);
    sidecarOffers('logs', [openSync('/etc/hostname', 'r')]); // not /dev/fuse: must be refused

    const r = await recoverCustody({
      state: store,
      publisher,
      mounter,
      openPodDir: (uid) => openPodDir(uid, 'fs-interposer-handoff'),
      logger,
      timeoutMs: 1000,
    });
    expect(r).toEqual({ adopted: 2, withFds: 1, dropped: 1, failed: 0 });
    expect(publisher.live.get(live)?.fds).toHaveLength(2);
    expect(publisher.live.get(evil)?.fds).toEqual([]);
    expect(await store.load(gone)).toBeUndefined();
  });

  it.each([
    ['state written by this driver', false],
    ['state written by an older driver (no socket owner recorded)', true],
  ])(
    're-serves the handoff socket after a restart exactly as the first publish did (%s)',
    async (_what, oldState) => {
      const kubeletRoot = join(root, 'kubelet');
      const store = createStateStore(join(root, 'state'));
      const mounter = createFakeMounter();
      const pods = createStaticPodInspector({
        'default/app': { hasSidecar: true, sidecarUid: 65534, sidecarGid: 65533 },
      });
      const openPodDir = (uid: string, vol: string): number =>
        openHandoffDir(kubeletRoot, uid, vol);
      const make = (): VolumePublisher =>
        createVolumePublisher({
          mounter,
          pods,
          state: store,
          logger,
          kubeletRoot,
          openPodDir,
          queues: 2,
          initDefaults: DEFAULT_INIT,
        });
      const target = join(
        kubeletRoot,
        'pods',
        UID,
        'volumes',
        'kubernetes.io~csi',
        'fsi-data',
        'mount',
      );
      const first = make();
      await first.publish(
        validatePublish(
          {
            volume_id: 'vol-data',
            target_path: target,
            volume_capability: { mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } },
            volume_context: {
              'fs-interposer.dev/source-volume': 'data',
              'csi.storage.k8s.io/ephemeral': 'true',
              'csi.storage.k8s.io/pod.name': 'app',
              'csi.storage.k8s.io/pod.namespace': 'default',
              'csi.storage.k8s.io/pod.uid': UID,
            },
          },
          kubeletRoot,
        ),
      );
      const socket = join(
        emptyDirPath(kubeletRoot, UID, 'fs-interposer-handoff'),
        'data.fuse.sock',
      );
      const access = (): object => {
        const st = lstatSync(socket);
        return { mode: st.mode & 0o777, uid: st.uid, gid: st.gid };
      };
      expect(access()).toEqual({ mode: 0o660, uid: 65534, gid: 65533 });
      // The driver dies: its socket file stays behind, the mount stays (the sidecar holds fds).
      const live = first.live.get(target)!;
      live.server.close();
      closeSync(live.dirFd);
      if (oldState) {
        const dir = join(root, 'state', 'volumes');
        const file = join(
          dir,
          readdirSync(dir).find((f) => f.endsWith('.json'))!,
        );
        const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        delete saved.socketOwner;
        writeFileSync(file, JSON.stringify(saved));
      }
      publisher = make();
      const r = await recoverCustody({
        state: store,
        publisher,
        mounter,
        openPodDir: (uid) => openPodDir(uid, 'fs-interposer-handoff'),
        logger,
        timeoutMs: 200,
      });
      expect(r.adopted).toBe(1);
      expect(access()).toEqual({ mode: 0o660, uid: 65534, gid: 65533 });
    },
  );

  it('leaves a volume unserved, never served wider, when its owner cannot be looked up', async () => {
    const kubeletRoot = join(root, 'kubelet');
    const store = createStateStore(join(root, 'state'));
    const mounter = createFakeMounter();
    publisher = createVolumePublisher({
      mounter,
      pods: { inspect: () => Promise.reject(new Error('apiserver unreachable')) },
      state: store,
      logger,
      kubeletRoot,
      openPodDir: (uid, vol) => openHandoffDir(kubeletRoot, uid, vol),
      queues: 2,
      initDefaults: DEFAULT_INIT,
    });
    const target = join(kubeletRoot, 'old');
    await store.save(state(target, 'data')); // no socketOwner: written by an older driver
    await mounter.mount({ targetPath: target, readOnly: false, fsName: 'x', queues: 0, init: {} });
    const r = await recoverCustody({
      state: store,
      publisher,
      mounter,
      openPodDir: (uid) => openHandoffDir(kubeletRoot, uid, 'fs-interposer-handoff'),
      logger,
      timeoutMs: 200,
    });
    expect(r).toEqual({ adopted: 0, withFds: 0, dropped: 0, failed: 1 });
    expect(publisher.live.size).toBe(0);
    expect(await store.load(target)).toBeDefined(); // still known as ours for unpublish
  });
});
