import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cluster } from './cluster.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- monitors and API objects are read structurally */
/**
 * Service discovery for a Prometheus built without Kubernetes discovery (Debian's refuses
 * kubernetes_sd_configs): the chart's PodMonitor and ServiceMonitor, as `helm template` renders
 * them, are resolved against the real API server on every refresh (their selector, namespace
 * selector and port), and served as `http_sd_configs` target groups, one URL per monitor
 * endpoint. Each target gets the labels the Prometheus Operator's generated relabelings give it:
 * namespace, pod, container, endpoint, job (PodMonitor: `<namespace>/<name>`; ServiceMonitor: the
 * Service's name), service (ServiceMonitor), and the podTargetLabels. On this cluster Endpoints
 * stay empty for hostNetwork Pods (podIP 127.0.0.1 is refused there), so Services resolve through
 * their EndpointSlices, which list it.
 */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

export interface MonitorJob {
  /** Unique Prometheus job_name: kind/namespace/name/index. */
  name: string;
  kind: 'PodMonitor' | 'ServiceMonitor';
  path: string;
  scheme: string;
  honorLabels: boolean;
  /** ServiceMonitor tlsConfig: the CA (PEM, read from the Secret it names) and server name. */
  tls?: { ca: string; serverName: string };
  resolve(): Promise<TargetGroup[]>;
}

/** `a.b/c` -> `a_b_c`: how Prometheus names a label that came from a Kubernetes label. */
export const promLabel = (k8sLabel: string): string => k8sLabel.replace(/[^a-zA-Z0-9_]/g, '_');

function selectorArg(selector: any): string {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of selector?.matchExpressions ?? []) {
    const op = e.operator as string;
    if (op === 'Exists') terms.push(e.key);
    else if (op === 'DoesNotExist') terms.push(`!${e.key}`);
    else terms.push(`${e.key} ${op === 'In' ? 'in' : 'notin'} (${(e.values as string[]).join(',')})`);
  }
  return terms.join(',');
}

/** `kubectl get` arguments for the namespaces a monitor's namespaceSelector names. */
function namespaceArgs(monitor: any): string[][] {
  const sel = monitor.spec.namespaceSelector;
  if (sel?.any === true) return [['--all-namespaces']];
  const names: string[] = sel?.matchNames ?? [monitor.metadata.namespace];
  return names.map((n) => ['-n', n]);
}

async function list(cluster: Cluster, resource: string, monitor: any, selector: any): Promise<any[]> {
  const out: any[] = [];
  for (const ns of namespaceArgs(monitor)) {
    const args = ['get', resource, ...ns, '-o', 'json'];
    const sel = selectorArg(selector);
    if (sel !== '') args.push('-l', sel);
    out.push(...JSON.parse(await cluster.kubectl(args)).items);
  }
  return out;
}

function podJob(cluster: Cluster, pm: any, ep: any, index: number): MonitorJob {
  const job = `${pm.metadata.namespace}/${pm.metadata.name}`;
  return {
    name: `podMonitor/${job}/${index}`, kind: 'PodMonitor', path: ep.path ?? '/metrics', scheme: ep.scheme ?? 'http',
    honorLabels: ep.honorLabels === true,
    async resolve() {
      const pods = (await list(cluster, 'pods', pm, pm.spec.selector)).filter((p) => p.status?.phase === 'Running');
      return pods.flatMap((p) => (p.spec.containers as any[]).flatMap((c) =>
        (c.ports ?? []).filter((port: any) => port.name === ep.port).map((port: any): TargetGroup => ({
          targets: [`${p.status.podIP}:${port.containerPort}`],
          labels: {
            job, namespace: p.metadata.namespace, pod: p.metadata.name, container: c.name, endpoint: ep.port,
            ...Object.fromEntries((pm.spec.podTargetLabels ?? [])
              .filter((l: string) => p.metadata.labels?.[l] !== undefined)
              .map((l: string) => [promLabel(l), p.metadata.labels[l]])),
          },
        }))));
    },
  };
}

/** The ready endpoints of one EndpointSlice of Service `s`, on its port named `portName`. */
function sliceGroups(s: any, slice: any, portName: string): TargetGroup[] {
  const port = ((slice.ports ?? []) as any[]).find((p) => p.name === portName);
  if (port === undefined) return [];
  return ((slice.endpoints ?? []) as any[]).filter((e) => e.conditions?.ready !== false).map((e) => ({
    targets: (e.addresses as string[]).map((a) => `${a}:${port.port}`),
    labels: {
      job: s.metadata.name, namespace: s.metadata.namespace, service: s.metadata.name, endpoint: portName,
      ...(e.targetRef?.kind === 'Pod' ? { pod: e.targetRef.name as string } : {}),
    },
  }));
}

async function serviceJob(cluster: Cluster, sm: any, ep: any, index: number): Promise<MonitorJob> {
  const ca = ep.tlsConfig?.ca?.secret;
  const tls = ca === undefined ? undefined : {
    ca: Buffer.from(JSON.parse(await cluster.kubectl(['get', 'secret', ca.name, '-n', sm.metadata.namespace, '-o', 'json'])).data[ca.key], 'base64').toString(),
    serverName: ep.tlsConfig.serverName,
  };
  return {
    name: `serviceMonitor/${sm.metadata.namespace}/${sm.metadata.name}/${index}`, kind: 'ServiceMonitor',
    path: ep.path ?? '/metrics', scheme: ep.scheme ?? 'http', honorLabels: ep.honorLabels === true,
    ...(tls !== undefined ? { tls } : {}),
    async resolve() {
      const services = (await list(cluster, 'services', sm, sm.spec.selector))
        .filter((s) => (s.spec.ports as any[]).some((p) => p.name === ep.port));
      const groups: TargetGroup[] = [];
      for (const s of services) {
        const slices = JSON.parse(await cluster.kubectl(['get', 'endpointslices', '-n', s.metadata.namespace,
          '-l', `kubernetes.io/service-name=${s.metadata.name}`, '-o', 'json'])).items as any[];
        for (const slice of slices) groups.push(...sliceGroups(s, slice, ep.port));
      }
      return groups;
    },
  };
}

/** One job per endpoint of every PodMonitor and ServiceMonitor among the rendered objects. */
export async function monitorJobs(cluster: Cluster, rendered: readonly any[]): Promise<MonitorJob[]> {
  const jobs: MonitorJob[] = [];
  for (const o of rendered) {
    if (o?.kind === 'PodMonitor') (o.spec.podMetricsEndpoints as any[]).forEach((ep, i) => jobs.push(podJob(cluster, o, ep, i)));
    if (o?.kind === 'ServiceMonitor') {
      for (const [i, ep] of (o.spec.endpoints as any[]).entries()) jobs.push(await serviceJob(cluster, o, ep, i));
    }
  }
  return jobs;
}

export interface SdServer {
  /** The http_sd URL of job i. */
  url(i: number): string;
  /** API errors seen while resolving (an empty answer must not hide a failure). */
  errors: string[];
  close(): Promise<void>;
}

export async function startSdServer(jobs: readonly MonitorJob[]): Promise<SdServer> {
  const errors: string[] = [];
  const server: Server = createServer((req, res) => {
    const job = jobs[Number(/^\/sd\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1)];
    if (job === undefined) return void res.writeHead(404).end();
    job.resolve().then(
      (groups) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(groups)),
      (e: Error) => (errors.push(`${job.name}: ${e.message}`), res.writeHead(500).end(e.message)),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (i) => `http://127.0.0.1:${port}/sd/${i}`,
    errors,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
