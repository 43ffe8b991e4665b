import { closeSync, rmdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { readFileBeneath } from '../handoff/safe-path.js';
import { createHandoffServer } from '../handoff/server.js';
import type { HandoffServer, HandoffServerOptions } from '../handoff/server.js';
import { handoffSocketName, sidecarErrorName } from '../contract/handoff-dir.js';
import { HANDOFF_VOLUME_NAME } from '../contract/pod.js';
import { CsiError } from './csi-error.js';
import type { InitDefaults } from './init-policy.js';
import { initFor } from './init-policy.js';
import type { Mounter } from './mounter.js';
import { createPodCheck, socketAccess } from './pod-check.js';
import { mountOfOurs } from './unpublish-guard.js';
import type { PodEvents } from './pod-events.js';
import type { ClaimInspector } from './cache-decision.js';
import { createPublishCache } from './publish-cache.js';
import type { CachePolicy } from '../contract/cache-policy.js';
import type { PodInspector } from './pod-inspector.js';
import type { SocketOwner, StateStore, VolumeState } from './state-store.js';
import type { PublishRequest, UnpublishRequest } from './validate.js';

export interface PublisherOptions {
  mounter: Mounter;
  pods: PodInspector;
  /** Reads the volume's PVC and PV for the cache policy; absent: the safe default, said so. */
  claims?: ClaimInspector;
  /** Warning Events on Pods (an unsigned Pod of an earlier release served). */
  events?: PodEvents;
  state: StateStore;
  logger: Logger;
  kubeletRoot: string;
  /** Opens the Pod's handoff directory (pod-dir.ts; tests point it at a temp dir). */
  openPodDir: (podUid: string, volume: string) => number;
  queues: number;
  initDefaults: InitDefaults;
  serveHandoff?: (o: HandoffServerOptions) => HandoffServer;
  now?: () => Date;
}

/** A volume the driver holds custody of: its fds (never closed before unpublish) and its server. */
export interface LiveVolume {
  state: VolumeState;
  fds: number[];
  dirFd: number;
  server: HandoffServer;
  /** Re-served after a driver restart: a sidecar may hold the fds without a handoff from us. */
  adopted: boolean;
  /** Why the volume was given up (no sidecar held it): its fds are closed, nothing is offered. */
  gaveUp?: string;
}

export interface VolumePublisher {
  publish(req: PublishRequest): Promise<void>;
  unpublish(req: UnpublishRequest): Promise<void>;
  /** Called after a restart with the fds re-acquired (or none): serve the handoff again. */
  adopt(state: VolumeState, fds: number[]): Promise<void>;
  readonly live: ReadonlyMap<string, LiveVolume>;
  close(): void;
}

function podLabel(s: { podNamespace: string; podName: string }): string {
  return `${s.podNamespace}/${s.podName}`;
}

export function createVolumePublisher(o: PublisherOptions): VolumePublisher {
  const log = o.logger.child({ component: 'csi-publisher' });
  const live = new Map<string, LiveVolume>();
  const serve = o.serveHandoff ?? createHandoffServer;
  const now = o.now ?? (() => new Date());
  const pods = createPodCheck(o);
  const cachePolicy = createPublishCache(o);

  const startServing = (state: VolumeState, fds: number[], dirFd: number, adopted = false): void => {
    const server = serve({
      dirFd,
      name: handoffSocketName(state.sourceVolume),
      logger: o.logger,
      ...socketAccess(state.socketOwner ?? null),
      source: () =>
        fds.length === 0
          ? undefined
          : {
              message: {
                volumeId: state.volumeId,
                init: state.init,
                fds: fds.map((_, i) => (i === 0 ? 'primary' : 'queue')),
                ...(state.cache !== undefined && { extra: { cache: state.cache } }),
              },
              fds,
            },
    });
    live.set(state.targetPath, { state, fds, dirFd, server, adopted });
  };

  const mountAndServe = async (
    req: PublishRequest,
    dirFd: number,
    owner: SocketOwner | null,
    cache: CachePolicy,
  ): Promise<void> => {
    const mounted = await o.mounter.mount({
      targetPath: req.targetPath,
      readOnly: req.readOnly,
      fsName: `fs-interposer:${req.sourceVolume}`,
      queues: o.queues,
      init: { ...initFor(req, o.initDefaults) },
    });
    const state: VolumeState = {
      volumeId: req.volumeId,
      targetPath: req.targetPath,
      sourceVolume: req.sourceVolume,
      podUid: req.pod.uid,
      podNamespace: req.pod.namespace,
      podName: req.pod.name,
      readOnly: req.readOnly,
      init: mounted.init,
      publishedAt: now().toISOString(),
      socketOwner: owner,
      cache,
    };
    try {
      await o.state.save(state);
      startServing(state, mounted.fds, dirFd);
    } catch (err) {
      await o.mounter.unmount(req.targetPath);
      o.mounter.closeFds(mounted.fds);
      throw err;
    }
  };

  const publish = async (req: PublishRequest): Promise<void> => {
    const existing = live.get(req.targetPath);
    if (existing !== undefined) {
      if (existing.state.volumeId === req.volumeId && existing.state.readOnly === req.readOnly)
        return;
      throw new CsiError(
        'ALREADY_EXISTS',
        `${req.targetPath} is published for volume ${existing.state.volumeId}`,
      );
    }
    const { owner, facts } = await pods.forPublish(req);
    const cache = await cachePolicy(req, facts);
    const dirFd = o.openPodDir(req.pod.uid, HANDOFF_VOLUME_NAME);
    const sidecarError = readFileBeneath(dirFd, sidecarErrorName(req.sourceVolume));
    if (sidecarError !== undefined)
      log.warn({ volume: req.sourceVolume, sidecarError }, 'the sidecar reported an error');
    try {
      await mountAndServe(req, dirFd, owner, cache);
    } catch (err) {
      closeSync(dirFd);
      if (err instanceof CsiError || sidecarError === undefined) throw err;
      throw new CsiError(
        'INTERNAL',
        `${(err as Error).message}; the sidecar reported: ${sidecarError.trim()}`,
      );
    }
    log.info(
      {
        target: req.targetPath,
        volumeId: req.volumeId,
        pod: `${req.pod.namespace}/${req.pod.name}`,
      },
      'published',
    );
  };

  const unpublish = async (req: UnpublishRequest): Promise<void> => {
    const entry = live.get(req.targetPath);
    const record = entry?.state ?? (await o.state.load(req.targetPath));
    const type = await mountOfOurs(req, record, o.mounter, log);
    if (type !== undefined) await o.mounter.unmount(req.targetPath);
    if (entry !== undefined) {
      live.delete(req.targetPath);
      entry.server.close();
      o.mounter.closeFds(entry.fds);
      closeSync(entry.dirFd);
      log.info({ target: req.targetPath, pod: podLabel(entry.state) }, 'unpublished');
    }
    await o.state.remove(req.targetPath);
    try {
      rmdirSync(req.targetPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        log.warn({ target: req.targetPath, code }, 'target directory left in place');
    }
  };

  return {
    publish,
    unpublish,
    async adopt(state, fds) {
      // State from an older driver has no owner: ask the Pod again, as the first publish did.
      const socketOwner =
        state.socketOwner !== undefined ? state.socketOwner : await pods.ownerOf(state);
      startServing({ ...state, socketOwner }, fds, o.openPodDir(state.podUid, HANDOFF_VOLUME_NAME), true);
    },
    live,
    close() {
      for (const entry of live.values()) {
        entry.server.close();
        o.mounter.closeFds(entry.fds);
        closeSync(entry.dirFd);
      }
      live.clear();
    },
  };
}
