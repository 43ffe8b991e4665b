/** Small read-only questions about a Pod, shared by the mutation and the UPDATE validation. */
import { Annotations, SIDECAR_CONTAINER_NAME, SIDECAR_METRICS_PORT } from '../contract/pod.js';
import type { LocalObjectReference, Pod } from './pod-types.js';
import { podContainers } from './volumes.js';

export function isInjected(pod: Pod): boolean {
  return pod.metadata?.annotations?.[Annotations.injected] !== undefined ||
    podContainers(pod).some((c) => c.name === SIDECAR_CONTAINER_NAME);
}

export function isWindows(pod: Pod): boolean {
  return pod.spec?.os?.name === 'windows' || pod.spec?.nodeSelector?.['kubernetes.io/os'] === 'windows';
}

/**
 * The sidecar's metrics port. hostNetwork Pods share the node's ports: theirs is the port the
 * webhook allocated from the chart's range (host-metrics-ports.ts), or none (a unix socket in the
 * handoff dir) when the range is used up. Other Pods: the default or the next port no container
 * of the Pod declares.
 */
export function metricsPort(pod: Pod, preferred = SIDECAR_METRICS_PORT, hostPort?: number): number | undefined {
  if (pod.spec?.hostNetwork) return hostPort;
  const used = new Set(podContainers(pod).flatMap((c) => c.ports ?? []).map((p) => p.containerPort));
  let port = preferred;
  while (used.has(port)) port += 1;
  return port;
}

/** The metrics fields of the SidecarSpec. */
export function sidecarMetrics(
  pod: Pod, preferred: number | undefined, host: { port?: number } | undefined,
): { metricsPort?: number; hostNetwork: boolean } {
  const port = metricsPort(pod, preferred, host?.port);
  return { ...(port !== undefined ? { metricsPort: port } : {}), hostNetwork: pod.spec?.hostNetwork === true };
}

/** Appends names to a comma-separated annotation value, keeping what is there. */
export function mergeList(existing: string | undefined, add: readonly string[]): string {
  const items = (existing ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const a of add) if (!items.includes(a)) items.push(a);
  return items.join(',');
}

/**
 * The Pod's imagePullSecrets plus the chart's (for the sidecar image), each name once, the Pod's
 * own first; undefined when there are none at all (the field stays absent).
 */
export function withPullSecrets(
  existing: readonly LocalObjectReference[] | undefined,
  names: readonly string[],
): LocalObjectReference[] | undefined {
  const out = [...(existing ?? [])];
  for (const name of names) if (!out.some((s) => s.name === name)) out.push({ name });
  return out.length > 0 ? out : undefined;
}
