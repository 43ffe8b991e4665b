import type { Logger } from 'pino';
import { INJECTION_LABEL, INJECTION_LABEL_VALUE } from '../contract/pod.js';
import { CsiError } from './csi-error.js';
import type { PodEvents } from './pod-events.js';
import type { PodFacts, PodInspector } from './pod-inspector.js';
import type { SocketOwner, VolumeState } from './state-store.js';
import type { PublishRequest } from './validate.js';

export interface PodCheck {
  /**
   * May this Pod have this volume? Returns who may connect to its handoff socket, and what the
   * API said about the Pod (the cache policy reads its annotations and claims).
   */
  forPublish(req: PublishRequest): Promise<{ owner: SocketOwner | null; facts: PodFacts }>;
  /** The socket owner of a volume a driver before this one published (no owner recorded). */
  ownerOf(state: VolumeState): Promise<SocketOwner | null>;
}

/**
 * The one rule for the handoff socket's access (docs/adr/0044-fd-handoff-transport.md), used at
 * first publish and when a restarted driver serves the socket again: 0660 owned by the sidecar's
 * uid/gid, or 0666 when the Pod sets none (only its own containers reach the emptyDir).
 */
export function socketAccess(owner: SocketOwner | null): { mode: number; owner?: SocketOwner } {
  return owner === null ? { mode: 0o666 } : { mode: 0o660, owner };
}

export function socketOwner(facts: PodFacts): SocketOwner | null {
  if (facts.sidecarUid === undefined) return null;
  return { uid: facts.sidecarUid, gid: facts.sidecarGid ?? facts.sidecarUid };
}

/**
 * The driver hands FUSE fds only to Pods the webhook made (docs/adr/0077-pod-provenance.md): a
 * Pod that merely looks injected (a container named fs-interposer, our inline volume) is refused
 * with PERMISSION_DENIED, and the kubelet puts the reason in the Pod's FailedMount event.
 */
export function createPodCheck(o: {
  pods: PodInspector;
  events?: PodEvents;
  logger: Logger;
}): PodCheck {
  const log = o.logger.child({ component: 'csi-pod-check' });
  return {
    async forPublish(req) {
      const who = `pod ${req.pod.namespace}/${req.pod.name}`;
      const facts = await o.pods.inspect({ ...req.pod, sourceVolume: req.sourceVolume });
      if (facts === undefined) {
        throw new CsiError(
          'FAILED_PRECONDITION',
          `${who}: the driver has no Kubernetes API access, so it cannot check that the fs-interposer webhook made this Pod; the volume is not served`,
        );
      }
      if (!facts.hasSidecar) {
        throw new CsiError(
          'FAILED_PRECONDITION',
          `${who} has no fs-interposer sidecar: this volume is only served through it ` +
            `(was the Pod created in a namespace labelled ${INJECTION_LABEL}=${INJECTION_LABEL_VALUE}, with the webhook running?)`,
        );
      }
      const p = facts.provenance;
      if (p.kind === 'refused') {
        throw new CsiError(
          p.unavailable === true ? 'UNAVAILABLE' : 'PERMISSION_DENIED',
          `${who}: ${p.reason}`,
        );
      }
      if (p.kind === 'legacy') {
        log.warn(
          { pod: `${req.pod.namespace}/${req.pod.name}`, volume: req.sourceVolume },
          p.reason,
        );
        await o.events?.warn(req.pod, 'FsInterposerUnsignedPod', p.reason);
      }
      return { owner: socketOwner(facts), facts };
    },
    async ownerOf(state) {
      const facts = await o.pods.inspect({ namespace: state.podNamespace, name: state.podName });
      return facts === undefined ? null : socketOwner(facts);
    },
  };
}
