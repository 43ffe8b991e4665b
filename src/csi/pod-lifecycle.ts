import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { SIDECAR_CONTAINER_NAME } from '../contract/pod.js';
import type { PodEvents } from './pod-events.js';
import { podLife } from './pod-status.js';
import type { PodLife } from './pod-status.js';
import type { LiveVolume } from './volume-publisher.js';

/** The publisher's side of the lifecycle: tell the sidecar, or give the volume up. */
export interface LifecycleTarget {
  readonly live: ReadonlyMap<string, LiveVolume>;
  /** Writes APPS_DONE_FILE into the Pod's handoff dir: the regular-container sidecar then exits. */
  signalAppsDone(targetPath: string): void;
  /** Ends the FUSE connection: every pending and later call on the volume fails (ENOTCONN). */
  giveUp(targetPath: string, reason: string): void;
}

export interface PodLifecycleOptions {
  /** The Pods on this node (one list call; RBAC: list pods). */
  listPods: () => Promise<V1Pod[]>;
  volumes: LifecycleTarget;
  events?: PodEvents;
  logger: Logger;
  /** How long a volume may be without a running sidecar holding it before it is given up. */
  sidecarWaitMs: number;
  sidecarName?: string;
  now?: () => number;
}

export interface PodLifecycle {
  /** One pass over the live volumes (the driver runs it every POLL_MS; tests call it directly). */
  tick(): Promise<void>;
  start(intervalMs?: number): () => void;
}

export const SIDECAR_MISSING_REASON = 'FsInterposerSidecarMissing';
export const POLL_MS = 2000;
/** How long the Event may wait for the kubelet to report the sidecar's state. */
export const EVENT_WAIT_MS = 15_000;

/**
 * The driver watches the Pods it serves, because the sidecar cannot (the user's ServiceAccount
 * has no API access): it tells a regular-container sidecar that the apps have ended for good
 * (Jobs complete), and it ends a volume whose sidecar never came or stopped running for
 * sidecarWaitMs (image pull failure, crash loop), so the app gets an error instead of an
 * endless wait in the kernel, and records an Event naming the sidecar's state.
 */
export function createPodLifecycle(o: PodLifecycleOptions): PodLifecycle {
  const log = o.logger.child({ component: 'csi-pod-lifecycle' });
  const now = o.now ?? (() => Date.now());
  const name = o.sidecarName ?? SIDECAR_CONTAINER_NAME;
  const missingSince = new Map<string, number>();
  const signalled = new Set<string>();
  const signal = (target: string, v: LiveVolume, life: PodLife): void => {
    missingSince.delete(target);
    if (!life.regularSidecar || signalled.has(target)) return;
    signalled.add(target);
    o.volumes.signalAppsDone(target);
    log.info({ pod: `${v.state.podNamespace}/${v.state.podName}`, volume: v.state.sourceVolume }, 'app containers ended: told the sidecar');
  };
  /** True once the volume has gone without a running sidecar holding it for the whole wait. */
  const waitedOut = (target: string, v: LiveVolume, life: PodLife): boolean => {
    if (life.sidecarRunning && (v.adopted || v.server.served > 0)) {
      missingSince.delete(target);
      return false;
    }
    const since = missingSince.get(target) ?? now();
    missingSince.set(target, since);
    return now() - since >= o.sidecarWaitMs;
  };
  const reasonFor = (v: LiveVolume, life: PodLife): string =>
    `no running fs-interposer sidecar held volume ${v.state.sourceVolume} for ${Math.round(o.sidecarWaitMs / 1000)} s (container ${name}: ${life.sidecarState}); the driver ended the volume's FUSE connection, so the app's calls on it fail instead of waiting (ECONNABORTED for a call already waiting, then ENOTCONN: Transport endpoint is not connected); re-create the Pod once the sidecar can start`;
  /** Given up, Event not yet recorded: since when. */
  const unannounced = new Map<string, number>();
  const giveUp = (target: string, v: LiveVolume, life: PodLife): void => {
    missingSince.delete(target);
    o.volumes.giveUp(target, reasonFor(v, life));
    unannounced.set(target, now());
    log.error({ pod: `${v.state.podNamespace}/${v.state.podName}`, volume: v.state.sourceVolume, sidecar: life.sidecarState }, 'volume given up: no sidecar');
  };
  /**
   * The kubelet reports no container state while its sync of the Pod is stuck creating an app
   * container on the unserved mount (the runtime stats the mount point); ending the connection
   * unsticks it. So the Event waits until the sidecar's state is known, at most EVENT_WAIT_MS.
   */
  const announce = async (target: string, v: LiveVolume, life: PodLife): Promise<void> => {
    const since = unannounced.get(target);
    if (since === undefined || (!life.sidecarStateKnown && now() - since < EVENT_WAIT_MS)) return;
    unannounced.delete(target);
    await o.events?.warn({ namespace: v.state.podNamespace, name: v.state.podName, uid: v.state.podUid }, SIDECAR_MISSING_REASON, reasonFor(v, life));
  };
  const tick = async (): Promise<void> => {
    if (o.volumes.live.size === 0) return;
    const pods = new Map((await o.listPods()).map((p) => [p.metadata?.uid ?? '', p]));
    for (const m of [missingSince, unannounced]) for (const key of [...m.keys()]) if (!o.volumes.live.has(key)) m.delete(key);
    for (const [target, v] of o.volumes.live) {
      const pod = pods.get(v.state.podUid);
      if (pod === undefined) continue;
      const life = podLife(pod, name);
      if (v.gaveUp !== undefined) await announce(target, v, life);
      else if (life.appsDoneForGood) signal(target, v, life);
      else if (waitedOut(target, v, life)) {
        giveUp(target, v, life);
        await announce(target, v, life);
      }
    }
  };
  return {
    tick,
    start(intervalMs = POLL_MS) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        tick()
          .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'listing the Pods failed; retrying'))
          .finally(() => (running = false));
      }, intervalMs);
      return () => clearInterval(timer);
    },
  };
}
