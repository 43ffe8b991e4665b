import type { Handlers } from './logging.js';
import type { TargetLocks } from './target-locks.js';
import { validatePublish, validateUnpublish } from './validate.js';
import type { VolumePublisher } from './volume-publisher.js';

export interface NodeServiceOptions {
  nodeId: string;
  kubeletRoot: string;
  publisher: VolumePublisher;
  locks: TargetLocks;
  /** 0 = no limit of our own (each volume costs a few fds and one FUSE connection). */
  maxVolumesPerNode?: number;
}

export function createNodeService(o: NodeServiceOptions): Handlers {
  return {
    async NodePublishVolume(raw) {
      const req = validatePublish(raw, o.kubeletRoot);
      await o.locks.with(req.targetPath, () => o.publisher.publish(req));
      return {};
    },
    async NodeUnpublishVolume(raw) {
      const req = validateUnpublish(raw, o.kubeletRoot);
      await o.locks.with(req.targetPath, () => o.publisher.unpublish(req));
      return {};
    },
    // No STAGE_UNSTAGE (inline volumes are published directly), no stats: kubelet must never
    // walk the FUSE mount (fsGroupPolicy None for the same reason).
    NodeGetCapabilities: () => Promise.resolve({ capabilities: [] }),
    NodeGetInfo: () =>
      Promise.resolve({
        node_id: o.nodeId,
        max_volumes_per_node: String(o.maxVolumesPerNode ?? 0),
      }),
  };
}
