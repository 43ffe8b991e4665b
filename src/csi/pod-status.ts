import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** What the driver reads from a served Pod's status (the sidecar itself has no API access). */
export interface PodLife {
  /** The sidecar is a regular container: nobody sends it SIGTERM when the apps end. */
  regularSidecar: boolean;
  /** Every app container has ended and none will be restarted (Jobs, run-to-completion Pods). */
  appsDoneForGood: boolean;
  /** The sidecar container is running right now. */
  sidecarRunning: boolean;
  /** The sidecar container's state in words, for an Event (e.g. "waiting: ErrImageNeverPull: ..."). */
  sidecarState: string;
  /** The kubelet has reported more than "not created yet" (ContainerCreating) for the sidecar. */
  sidecarStateKnown: boolean;
}

function lastExit(s: V1ContainerStatus): string {
  const t = s.state?.terminated ?? s.lastState?.terminated;
  return t === undefined ? '' : `; last ended with exit code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}`;
}

function describe(s: V1ContainerStatus | undefined): string {
  if (s === undefined) return 'no status reported yet';
  const w = s.state?.waiting;
  if (w !== undefined) return `waiting: ${w.reason ?? 'unknown reason'}${w.message ? `: ${w.message}` : ''}${lastExit(s)}`;
  if (s.state?.running !== undefined) return `running (restarts: ${s.restartCount})`;
  return `terminated${lastExit(s).replace('; last ended', '')}`;
}

function endedForGood(s: V1ContainerStatus | undefined, policy: string, deleting: boolean): boolean {
  const t = s?.state?.terminated;
  if (t === undefined) return false;
  return deleting || policy === 'Never' || (policy === 'OnFailure' && t.exitCode === 0);
}

/**
 * An app container that may still be restarted is not done: restartPolicy Always restarts every
 * exit, OnFailure every non-zero exit (unless the Pod is being deleted). Only then may the regular-container sidecar stop (a
 * stopped sidecar of a Pod whose apps come back would leave them without their volume).
 */
export function podLife(pod: V1Pod, sidecarName: string): PodLife {
  const regularSidecar = (pod.spec?.containers ?? []).some((c) => c.name === sidecarName);
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const sidecar = statuses.find((s) => s.name === sidecarName);
  const appNames = (pod.spec?.containers ?? []).map((c) => c.name).filter((n) => n !== sidecarName);
  const apps = appNames.map((n) => pod.status?.containerStatuses?.find((s) => s.name === n));
  const policy = pod.spec?.restartPolicy ?? 'Always';
  // A Pod being deleted restarts nothing: its apps' exits are final whatever the policy.
  const deleting = pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  return {
    regularSidecar,
    appsDoneForGood: apps.length > 0 && apps.every((s) => endedForGood(s, policy, deleting)),
    sidecarRunning: sidecar?.state?.running !== undefined,
    sidecarState: describe(sidecar),
    sidecarStateKnown: sidecar !== undefined && sidecar.state?.waiting?.reason !== 'ContainerCreating',
  };
}
