import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createFakeMounter } from '../../../src/csi/fake-mounter.js';
import { DEFAULT_INIT } from '../../../src/csi/init-policy.js';
import { openHandoffDir } from '../../../src/csi/pod-dir.js';
import { createStaticPodInspector } from '../../../src/csi/pod-inspector.js';
import { recoverCustody } from '../../../src/csi/recover.js';
import { createStateStore } from '../../../src/csi/state-store.js';
import type { VolumeState } from '../../../src/csi/state-store.js';
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
    expect(r).toEqual({ adopted: 2, withFds: 1, dropped: 1 });
    expect(publisher.live.get(live)?.fds).toHaveLength(2);
    expect(publisher.live.get(evil)?.fds).toEqual([]);
    expect(await store.load(gone)).toBeUndefined();
  });
});
