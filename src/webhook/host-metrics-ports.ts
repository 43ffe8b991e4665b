/**
 * Metrics ports for the sidecars of hostNetwork Pods (docs/operations.md, "Metrics of hostNetwork
 * Pods"). Every container of such a Pod shares the node's ports, so each sidecar needs a port no
 * other Pod on its node uses. The webhook cannot know the node at admission, so it keeps the port
 * unique in the whole cluster instead: the lowest port of the chart's range that no injected
 * hostNetwork Pod declares (one API list, labelled Pods only) and that this replica has not handed
 * out in the last minutes (Pods it admitted that the API server may not list yet). The port is
 * declared as containerPort and hostPort, so that a race between two webhook replicas that both
 * pick a port can never put two sidecars on one port of a node: the scheduler refuses to place a
 * Pod where its host port is taken.
 */
import { SIDECAR_METRICS_PORT_NAME } from '../contract/pod.js';
import type { Pod } from './pod-types.js';
import { podContainers } from './volumes.js';

export interface PortRange {
  first: number;
  last: number;
}

export const DEFAULT_HOST_METRICS_PORTS: PortRange = { first: 19464, last: 19963 };

export const formatRange = (r: PortRange): string => `${r.first}-${r.last}`;

/** "FIRST-LAST", both ports, FIRST <= LAST; an error names what is accepted. */
export function parsePortRange(text: string): PortRange | string {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  const first = Number(m?.[1]);
  const last = Number(m?.[2]);
  if (m === null || first < 1 || last > 65535 || first > last) {
    return `"${text}" is not accepted (accepted: a port range FIRST-LAST within 1-65535, e.g. ${formatRange(DEFAULT_HOST_METRICS_PORTS)})`;
  }
  return { first, last };
}

/** The metrics port an injected Pod declares (fsi-metrics), if any. */
export function declaredMetricsPort(pod: Pod): number | undefined {
  return podContainers(pod).flatMap((c) => c.ports ?? []).find((p) => p.name === SIDECAR_METRICS_PORT_NAME)?.containerPort;
}

/** What the mutation gets: the allocated port, or none when `range` was used up. */
export interface HostMetrics {
  port?: number;
  range: string;
}

/** A hostNetwork Pod whose range was used up is admitted, with this said out loud. */
export function hostPortWarnings(pod: Pod, host: HostMetrics | undefined): string[] {
  if (pod.spec?.hostNetwork !== true || host === undefined || host.port !== undefined) return [];
  return [`no free sidecar metrics port in ${host.range} (chart sidecar.hostNetworkMetricsPorts): metrics are served on a unix socket only, which no Prometheus discovers`];
}

export interface HostPortAllocator {
  readonly range: PortRange;
  /** A free port of the range, reserved for this Pod; undefined when the range is used up. */
  allocate(pod: Pod): Promise<number | undefined>;
}

export interface HostPortAllocatorOptions {
  range: PortRange;
  /** Ports the injected hostNetwork Pods of the cluster declare (KubeApi.hostMetricsPorts). */
  portsInUse: () => Promise<number[]>;
  now?: () => number;
  /** How long a port handed out stays reserved without the API listing it (default 5 min). */
  reserveMs?: number;
}

export function createHostPortAllocator(o: HostPortAllocatorOptions): HostPortAllocator {
  const now = o.now ?? Date.now;
  const reserveMs = o.reserveMs ?? 5 * 60_000;
  const reserved = new Map<number, number>();
  // One allocation at a time: two concurrent admissions must not both see the same port free.
  let queue: Promise<unknown> = Promise.resolve();

  const pick = async (pod: Pod): Promise<number | undefined> => {
    const t = now();
    for (const [port, at] of reserved) if (t - at > reserveMs) reserved.delete(port);
    const taken = new Set([...(await o.portsInUse()), ...reserved.keys()]);
    for (const c of podContainers(pod)) for (const p of c.ports ?? []) taken.add(p.containerPort);
    for (let port = o.range.first; port <= o.range.last; port++) {
      if (taken.has(port)) continue;
      reserved.set(port, t);
      return port;
    }
    return undefined;
  };

  return {
    range: o.range,
    allocate(pod) {
      const result = queue.then(() => pick(pod));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
